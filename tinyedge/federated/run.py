"""Two ways to run the same ServerApp and ClientApp: Flower's simulation engine, or its deployment engine.

Simulation: `flwr.simulation.run_simulation` in this process, N virtual
SuperNodes on Ray (Flower's only simulation backend), each a Ray worker
that recomputes its own share of the data.

Deployment: a Flower App folder (a hand-written pyproject.toml naming our
apps, since `flwr new` fetches templates online), one `flower-superlink`
and one `flower-supernode` per device, each with its own .npz, and
`flwr run`. `deployment_commands` prints the exact commands; the
`start_*` helpers start them on loopback for a local trial and the tests.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from .config import FederateConfig

FLWR_ENV = {"FLWR_TELEMETRY_ENABLED": "0", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1",
            "RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO": "0"}


class _WarningsOnly(logging.Filter):
    """Flower's warnings, minus the notice that run_simulation is deprecated (we chose it knowingly:
    it runs in this process, where `flwr run` needs a SuperLink process and an app folder)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING and "run_simulation" not in record.getMessage()


_QUIET = _WarningsOnly()


def _quiet_flower(verbose: bool) -> None:
    """Flower logs every step at INFO; we print a line per round instead (unless verbose).

    A filter on the logger, not a level: run_simulation resets the level of
    Flower's console handler when it starts.
    """
    os.environ.update(FLWR_ENV)
    logger = logging.getLogger("flwr")
    if verbose:
        logger.removeFilter(_QUIET)
    elif _QUIET not in logger.filters:
        logger.addFilter(_QUIET)


def simulate(cfg: FederateConfig, client_app=None, echo: Callable[[str], None] | None = None) -> None:
    """Run cfg on Flower's simulation engine; the server writes its results into cfg.out."""
    _quiet_flower(cfg.verbose)
    from flwr.simulation import run_simulation

    from .client_app import build_client_app
    from .server_app import build_server_app

    workers = cfg.workers or max(1, min(os.cpu_count() or 1, cfg.n_clients))
    backend = {"client_resources": {"num_cpus": 1, "num_gpus": 0.0},
               "init_args": {"num_cpus": workers, "num_gpus": 0, "include_dashboard": False,
                             "logging_level": logging.INFO if cfg.verbose else logging.ERROR,
                             "log_to_driver": bool(cfg.verbose)}}
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        run_simulation(server_app=build_server_app(cfg, echo), client_app=client_app or build_client_app(cfg),
                       num_supernodes=cfg.n_clients, backend_config=backend, verbose_logging=cfg.verbose)


# ---- deployment engine -------------------------------------------------------------------------

PYPROJECT = """\
# A Flower App running tinyedge's federated ServerApp and ClientApp (written by tinyedge).
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "1.0.0"
description = "tinyedge federated training"
license = "Apache-2.0"
dependencies = ["tinyedge[federated]"]

[tool.hatch.build.targets.wheel]
packages = ["."]

[tool.flwr.app]
publisher = "tinyedge"

[tool.flwr.app.components]
serverapp = "tinyedge.federated.server_app:app"
clientapp = "tinyedge.federated.client_app:app"

[tool.flwr.app.config]
{config}
"""


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_app(cfg: FederateConfig, app_dir: str | Path, name: str = "tinyedge-federated") -> Path:
    """A Flower App folder for `flwr run`: pyproject.toml with the run's settings as its run config."""
    app_dir = Path(app_dir)
    app_dir.mkdir(parents=True, exist_ok=True)
    # The server learns how many devices to wait for, never where their data is.
    run_config = cfg.replace(clients=cfg.n_clients, client_data=[], data=None).to_run_config()
    lines = [f"{k} = {_toml_value(v)}" for k, v in run_config.items()]
    (app_dir / "pyproject.toml").write_text(PYPROJECT.format(name=name, config="\n".join(lines)))
    return app_dir


def write_flwr_config(flwr_home: str | Path, address: str, connection: str = "tinyedge") -> Path:
    """$FLWR_HOME/config.toml naming one SuperLink connection (where `flwr run` submits)."""
    home = Path(flwr_home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(f'[superlink]\ndefault = "{connection}"\n\n[superlink.{connection}]\n'
                    f'address = "{address}"\ninsecure = true\n')
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def superlink_command(port: int) -> list[str]:
    return ["flower-superlink", "--insecure", "--host", "127.0.0.1", "--port", str(port),
            "--disable-runtime-dependency-installation"]


def supernode_command(superlink_port: int, port: int, data: str | Path, partition_id: int) -> list[str]:
    return ["flower-supernode", "--insecure", "--superlink", f"127.0.0.1:{superlink_port}", "--port", str(port),
            "--node-config", f'data="{Path(data).resolve()}" partition-id={partition_id}']


def flwr_run_command(app_dir: str | Path, connection: str = "tinyedge") -> list[str]:
    return ["flwr", "run", str(app_dir), connection, "--stream"]


def deployment_commands(cfg: FederateConfig, app_dir: str | Path, superlink_port: int = 9091) -> str:
    """The shell commands that run cfg on the deployment engine: the SuperLink, one SuperNode per device, the run."""
    app_dir = Path(app_dir).resolve()
    lines = ["export FLWR_TELEMETRY_ENABLED=0",
             shlex.join(superlink_command(superlink_port)) + " &"]
    for k, data in enumerate(cfg.client_data):
        lines.append(shlex.join(supernode_command(superlink_port, 9100 + k, data, k)) + " &")
    lines.append(f"FLWR_HOME={shlex.quote(str(app_dir / 'flwr_home'))} " + shlex.join(flwr_run_command(app_dir)))
    return "\n".join(lines)


def prepare_app(cfg: FederateConfig, app_dir: str | Path, superlink_port: int = 9091) -> str:
    """Write a Flower App for cfg into app_dir (model, server's held-out set, per-device .npz for a local
    trial when cfg has pooled data); return the commands that run it."""
    import numpy as np

    from . import _materialize_model
    from .partition_data import server_holdout, write_client_files
    if not cfg.client_data and cfg.data is None:
        from ..errors import UsageError
        raise UsageError("the deployment engine needs each device's data: pass --client-data per device "
                         "(or --data to split for a local trial)")
    cfg.check()
    app_dir = Path(app_dir).resolve()
    app_dir.mkdir(parents=True, exist_ok=True)
    cfg = _materialize_model(cfg, app_dir)
    if cfg.val is None:
        x, y = server_holdout(cfg)
        np.savez(app_dir / "val.npz", x=x, y=y)
        cfg = cfg.replace(val=str(app_dir / "val.npz"))
    if not cfg.client_data:
        cfg = cfg.replace(client_data=[str(p) for p in write_client_files(cfg, app_dir / "clients")], data=None)
    write_app(cfg, app_dir)
    write_flwr_config(app_dir / "flwr_home", f"127.0.0.1:{superlink_port}")
    return deployment_commands(cfg, app_dir, superlink_port)


def _argv(cmd: list[str]) -> list[str]:
    """Flower's console scripts from this Python's environment first (they may not be on PATH)."""
    exe = Path(sys.executable).parent / cmd[0]
    return [str(exe) if exe.exists() else cmd[0], *cmd[1:]]


def _process_env(env: dict[str, str] | None) -> dict[str, str]:
    """The environment for Flower's processes: no telemetry, and the same tinyedge as this process runs
    (on PYTHONPATH, so a checkout works whatever copy pip installed)."""
    import tinyedge
    root = str(Path(tinyedge.__file__).resolve().parent.parent)
    old = os.environ.get("PYTHONPATH")
    return dict(os.environ, **FLWR_ENV, PYTHONPATH=root + (os.pathsep + old if old else ""), **(env or {}))


def start(cmd: list[str], log_path: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a Flower process in its own session (it spawns helpers), its output to log_path."""
    full_env = _process_env(env)
    argv = _argv(cmd)
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
    finally:
        log.close()


def run_app(app_dir: str | Path, env: dict[str, str] | None = None, timeout: float = 900,
            connection: str = "tinyedge") -> subprocess.CompletedProcess:
    """`flwr run` the Flower App in app_dir on the SuperLink named in $FLWR_HOME/config.toml; wait for it."""
    return subprocess.run(_argv(flwr_run_command(app_dir, connection)), env=_process_env(env),
                          capture_output=True, text=True, timeout=timeout)


def stop(procs: list[subprocess.Popen], timeout: float = 10.0) -> None:
    """Stop each process we started, and the helpers in its session, by its id: TERM, then KILL."""
    for p in procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.time() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            pass
        try:  # helpers may outlive their parent: end the whole session
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if p.poll() is None:
            p.wait(timeout=5)


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process {proc.pid} exited with {proc.returncode} before port {port} opened")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")
