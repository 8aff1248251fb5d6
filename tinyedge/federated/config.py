"""One federated run's settings: a dataclass, checked once, flattened for Flower's run config.

The same settings reach three places: the Python API (`FederateConfig`), the
CLI (one option per field) and a Flower App's `pyproject.toml`
(`[tool.flwr.app.config]`, scalars only), from which the deployment engine's
ServerApp reads them back with `from_run_config`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

STRATEGIES = ("fedavg", "fedprox")
PARTITIONS = ("iid", "dirichlet")
CLIPPING = ("server", "client")
SECURE = ("none", "secagg", "he")
OPTIMIZERS = ("adam", "sgd")


@dataclass
class FederateConfig:
    """Everything a federated run needs. Paths may be str or Path.

    model: a Keras model file (.keras), a factory (a callable returning an
    uncompiled Keras model, or "package.module:function"). data: one .npz
    (x, y) that simulation splits over `clients` (IID or Dirichlet(alpha) over
    the labels); or client_data: one .npz per client (deployment, or your own
    split). val: the server's held-out .npz, for centralized evaluation and
    int8 calibration; without it `val_fraction` of `data` is held out.
    """

    model: Any = None
    data: str | Path | None = None
    client_data: list[str | Path] = field(default_factory=list)
    val: str | Path | None = None
    val_fraction: float = 0.2
    out: str | Path = "federated_out"
    clients: int = 10
    rounds: int = 10
    fraction: float = 1.0             # clients sampled per training round
    fraction_evaluate: float = 1.0    # clients sampled for federated evaluation
    local_epochs: int = 1
    batch_size: int = 32
    lr: float = 1e-3
    optimizer: str = "adam"
    strategy: str = "fedavg"
    mu: float = 0.0                   # FedProx proximal weight
    partition: str = "iid"
    alpha: float = 0.5                # Dirichlet concentration (smaller: more skewed)
    local_val_fraction: float = 0.2   # each client's own held-out share, for federated evaluation
    seed: int = 0
    # differential privacy (client level): noise on the average of clipped updates
    noise_multiplier: float | None = None
    target_epsilon: float | None = None   # solve the noise multiplier for this epsilon after `rounds`
    clip_norm: float | None = None
    delta: float = 1e-5
    clipping: str = "server"
    epsilon_budget: float | None = None   # stop before a round would spend more
    # thin links
    quantize_updates: bool = False        # int8, one scale per tensor
    topk: float | None = None             # keep this fraction of each update tensor (error feedback)
    # robustness
    max_update_norm: float = 1000.0
    secure: str = "none"
    board: str | None = None
    name: str | None = None
    workers: int | None = None        # virtual clients trained at once (default: CPU count)
    verbose: bool = False

    @property
    def dp(self) -> bool:
        return self.noise_multiplier is not None or self.target_epsilon is not None

    @property
    def compressed(self) -> bool:
        return self.quantize_updates or self.topk is not None

    @property
    def n_clients(self) -> int:
        return len(self.client_data) if self.client_data else self.clients

    def check(self) -> "FederateConfig":
        """Raise UsageError with the fix for the first bad setting; return self."""
        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise UsageError(msg)
        need(self.model is not None, "no model: pass --model model.keras (or a factory 'package.module:function')")
        need(self.data is not None or bool(self.client_data),
             "no data: pass --data train.npz (split over the clients) or --client-data per client")
        need(self.data is not None or self.val is not None,
             "with --client-data the server needs its own held-out set: pass --val val.npz")
        for p in ([self.data] if self.data else []) + list(self.client_data) + ([self.val] if self.val else []):
            need(Path(p).is_file(), f"data file '{p}' does not exist; check the path")
        if isinstance(self.model, (str, Path)) and ":" not in str(self.model):
            need(Path(self.model).exists(), f"model '{self.model}' does not exist; check the path")
        if isinstance(self.model, str) and ":" in self.model and self.model.rpartition(":")[0].endswith(".py"):
            need(Path(self.model.rpartition(":")[0]).is_file(),
                 f"model factory file '{self.model.rpartition(':')[0]}' does not exist; check the path")
        need(self.n_clients >= 2, f"federated training needs at least 2 clients, not {self.n_clients}; "
             "raise --clients")
        need(self.rounds >= 1, f"--rounds must be at least 1, not {self.rounds}")
        need(0.0 < self.fraction <= 1.0, f"--fraction must be in (0, 1], not {self.fraction}")
        need(0.0 <= self.fraction_evaluate <= 1.0,
             f"--fraction-evaluate must be in [0, 1], not {self.fraction_evaluate}")
        need(self.local_epochs >= 1, f"--local-epochs must be at least 1, not {self.local_epochs}")
        need(self.batch_size >= 1, f"--batch-size must be at least 1, not {self.batch_size}")
        need(self.lr > 0, f"--lr must be positive, not {self.lr}")
        need(self.optimizer in OPTIMIZERS, f"--optimizer must be one of {', '.join(OPTIMIZERS)}")
        need(self.strategy in STRATEGIES, f"--strategy must be one of {', '.join(STRATEGIES)}, "
             f"not '{self.strategy}'")
        need(self.mu >= 0, f"--mu must be zero or positive, not {self.mu}")
        need(self.strategy == "fedprox" or self.mu == 0,
             "--mu is FedProx's proximal weight: add --strategy fedprox (or drop --mu)")
        need(self.partition in PARTITIONS, f"--partition must be iid or dirichlet, not '{self.partition}'")
        need(self.alpha > 0, f"--alpha must be positive, not {self.alpha}")
        need(0.0 < self.val_fraction < 1.0, f"val fraction must be in (0, 1), not {self.val_fraction}")
        need(0.0 <= self.local_val_fraction < 1.0,
             f"local val fraction must be in [0, 1), not {self.local_val_fraction}")
        need(self.clipping in CLIPPING, f"--clipping must be server or client, not '{self.clipping}'")
        need(self.noise_multiplier is None or self.target_epsilon is None,
             "pass --noise-multiplier or --target-epsilon, not both (the noise is solved for the target)")
        need(self.noise_multiplier is None or self.noise_multiplier > 0,
             f"--noise-multiplier must be positive, not {self.noise_multiplier}")
        need(self.target_epsilon is None or self.target_epsilon > 0,
             f"--target-epsilon must be positive, not {self.target_epsilon}")
        need(not self.dp or (self.clip_norm is not None and self.clip_norm > 0),
             "differential privacy clips every update: add --clip-norm C (e.g. 1.0)")
        need(0.0 < self.delta < 1.0, f"--delta must be in (0, 1), not {self.delta}")
        need(self.epsilon_budget is None or self.dp,
             "--epsilon-budget needs differential privacy: add --noise-multiplier or --target-epsilon")
        need(self.topk is None or 0.0 < self.topk <= 1.0, f"--topk must be in (0, 1], not {self.topk}")
        need(self.max_update_norm > 0, f"--max-update-norm must be positive, not {self.max_update_norm}")
        need(self.secure in SECURE, f"--secure must be one of {', '.join(SECURE)}, not '{self.secure}'")
        need(self.workers is None or self.workers >= 1, f"--workers must be at least 1, not {self.workers}")
        return self

    def replace(self, **changes) -> "FederateConfig":
        return dataclasses.replace(self, **changes)

    # Flower's run config holds scalars: lists join with ';', None becomes "".
    def to_run_config(self) -> dict[str, Any]:
        if callable(self.model):
            raise UsageError("a Flower App needs the model as a file: save it (model.save('m.keras')) "
                             "and pass the path")
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            key = f.name.replace("_", "-")
            if f.name == "client_data":
                out[key] = ";".join(str(Path(p).resolve()) for p in v)
            elif v is None:
                out[key] = ""
            elif isinstance(v, Path) or f.name in ("model", "data", "val", "out"):
                out[key] = str(Path(v).resolve()) if ":" not in str(v) else str(v)
            else:
                out[key] = v
        return out

    @classmethod
    def from_run_config(cls, run_config: dict[str, Any]) -> "FederateConfig":
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            key = f.name.replace("_", "-")
            if key not in run_config:
                continue
            v = run_config[key]
            if f.name == "client_data":
                v = [p for p in str(v).split(";") if p]
            elif v == "" and f.default is None:
                v = None
            elif f.type in ("float", "float | None") and v is not None:
                v = float(v)
            elif f.type in ("int", "int | None") and v is not None:
                v = int(v)
            kwargs[f.name] = v
        return cls(**kwargs)

