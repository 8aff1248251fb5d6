"""SecAgg+ on Flower's workflow (legacy) API, optionally with client-side DP.

The server only ever sees the masked sum of the sampled clients' weights:
clients run `secaggplus_mod`, the server runs `SecAggPlusWorkflow` inside
`DefaultWorkflow` around the legacy `FedAvg` (the Message-API strategies have
no SecAgg hook). With differential privacy, `fixedclipping_mod` clips each
update on the client before it is masked, and the legacy
`DifferentialPrivacyClientSideFixedClipping` wrapper adds Gaussian noise to
the unmasked aggregate: Flower's own way of pairing DP with SecAgg+.

SecAgg+ works on integers: each client scales its weights by n/max_weight,
clips them to [-clipping_range, clipping_range] and rounds them
stochastically onto `quantization_range` levels. `secagg_error_bound` says
how far that can move the aggregate from plain FedAvg.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")  # no network for Flower's usage events

import numpy as np
from flwr.app import Context, Message
from flwr.app.message_type import MessageType
from flwr.client import ClientApp, NumPyClient
from flwr.client.mod import fixedclipping_mod, secaggplus_mod
from flwr.common import ndarrays_to_parameters, parameters_to_ndarrays
from flwr.common.secure_aggregation.secaggplus_constants import (
    RECORD_KEY_CONFIGS,
    Key,
    Stage,
)
from flwr.server import LegacyContext, ServerApp, ServerConfig
from flwr.server.strategy import DifferentialPrivacyClientSideFixedClipping, FedAvg
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow
from flwr.server.workflow.constant import MAIN_CONFIGS_RECORD, MAIN_PARAMS_RECORD
from flwr.server.workflow.constant import Key as WorkflowKey
from flwr.simulation import run_simulation

from ..errors import UsageError
from .privacy import PrivacyLedger, solve_noise
from .privacy import epsilon as dp_epsilon

log = logging.getLogger("tinyedge.federated")

# trainer(partition_id, weights, config) -> (new_weights, num_examples, metrics)
Trainer = Callable[[int, list[np.ndarray], dict], tuple[list[np.ndarray], int, dict]]

# Flower's SecAgg+ defaults: values in [-8, 8] on 2**22 levels, masks mod 2**32.
CLIPPING_RANGE = 8.0
QUANTIZATION_RANGE = 2**22
MODULUS_RANGE = 2**32
MAX_WEIGHT = 1000.0


# --- settings shared with secure_he ---------------------------------------------

def setting(cfg: Any, name: str, default: Any = None) -> Any:
    """cfg.<name>, or `default` when the config has no such field (test stand-ins)."""
    value = getattr(cfg, name, default)
    return default if value is None else value


def num_clients(cfg: Any) -> int:
    return int(getattr(cfg, "n_clients", None) or setting(cfg, "clients"))


def sample_size(cfg: Any) -> int:
    """Clients per round, as the legacy FedAvg samples them (at least 2)."""
    return max(int(num_clients(cfg) * float(setting(cfg, "fraction", 1.0))), 2)


def simulation_backend(cfg: Any) -> dict:
    """Ray settings: `workers` virtual clients at once, one CPU each."""
    workers = int(setting(cfg, "workers", os.cpu_count() or 1))
    return {"client_resources": {"num_cpus": 1, "num_gpus": 0.0},
            "init_args": {"num_cpus": workers, "num_gpus": 0}}


def scalar_metrics(metrics: dict | None) -> dict:
    """Keep what Flower can carry in a metrics record (int, float, str, bool)."""
    out = {}
    for k, v in (metrics or {}).items():
        if isinstance(v, (bool, int, float, str)):
            out[str(k)] = v
        elif isinstance(v, np.generic):
            out[str(k)] = v.item()
    return out


# --- privacy accounting ---------------------------------------------------------

def dp_noise_seed(seed: int, server_round: int) -> int:
    """The numpy seed under which round `server_round`'s server noise is drawn."""
    return int(np.random.SeedSequence([int(seed), int(server_round)]).generate_state(1)[0])


@contextmanager
def seeded_global_numpy(seed: int) -> Iterator[None]:
    """Seed numpy's global generator (Flower draws DP noise from it), then put it back."""
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def secagg_error_bound(num_examples: Sequence[int], *, clipping_range: float = CLIPPING_RANGE,
                       quantization_range: int = QUANTIZATION_RANGE, max_weight: float = MAX_WEIGHT,
                       max_abs_value: float = 0.0) -> float:
    """Largest |SecAgg+ aggregate - plain weighted FedAvg| per weight, for these clients.

    Client i scales its weights w_i by q_i / T, with q_i = round(n_i / max_weight * T)
    and T = quantization_range, and rounds them stochastically onto levels
    2*clipping_range/T apart: off by < 1 level per value,
    and the server divides the sum by Q = sum(q_i), so k clients are off by
    < k * 2 * clipping_range / Q. The integer weights q_i also differ slightly
    from n_i; that moves the average by at most
    max|w| * sum_i |q_i/Q - n_i/N|. Values must lie inside the clipping range.
    """
    n = np.asarray(num_examples, dtype=np.float64)
    q = np.round(n / max_weight * quantization_range)
    rounding = len(n) * 2.0 * clipping_range / q.sum()
    reweighting = max_abs_value * float(np.abs(q / q.sum() - n / n.sum()).sum())
    return float(rounding + reweighting)


# --- client side ----------------------------------------------------------------

class _TrainerClient(NumPyClient):
    """A NumPyClient that calls the trainer; SecAgg+ masks what `fit` returns."""

    def __init__(self, trainer: Trainer, partition_id: int, *, unit_weight: bool, clipping_range: float,
                 max_weight: float):
        self.trainer = trainer
        self.partition_id = partition_id
        self.unit_weight = unit_weight
        self.clipping_range = clipping_range
        self.max_weight = max_weight

    def fit(self, parameters, config):
        weights, n, metrics = self.trainer(self.partition_id, list(parameters), dict(config))
        weights = [np.asarray(w) for w in weights]
        # DP needs every client to weigh the same (its noise is calibrated to C / sampled clients).
        n = 1 if self.unit_weight else int(n)
        if n > self.max_weight:
            raise ValueError(f"client {self.partition_id}: {n} examples exceed SecAgg+'s max_weight "
                             f"{self.max_weight:g}; raise max_weight")
        # SecAgg+ clips w * n / max_weight silently; fail loudly instead (Flower records the failure).
        # (fixedclipping_mod only moves the weights towards the global model's, inside the same range.)
        peak = max((float(np.abs(w).max()) for w in weights if w.size), default=0.0)
        if not np.isfinite(peak) or peak * n / self.max_weight > self.clipping_range:
            raise ValueError(f"client {self.partition_id}: a weight of magnitude {peak:g} is outside "
                             f"SecAgg+'s clipping range {self.clipping_range:g}; raise clipping_range")
        return weights, n, scalar_metrics(metrics)


class DropAfterKeySharing:
    """Client mod: chosen clients fail at SecAgg+'s masked-vector stage.

    They have sent their public keys and their encrypted key shares, so the
    server must rebuild their pairwise masks from their neighbours' shares:
    the dropout SecAgg+ is built to survive. `drop` maps a round to the
    partition ids that drop in it. Place it before `secaggplus_mod`, which
    pops the stage from the message.
    """

    def __init__(self, drop: dict[int, set[int]]):
        self.drop = {int(r): {int(p) for p in ps} for r, ps in drop.items()}

    def __call__(self, msg: Message, ctxt: Context, call_next) -> Message:
        if msg.metadata.message_type == MessageType.TRAIN and RECORD_KEY_CONFIGS in msg.content.config_records:
            stage = msg.content.config_records[RECORD_KEY_CONFIGS].get(Key.STAGE)
            server_round = int(msg.metadata.group_id or 0)
            pid = int(ctxt.node_config["partition-id"])
            if stage == Stage.COLLECT_MASKED_VECTORS and pid in self.drop.get(server_round, ()):
                raise RuntimeError(f"client {pid} dropped out in round {server_round} after sharing its keys")
        return call_next(msg, ctxt)


def _client_app(trainer: Trainer, *, dp: bool, clipping_range: float, max_weight: float,
                drop_clients: dict[int, set[int]] | None) -> ClientApp:
    def client_fn(context: Context):
        pid = int(context.node_config["partition-id"])
        return _TrainerClient(trainer, pid, unit_weight=dp, clipping_range=clipping_range,
                              max_weight=max_weight).to_client()

    # Mods run outermost first: drop before SecAgg+ sees the stage; clip the
    # trainer's result before SecAgg+ masks it.
    mods = [DropAfterKeySharing(drop_clients)] if drop_clients else []
    mods.append(secaggplus_mod)
    if dp:
        mods.append(fixedclipping_mod)
    return ClientApp(client_fn=client_fn, mods=mods)


# --- server side ----------------------------------------------------------------

class _RecordingFedAvg(FedAvg):
    """Legacy FedAvg that notes, per round, who took part and who failed."""

    def __init__(self, rounds_log: dict[int, dict], **kwargs):
        super().__init__(**kwargs)
        self.rounds_log = rounds_log

    def num_fit_clients(self, num_available_clients: int) -> tuple[int, int]:
        # Nodes register one by one: size the sample on the whole federation, not
        # on whoever has registered so far (sample() waits for them all).
        return super().num_fit_clients(max(num_available_clients, self.min_available_clients))

    def configure_fit(self, server_round, parameters, client_manager):
        instructions = super().configure_fit(server_round, parameters, client_manager)
        self.rounds_log.setdefault(server_round, {"round": server_round})["sampled"] = len(instructions)
        return instructions

    def aggregate_fit(self, server_round, results, failures):
        row = self.rounds_log.setdefault(server_round, {"round": server_round})
        row["clients"] = len(results)
        # SecAgg+'s workflow may list one failure twice: count clients, keep distinct reasons.
        row["dropped"] = row.get("sampled", len(results)) - len(results)
        row["failure_reasons"] = sorted({_reason(f) for f in failures})
        params, metrics = super().aggregate_fit(server_round, results, failures)
        row["metrics"] = scalar_metrics(metrics)
        return params, metrics


def _mean_metrics(results: list[tuple[int, dict]]) -> dict:
    """Clients' numeric training metrics, averaged weighted by their example counts."""
    keys = {k for _, m in results for k, v in m.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {k: sum(n * float(m[k]) for n, m in results if k in m) / max(sum(n for n, m in results if k in m), 1)
            for k in sorted(keys)}


def _reason(failure: BaseException | object) -> str:
    """The client's own message out of Flower's wrapped error (a Ray traceback in simulation)."""
    text = str(failure)
    if "Message: " in text:
        # The message sits inside the repr of a repr: it ends at an escaped newline or quote.
        text = re.split(r"\\+[n']|'>", text.rsplit("Message: ", 1)[1])[0]
    return " ".join(text.split())[:200]


class _SeededClientSideDP(DifferentialPrivacyClientSideFixedClipping):
    """Flower's client-side fixed-clipping DP wrapper with noise drawn under a given seed
    (secret, from OS entropy, unless a test passes one).

    Flower draws the noise from numpy's global generator; seeding it per round
    (and restoring it after) makes a run reproducible and lets a test redraw
    the very same noise.
    """

    def __init__(self, *args, seed: int, rounds_log: dict[int, dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.seed = seed
        self.rounds_log = rounds_log

    def aggregate_fit(self, server_round, results, failures):
        with seeded_global_numpy(dp_noise_seed(self.seed, server_round)):
            params, metrics = super().aggregate_fit(server_round, results, failures)
        row = self.rounds_log.setdefault(server_round, {"round": server_round})
        # Flower's wrapper skips a round with failures (its noise assumes all sampled clients)
        row["noised"] = params is not None
        return params, metrics


def _global_weights(context: Context) -> list[np.ndarray]:
    from flwr.compat.common import recorddict_compat as compat
    params = compat.arrayrecord_to_parameters(context.state.array_records[MAIN_PARAMS_RECORD], keep_input=True)
    return parameters_to_ndarrays(params)


def _server_app(strategy, workflow: SecAggPlusWorkflow, rounds: int, sink: dict,
                rounds_log: dict[int, dict] | None) -> ServerApp:
    """The legacy ServerApp; with `rounds_log`, the global weights after each round go into it."""
    app = ServerApp()

    def fit_round(grid, context: LegacyContext) -> None:
        workflow(grid, context)
        if rounds_log is not None:
            server_round = int(context.state.config_records[MAIN_CONFIGS_RECORD][WorkflowKey.CURRENT_ROUND])
            rounds_log.setdefault(server_round, {"round": server_round})["weights"] = _global_weights(context)

    @app.main()
    def main(grid, context: Context) -> None:
        legacy = LegacyContext(context=context, config=ServerConfig(num_rounds=rounds), strategy=strategy)
        DefaultWorkflow(fit_workflow=fit_round)(grid, legacy)
        # The ServerApp runs in a thread of this process: hand the result out by reference.
        sink["weights"] = _global_weights(legacy)

    return app


def run_secagg(cfg: Any, trainer: Trainer, initial_weights: list[np.ndarray], *,
               num_shares: int | float = 1.0, reconstruction_threshold: int | float = 0.5,
               drop_clients: dict[int, set[int]] | None = None,
               clipping_range: float = CLIPPING_RANGE, quantization_range: int = QUANTIZATION_RANGE,
               max_weight: float = MAX_WEIGHT, keep_round_weights: bool = False,
               evaluate_fn: Callable[[int, list[np.ndarray]], dict] | None = None,
               noise_seed: int | None = None) -> dict:
    """Federated rounds in Flower's simulation with SecAgg+ (and client-side DP if cfg asks).

    noise_seed: for tests only, to redraw the server's DP noise. By default the noise comes
    from fresh OS entropy: noise derived from the run's (public) seed could be subtracted.

    num_shares / reconstruction_threshold are SecAgg+'s: an int is a count, a
    float a fraction of the sampled clients (of the shares, for the
    threshold). Each client needs `reconstruction_threshold` live neighbours
    for the round to finish. drop_clients: {round: {partition ids}} that drop
    out after sharing their keys (tests). keep_round_weights: each history
    row also gets "weights", the global model (float64) after that round.
    Each client's weights times n / max_weight must lie within
    +-clipping_range (checked on the client).

    With DP (cfg.noise_multiplier or cfg.target_epsilon, and cfg.clip_norm),
    every client weighs 1, clips its update on the client whatever
    cfg.clipping says, and the server adds N(0, (z*C/m)^2) to the average of
    the m sampled clients; cfg.epsilon_budget cuts the rounds short.

    Epsilon counts every round that ran, also one whose noised aggregate
    Flower withheld. Returns {"weights", "history" (one dict per round:
    sampled, clients, dropped, failure_reasons, completed, and with DP
    noise_std and epsilon so far), "epsilon", "delta", "secagg" (the protocol
    settings), "evaluate_initial", "seconds"}.
    """
    if bool(getattr(cfg, "quantize_updates", False)) or getattr(cfg, "topk", None) is not None:
        raise UsageError("update compression does not combine with --secure secagg "
                         "(SecAgg+ quantizes by itself): drop --quantize-updates/--topk")
    if max_weight <= 0 or clipping_range <= 0:
        raise UsageError("SecAgg+ needs a positive max_weight and clipping_range")
    clients, rounds, seed = num_clients(cfg), int(setting(cfg, "rounds", 1)), int(setting(cfg, "seed", 0))
    sampled = sample_size(cfg)
    if sampled > clients:
        raise UsageError(f"SecAgg+ needs at least 2 clients per round, not {clients}; raise --clients")
    if sampled * quantization_range >= MODULUS_RANGE:
        # The masked sum of `sampled` values below quantization_range must not wrap around.
        raise UsageError(f"{sampled} clients per round overflow SecAgg+'s 32-bit sums at quantization range "
                         f"{quantization_range}; lower quantization_range or --fraction")
    if isinstance(num_shares, int) and num_shares > sampled:
        raise UsageError(f"num_shares {num_shares} exceeds the {sampled} clients per round; lower it")

    q = sampled / clients
    z, clip = getattr(cfg, "noise_multiplier", None), getattr(cfg, "clip_norm", None)
    delta, budget = float(setting(cfg, "delta", 1e-5)), getattr(cfg, "epsilon_budget", None)
    target = getattr(cfg, "target_epsilon", None)
    if z is None and target is not None:
        z = solve_noise(float(target), q, rounds, delta)
    dp = z is not None
    if dp and not clip:
        raise UsageError("differential privacy clips every update: add --clip-norm C (e.g. 1.0)")
    if dp and budget is not None:
        # Stop before a round would spend more than the budget.
        ledger = PrivacyLedger(float(z), q, delta, float(budget))
        while ledger.releases < rounds and ledger.next_fits():
            ledger.record()
        if ledger.releases < rounds:
            log.info("epsilon budget %.3g allows %d of %d rounds", budget, ledger.releases, rounds)
        rounds = ledger.releases
        if rounds < 1:
            raise UsageError(f"the epsilon budget {budget} is spent before the first round; "
                             "raise --epsilon-budget or --noise-multiplier")

    rounds_log: dict[int, dict] = {}
    evaluations: dict[int, dict] = {}

    def evaluate(server_round: int, weights: list[np.ndarray], config: dict):
        if evaluate_fn is None:
            return None
        metrics = scalar_metrics(evaluate_fn(server_round, [np.asarray(w) for w in weights]))
        evaluations[server_round] = metrics
        return float(metrics.get("loss", 0.0)), metrics

    fedavg = _RecordingFedAvg(
        rounds_log,
        fraction_fit=float(setting(cfg, "fraction", 1.0)), fraction_evaluate=0.0,
        min_fit_clients=2, min_evaluate_clients=0, min_available_clients=clients,
        initial_parameters=ndarrays_to_parameters([np.asarray(w) for w in initial_weights]),
        evaluate_fn=evaluate if evaluate_fn else None,
        on_fit_config_fn=lambda server_round: {"server_round": server_round},
        fit_metrics_aggregation_fn=_mean_metrics,
    )
    secret = noise_seed if noise_seed is not None else secrets.randbits(63)
    strategy = (_SeededClientSideDP(fedavg, float(z), float(clip), sampled, seed=secret, rounds_log=rounds_log)
                if dp else fedavg)
    if dp:
        max_weight = 1.0  # every client reports weight 1: finest quantization for that case
    if dp and str(getattr(cfg, "clipping", "client")) == "server":
        log.info("SecAgg+ hides single updates from the server: clipping them on the clients instead")
    try:
        workflow = SecAggPlusWorkflow(num_shares=num_shares, reconstruction_threshold=reconstruction_threshold,
                                      max_weight=max_weight, clipping_range=clipping_range,
                                      quantization_range=quantization_range, modulus_range=MODULUS_RANGE)
    except (TypeError, ValueError) as e:  # Flower's own checks on the protocol settings
        raise UsageError(f"SecAgg+ settings: {e}") from None

    sink: dict = {}
    start = time.perf_counter()
    run_simulation(server_app=_server_app(strategy, workflow, rounds, sink,
                                          rounds_log if keep_round_weights else None),
                   client_app=_client_app(trainer, dp=dp, clipping_range=clipping_range,
                                          max_weight=max_weight, drop_clients=drop_clients),
                   num_supernodes=clients, backend_config=simulation_backend(cfg),
                   verbose_logging=bool(getattr(cfg, "verbose", False)))
    seconds = time.perf_counter() - start
    if "weights" not in sink:
        raise RuntimeError("the SecAgg+ simulation ended without a model; see Flower's log above")

    history = []
    for r in range(1, rounds + 1):
        logged = rounds_log.get(r, {})
        row = {"round": r, "sampled": 0, "clients": 0, "dropped": 0, "failure_reasons": [], **logged}
        # A round halts (SecAgg+: too few live neighbours; DP: any dropout) without an update.
        row["completed"] = "clients" in logged and logged.get("noised", True)
        if dp:
            row["noise_std"] = float(z) * float(clip) / sampled
            row["epsilon"] = dp_epsilon(z, q, r, delta)
        if r in evaluations:
            row["evaluate"] = evaluations[r]
        history.append(row)
    dtypes = [np.asarray(w).dtype for w in initial_weights]
    return {
        "weights": [np.asarray(w).astype(dt) for w, dt in zip(sink["weights"], dtypes)],
        "history": history,
        "epsilon": history[-1]["epsilon"] if dp else None,
        "delta": delta if dp else None,
        "secagg": {"num_shares": num_shares, "reconstruction_threshold": reconstruction_threshold,
                   "clipping_range": clipping_range, "quantization_range": quantization_range,
                   "modulus_range": MODULUS_RANGE, "max_weight": max_weight,
                   "clients_per_round": sampled, "clipping": "client" if dp else None},
        "evaluate_initial": evaluations.get(0),
        "seconds": seconds,
    }


# --- rounds on fixed updates (tests compare them with plain FedAvg) --------------

class PresetTrainer:
    """A stand-in trainer: client i adds updates[i] to the weights it gets."""

    def __init__(self, updates: list[list[np.ndarray]], num_examples: Sequence[int]):
        self.updates = [[np.asarray(u, dtype=np.float64) for u in us] for us in updates]
        self.num_examples = [int(n) for n in num_examples]

    def __call__(self, partition_id: int, weights: list[np.ndarray], config: dict):
        new = [np.asarray(w, dtype=np.float64) + u for w, u in zip(weights, self.updates[partition_id])]
        return new, self.num_examples[partition_id], {}


def secagg_on_updates(initial_weights: list[np.ndarray], updates: list[list[np.ndarray]],
                      num_examples: Sequence[int], *, rounds: int = 1, seed: int = 0,
                      noise_multiplier: float | None = None, clip_norm: float | None = None,
                      delta: float = 1e-5, drop_clients: dict[int, set[int]] | None = None,
                      workers: int = 1, **secagg: Any) -> dict:
    """SecAgg+ rounds in which client i's update is always exactly updates[i].

    Keeps each round's global weights in the history, to compare with plain FedAvg.
    One worker by default: tiny clients gain nothing from a second Ray actor,
    which costs a TensorFlow import (Flower's simulation imports it).
    """
    from .config import FederateConfig
    cfg = FederateConfig(clients=len(updates), rounds=rounds, fraction=1.0, seed=seed,
                         noise_multiplier=noise_multiplier, clip_norm=clip_norm, delta=delta,
                         workers=workers)
    return run_secagg(cfg, PresetTrainer(updates, num_examples), initial_weights,
                      drop_clients=drop_clients, keep_round_weights=True, noise_seed=seed, **secagg)
