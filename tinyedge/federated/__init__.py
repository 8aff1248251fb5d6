"""Federated training on Flower, ending in a model tinyedge builds for a microcontroller.

    from tinyedge.federated import FederateConfig, federate
    result = federate(FederateConfig(model="model.keras", data="train.npz", val="val.npz",
                                     clients=10, rounds=30, partition="dirichlet", alpha=0.5,
                                     out="fl_out", board="qemu-cortex-m4"))
    result.rounds[-1]["centralized"]["accuracy"], result.model, result.deploy["evaluate"]

Flower runs the rounds (simulation engine here; the deployment engine
through run.py's Flower App); this package plugs in Keras local training,
DP accounting, update compression, checks on client updates and the final
build. Flower, Ray and TensorFlow are imported only when a run starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .config import FederateConfig

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")  # no network for Flower's usage events


@dataclass
class FederateResult:
    """What a run left in `out`: per-round records, the summary, the global model, the build."""

    out: Path
    rounds: list[dict[str, Any]]
    summary: dict[str, Any]
    model: Path
    run_json: Path
    deploy: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _materialize_model(cfg: FederateConfig, out: Path) -> FederateConfig:
    """A factory's model, built with the run's seed and saved, so every process starts from the same weights."""
    if isinstance(cfg.model, (str, Path)) and ":" not in str(cfg.model):
        return cfg
    import keras

    from .training import load_model
    keras.utils.set_random_seed(cfg.seed)
    path = out / "initial.keras"
    load_model(cfg.model).save(path)
    return cfg.replace(model=str(path))


def federate(cfg: FederateConfig, echo: Callable[[str], None] | None = None,
             client_mods: list | None = None) -> FederateResult:
    """Run federated training as `cfg` says; then, with cfg.board, build and evaluate the global model.

    echo: called with one line per round (and notes); None prints nothing.
    client_mods: extra Flower client mods around the clients' training, outermost first (your own
    logging, or a fault injector to see how the server copes with bad clients).
    """
    from .report import RUN_JSON, load_run
    cfg.check()
    if cfg.board:
        from .deploy import check_board
        check_board(cfg.board)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = _materialize_model(cfg, out)
    say = echo or (lambda s: None)
    extra: dict[str, Any] = {}
    if cfg.secure == "none":
        from .client_app import build_client_app
        from .run import simulate
        simulate(cfg, client_app=build_client_app(cfg, mods=client_mods) if client_mods else None, echo=say)
    else:
        if client_mods:
            from ..errors import UsageError
            raise UsageError("client_mods work with secure='none' only: the secure modes run their own ClientApps")
        from .secure_run import run_secure
        extra = run_secure(cfg, say)
    run = load_run(out / RUN_JSON)
    result = FederateResult(out=out, rounds=run["rounds"], summary=run["summary"], model=out / "global.keras",
                            run_json=out / RUN_JSON, extra=extra)
    if cfg.board:
        from .deploy import deploy
        say(f"building the global model for {cfg.board} (calibrated on the server's held-out data)")
        result.deploy = deploy(result.model, out / "c", cfg.board, out / "calib.npz", out / "val.npz",
                               name=cfg.name)
        run["summary"]["deploy"] = result.deploy
        from .report import RunLog
        log = RunLog(out / RUN_JSON, run["config"])
        log.data = run
        log.write()
    return result


__all__ = ["FederateConfig", "FederateResult", "federate"]
