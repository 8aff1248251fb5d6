"""The Flower ServerApp: FedAvg or FedProx from `flwr.serverapp.strategy`, wrapped by our checks.

The strategy stack, outermost first:

    Guard        decodes compressed updates, drops malformed ones (robust.py),
                 drops failed clients, counts bytes, keeps the privacy ledger,
                 records each round; stops before the epsilon budget is spent
    DP wrapper   Flower's fixed-clipping wrapper (server- or client-side), with DP only
    strategy     Flower's FedAvg / FedProx, sampling clients with the run's seed

Flower's `Strategy.start` runs the rounds; the Guard only sees the messages
on their way in and out. Centralized evaluation (the server's held-out set)
closes each round's record.
"""

from __future__ import annotations

import os
import re
import time
from logging import INFO, WARNING
from pathlib import Path
from typing import Any, Iterable

import numpy as np

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")

from flwr.app import Array, ArrayRecord, ConfigRecord, Message, MessageType, MetricRecord, RecordDict  # noqa: E402
from flwr.serverapp import ServerApp  # noqa: E402
from flwr.serverapp.strategy import FedAvg, FedProx, Strategy  # noqa: E402
from flwr.supercore import log as flwr_log  # noqa: E402

from .config import FederateConfig  # noqa: E402
from .report import RUN_JSON, RunLog, round_line  # noqa: E402


def short_reason(text: str) -> str:
    """The client's own error message out of the Ray traceback Flower passes on (no colours)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    found = re.findall(r"Message: (.+)", text)
    line = found[-1] if found else next((t for t in reversed(text.splitlines()) if t.strip()), text)
    return line.strip().rstrip("'>")[:200]


class BudgetSpent(Exception):
    """The next round would spend more epsilon than the budget allows."""


def _seeded_messages(s, server_round, arrays, config, grid, fraction, min_nodes, message_type):
    """Flower's sampling (same count), drawn from the run's seed over nodes ordered by client id.

    Flower samples with Python's global `random` over node ids that are
    random per run; this makes the same clients train in the same rounds.
    """
    if fraction == 0.0:
        return []
    nodes = sorted(grid.get_node_ids(), key=lambda n: (s.client_ids.get(n, 1 << 62), n))
    k = min(len(nodes), max(int(len(nodes) * fraction), min_nodes))
    kind = 0 if message_type == MessageType.TRAIN else 1
    rng = np.random.default_rng([s.seed, server_round, kind])
    chosen = [nodes[i] for i in np.sort(rng.choice(len(nodes), size=k, replace=False))]
    config["server-round"] = server_round
    record = RecordDict({s.arrayrecord_key: arrays, s.configrecord_key: config})
    return s._construct_messages(record, chosen, message_type)


class SeededFedAvg(FedAvg):
    """Flower's FedAvg with reproducible client sampling."""

    seed: int = 0
    client_ids: dict[int, int]  # node id -> client id, learnt at the start (learn_client_ids)

    def configure_train(self, server_round, arrays, config, grid):
        return _seeded_messages(self, server_round, arrays, config, grid, self.fraction_train,
                                self.min_train_nodes, MessageType.TRAIN)

    def configure_evaluate(self, server_round, arrays, config, grid):
        return _seeded_messages(self, server_round, arrays, config, grid, self.fraction_evaluate,
                                self.min_evaluate_nodes, MessageType.EVALUATE)


class SeededFedProx(FedProx):
    """Flower's FedProx (it sends "proximal-mu" to the clients) with reproducible client sampling."""

    seed: int = 0
    client_ids: dict[int, int]

    def configure_train(self, server_round, arrays, config, grid):
        config["proximal-mu"] = self.proximal_mu
        return _seeded_messages(self, server_round, arrays, config, grid, self.fraction_train,
                                self.min_train_nodes, MessageType.TRAIN)

    configure_evaluate = SeededFedAvg.configure_evaluate


def sampled_count(n_clients: int, fraction: float) -> int:
    """How many clients a round samples (as Flower computes it, at least 2)."""
    return min(n_clients, max(int(n_clients * fraction), 2))


def build_strategy(cfg: FederateConfig, noise_multiplier: float | None):
    """(strategy to run, the FedAvg/FedProx inside): Flower's DP wrapper around it when DP is on."""
    n = cfg.n_clients
    # Clients evaluate on the share of their data they keep back; none kept back, nothing to evaluate.
    fraction_evaluate = cfg.fraction_evaluate if cfg.local_val_fraction > 0 else 0.0
    common = dict(fraction_train=cfg.fraction, fraction_evaluate=fraction_evaluate,
                  min_train_nodes=2, min_evaluate_nodes=min(2, n) if fraction_evaluate > 0 else 0,
                  min_available_nodes=n)
    inner = SeededFedProx(proximal_mu=cfg.mu, **common) if cfg.strategy == "fedprox" else SeededFedAvg(**common)
    inner.seed, inner.client_ids = cfg.seed, {}
    if noise_multiplier is None:
        return inner, inner
    from .privacy import dp_wrapper
    return dp_wrapper(inner, cfg.clipping, noise_multiplier, cfg.clip_norm, sampled_count(n, cfg.fraction)), inner


class Guard(Strategy):
    """The outermost strategy: checks and counts what passes between Flower's strategy and the clients."""

    def __init__(self, strategy, cfg: FederateConfig, ledger, log: RunLog, echo):
        self.strategy, self.cfg, self.ledger, self.log, self.echo = strategy, cfg, ledger, log, echo
        self.global_arrays: dict[str, np.ndarray] = {}
        self.current: dict[str, Any] = {}
        self.latest = None   # the last global weights evaluated: what an early stop keeps
        self.t0 = time.time()

    def summary(self) -> None:
        self.strategy.summary()

    def configure_train(self, server_round, arrays, config, grid):
        from .compression import wire_bytes
        if self.ledger is not None and not self.ledger.next_fits():
            raise BudgetSpent(f"round {server_round} would take epsilon past the budget {self.ledger.budget}")
        self.global_arrays = {k: a.numpy() for k, a in arrays.items()}
        messages = list(self.strategy.configure_train(server_round, arrays, config, grid))
        self.current = {"round": server_round, "sampled": len(messages), "accepted": 0, "rejected": 0,
                        "failed": 0, "rejections": [], "failures": [],
                        "bytes_down_per_client": wire_bytes(arrays)}
        return messages

    def aggregate_train(self, server_round, replies: Iterable):
        from .compression import decode, is_encoded, wire_bytes
        from .robust import rejection
        accepted, up = [], []
        for msg in replies:
            if msg.has_error():
                self.current["failed"] += 1
                self.current["failures"].append({"node": int(msg.metadata.src_node_id),
                                                 "reason": short_reason(str(msg.error.reason))})
                continue
            content = msg.content
            metrics = content["metrics"] if "metrics" in content.metric_records else None
            cid = int(metrics.get("client-id", -1)) if metrics is not None else -1
            reason, arrays = None, None
            try:
                record = content["arrays"]
                up.append(wire_bytes(record))
                received = {k: a.numpy() for k, a in record.items()}
                if is_encoded(received):
                    update = decode(received, self.global_arrays)
                    arrays = {k: self.global_arrays[k] + update[k] for k in self.global_arrays}
                else:
                    arrays = received
                reason = rejection(arrays, self.global_arrays, self.cfg.max_update_norm)
                if reason is None and metrics is None:
                    reason = "no metrics (num-examples) in the reply"
            except (KeyError, ValueError, TypeError) as e:
                reason = f"malformed reply ({e})"[:300]
            if reason is not None:
                self.current["rejected"] += 1
                self.current["rejections"].append({"client": cid, "reason": reason})
                flwr_log(WARNING, "tinyedge: rejected the update of client %s: %s", cid, reason)
                continue
            self._clip_if_needed(arrays)
            content["arrays"] = ArrayRecord({k: Array(np.ascontiguousarray(v)) for k, v in arrays.items()})
            metrics = content["metrics"]
            examples = int(metrics.get("num-examples", 0))
            if "client-id" in metrics:
                del metrics["client-id"]
            if self.ledger is not None:  # the noise std z*C/m assumes each client weighs 1/m
                metrics["num-examples"] = 1
            accepted.append((cid, examples, msg))
        accepted.sort(key=lambda t: t[0])  # a fixed order: the float sum does not depend on arrival
        self.current["accepted"] = len(accepted)
        self.current["clients"] = [cid for cid, _, _ in accepted]
        self.current["examples"] = sum(e for _, e, _ in accepted)
        self.current["bytes_up_per_client"] = float(np.mean(up)) if up else 0.0
        self.current["bytes_up_total"] = int(sum(up))
        if not accepted:
            return None, None
        if hasattr(self.strategy, "num_sampled_clients"):  # noise for the clients actually averaged
            self.strategy.num_sampled_clients = len(accepted)
        arrays, metrics = self.strategy.aggregate_train(server_round, [m for _, _, m in accepted])
        if metrics is not None:
            self.current["train_loss"] = metrics.get("train-loss")
        if arrays is not None and self.ledger is not None:
            self.current["epsilon"] = self.ledger.record()
        return arrays, metrics

    def _clip_if_needed(self, arrays: dict[str, np.ndarray]) -> None:
        """Client-side clipping happened before encoding; error feedback can push the norm past C again."""
        if self.ledger is None or self.cfg.clipping != "client" or not self.cfg.compressed:
            return
        from flwr.supercore.differential_privacy import compute_clip_model_update
        keys = list(self.global_arrays)
        new = [arrays[k] for k in keys]
        compute_clip_model_update(new, [self.global_arrays[k] for k in keys], self.cfg.clip_norm)
        arrays.update(zip(keys, new))

    def configure_evaluate(self, server_round, arrays, config, grid):
        return self.strategy.configure_evaluate(server_round, arrays, config, grid)

    def aggregate_evaluate(self, server_round, replies: Iterable):
        ok = []
        for msg in replies:
            if msg.has_error():
                self.current.setdefault("evaluate_failed", 0)
                self.current["evaluate_failed"] += 1
                continue
            metrics = msg.content["metrics"] if "metrics" in msg.content.metric_records else None
            if metrics is None:
                continue
            if "client-id" in metrics:
                del metrics["client-id"]
            ok.append(msg)
        if not ok:
            return None
        metrics = self.strategy.aggregate_evaluate(server_round, ok)
        if metrics is not None:
            self.current["federated"] = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
        return metrics

    def end_round(self, server_round: int, central: dict[str, float] | None) -> None:
        rec = self.current if self.current.get("round") == server_round else {"round": server_round}
        rec["centralized"] = central or {}
        rec["seconds"] = round(time.time() - self.t0, 2)
        if self.ledger is not None and "epsilon" not in rec:
            rec["epsilon"] = self.ledger.epsilon
        self.log.add_round(rec)
        self.echo(round_line(rec))
        self.current = {}


def learn_client_ids(grid, n_clients: int, timeout: float = 3600) -> dict[int, int]:
    """Wait for the nodes, then ask each its client id (a Flower query message), for seeded sampling."""
    t0 = time.time()
    while len(nodes := list(grid.get_node_ids())) < n_clients:
        if time.time() - t0 > timeout:
            raise TimeoutError(f"only {len(nodes)} of {n_clients} clients connected in {timeout:.0f} s")
        flwr_log(INFO, "tinyedge: waiting for clients: %d of %d connected", len(nodes), n_clients)
        time.sleep(1.0)
    replies = grid.send_and_receive(
        [Message(RecordDict(), dst_node_id=n, message_type=MessageType.QUERY) for n in nodes], timeout=timeout)
    ids = {}
    for r in replies:
        if not r.has_error() and "metrics" in r.content.metric_records:
            ids[int(r.metadata.src_node_id)] = int(r.content["metrics"]["client-id"])
    return ids


def evaluate_config(cfg: FederateConfig, model_json: str) -> dict[str, Any]:
    return {"seed": cfg.seed, "local-val-fraction": float(cfg.local_val_fraction), "model-json": model_json,
            "optimizer": cfg.optimizer}


def train_config(cfg: FederateConfig, model_json: str) -> dict[str, Any]:
    """What every client needs for local training, sent with each round's weights."""
    c: dict[str, Any] = {"local-epochs": cfg.local_epochs, "batch-size": cfg.batch_size, "lr": float(cfg.lr),
                         "optimizer": cfg.optimizer, "seed": cfg.seed,
                         "local-val-fraction": float(cfg.local_val_fraction), "model-json": model_json}
    if cfg.quantize_updates:
        c["quantize"] = True
    if cfg.topk is not None:
        c["topk"] = float(cfg.topk)
    return c


def run_server(grid, cfg: FederateConfig, echo=None) -> dict[str, Any]:
    """Run the rounds on `grid`; write out/federated.json, out/global.keras; return the summary."""
    from .partition_data import server_holdout
    from .privacy import PrivacyLedger, solve_noise
    from .training import evaluate_model, get_arrays, is_classification, load_model, set_arrays, weight_keys

    echo = echo or (lambda s: print(s, flush=True))
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    xv, yv = server_holdout(cfg)
    model = load_model(cfg.model)
    classification = is_classification(model, yv)
    n, q = cfg.n_clients, sampled_count(cfg.n_clients, cfg.fraction) / cfg.n_clients

    z = cfg.noise_multiplier
    if cfg.target_epsilon is not None:
        z = solve_noise(cfg.target_epsilon, q, cfg.rounds, cfg.delta)
        echo(f"noise multiplier {z:.4f} reaches epsilon {cfg.target_epsilon} at delta {cfg.delta:g} "
             f"after {cfg.rounds} rounds (q = {q:.3f})")
    ledger = None
    if z is not None:
        ledger = PrivacyLedger(z, q, cfg.delta, cfg.epsilon_budget)
        # Flower draws the noise from numpy's global generator: whatever seeded it (Keras seeds it
        # for reproducible weights) must not make the noise predictable.
        np.random.seed(None)

    log = RunLog(out / RUN_JSON, {**cfg.to_run_config(), "noise-multiplier-used": z, "sampling-rate": q})
    strategy, inner = build_strategy(cfg, z)
    inner.client_ids = learn_client_ids(grid, n)
    guard = Guard(strategy, cfg, ledger, log, echo)
    keys = weight_keys(model)

    def central(server_round: int, arrays) -> MetricRecord:
        guard.latest = arrays
        set_arrays(model, [arrays[k].numpy() for k in keys])
        scores = evaluate_model(model, xv, yv, classification)
        guard.end_round(server_round, scores)
        return MetricRecord(scores)

    initial = ArrayRecord({k: _array(w) for k, w in get_arrays(model).items()})
    model_json = model.to_json()
    stopped = None
    try:
        guard.start(grid=grid, initial_arrays=initial, num_rounds=cfg.rounds,
                    train_config=ConfigRecord(train_config(cfg, model_json)),
                    evaluate_config=ConfigRecord(evaluate_config(cfg, model_json)), evaluate_fn=central)
    except BudgetSpent as e:
        stopped = str(e)
        echo(f"stopped early: {stopped}")
    final = guard.latest if guard.latest is not None else initial
    set_arrays(model, [final[k].numpy() for k in keys])
    model.save(out / "global.keras")
    np.savez(out / "val.npz", x=xv, y=yv)
    np.savez(out / "calib.npz", x=xv[:min(len(xv), 200)])
    rounds = log.data["rounds"]
    last = rounds[-1] if rounds else {}
    summary = {"rounds_run": max((r["round"] for r in rounds), default=0), "stopped_early": stopped,
               "final_centralized": last.get("centralized"), "epsilon": last.get("epsilon"),
               "delta": cfg.delta if ledger else None, "noise_multiplier": z,
               "model": str(out / "global.keras"), "seconds": round(time.time() - guard.t0, 2)}
    log.summarize(**summary)
    return summary


def _array(w):
    return Array(np.ascontiguousarray(w))


def build_server_app(cfg: FederateConfig | None = None, echo=None):
    """The ServerApp. cfg: the run's settings (simulation); None: read from the run config (deployment)."""
    app = ServerApp()

    @app.main()
    def main(grid, context) -> None:
        run_server(grid, cfg or FederateConfig.from_run_config(dict(context.run_config)), echo)

    return app


# The deployment engine loads this (pyproject: serverapp = "tinyedge.federated.server_app:app").
app = build_server_app()
