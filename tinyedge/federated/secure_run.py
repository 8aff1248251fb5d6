"""`federate` with --secure secagg|he: the secure runs (secure.py) with the same outputs as a plain run.

The secure modes have their own Flower apps (SecAgg+ lives in Flower's
workflow API; CKKS sums need their own aggregation); this adapter gives
them our trainer, the server's centralized evaluation, and writes the same
federated.json, global.keras, val.npz and calib.npz.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from .config import FederateConfig
from .report import RUN_JSON, RunLog, round_line


def _round_record(row: dict[str, Any]) -> dict[str, Any]:
    rec: dict[str, Any] = {"round": int(row["round"]), "centralized": row.get("evaluate") or {}}
    for ours, theirs in (("sampled", "sampled"), ("accepted", "clients"), ("failed", "dropped"),
                         ("epsilon", "epsilon"), ("bytes_up_per_client", "ciphertext_bytes"),
                         ("encrypt_ms", "encrypt_ms"), ("aggregate_ms", "aggregate_ms"),
                         ("decrypt_ms", "decrypt_ms"), ("completed", "completed")):
        if row.get(theirs) is not None:
            rec[ours] = row[theirs]
    if row.get("failure_reasons") or row.get("failures"):
        rec["failures"] = [str(r)[:300] for r in (row.get("failure_reasons") or row.get("failures") or [])]
    return rec


def run_secure(cfg: FederateConfig, echo: Callable[[str], None]) -> dict[str, Any]:
    """Run cfg.secure's rounds; write the run's files into cfg.out; return the secure run's extras."""
    from .client_app import make_model, make_trainer
    from .partition_data import server_holdout
    from .secure import run_he, run_secagg
    from .training import evaluate_model, is_classification

    out = Path(cfg.out)
    xv, yv = server_holdout(cfg)
    model = make_model(cfg)
    classification = is_classification(model, yv)
    initial = model.get_weights()

    def evaluate_fn(server_round: int, weights: list[np.ndarray]) -> dict[str, float]:
        model.set_weights([np.asarray(w, dtype=np.asarray(i).dtype) for w, i in zip(weights, initial)])
        return evaluate_model(model, xv, yv, classification)

    run = run_secagg if cfg.secure == "secagg" else run_he
    res = run(cfg, make_trainer(cfg), initial, evaluate_fn=evaluate_fn)
    log = RunLog(out / RUN_JSON, {**cfg.to_run_config(), "secure": cfg.secure})
    if res.get("evaluate_initial"):
        log.add_round({"round": 0, "centralized": res["evaluate_initial"]})
        echo(round_line(log.data["rounds"][-1]))
    for row in res["history"]:
        log.add_round(_round_record(row))
        echo(round_line(log.data["rounds"][-1]))
    model.set_weights([np.asarray(w, dtype=np.asarray(i).dtype) for w, i in zip(res["weights"], initial)])
    model.save(out / "global.keras")
    np.savez(out / "val.npz", x=xv, y=yv)
    np.savez(out / "calib.npz", x=xv[:min(len(xv), 200)])
    last = log.data["rounds"][-1] if log.data["rounds"] else {}
    extras = {k: v for k, v in res.items() if k not in ("weights", "history")}
    log.summarize(rounds_run=len(res["history"]), stopped_early=None, final_centralized=last.get("centralized"),
                  epsilon=res.get("epsilon"), delta=res.get("delta"), model=str(out / "global.keras"),
                  seconds=res.get("seconds"), secure=cfg.secure,
                  **{k: v for k, v in extras.items() if k in ("secagg", "cost", "public_context_bytes")})
    return extras
