"""Homomorphic aggregation on Flower: CKKS (TenSEAL) ciphertexts summed by a server without the key.

Roles. A `KeyHolder` makes the CKKS key pair; the clients get the context
with the secret key out of band (TenSEAL has no threshold decryption, so
they share one key), the server only its public part. Each round a client
encrypts n * (clipped update) followed by n; the server adds the
ciphertexts; one of the round's clients decrypts the sum on request (a
Flower query message) and returns it, from which the server takes the
weighted average update. Whoever holds the secret key could decrypt a
single client's update, so the server must never have it: `HeFedAvg`
refuses a private context.

A vector longer than a ciphertext's slots travels as several ciphertexts,
packed into one byte string (TenSEAL would split it too, but prints a warning
per vector).
"""

from __future__ import annotations

import functools
import logging
import os
import struct
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")  # no network for Flower's usage events

import numpy as np


def _import_tenseal():
    """Import TenSEAL bound to its own protobuf.

    TensorFlow (which Flower imports in every process) loads its protobuf with
    global symbols; a TenSEAL loaded after it serializes through TF's protobuf
    and segfaults. Deep binding makes TenSEAL resolve its own symbols first.
    """
    if "tenseal" in sys.modules:
        return sys.modules["tenseal"]
    flags = sys.getdlopenflags()
    sys.setdlopenflags(flags | getattr(os, "RTLD_DEEPBIND", 0))
    try:
        import tenseal
    finally:
        sys.setdlopenflags(flags)
    return tenseal


ts = _import_tenseal()

from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.app.message_type import MessageType
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg
from flwr.simulation import run_simulation

from ..errors import UsageError
from .secure_secagg import Trainer, num_clients, scalar_metrics, setting, simulation_backend

log = logging.getLogger("tinyedge.federated")

# 8192 slots x 2, primes 60-40-40-60 bits, scale 2**40: ~1e-8 absolute error on sums
# of a few clients' updates, 128-bit security (SEAL's table for N = 8192 allows 218 bits).
POLY_MODULUS_DEGREE = 8192
COEFF_MOD_BIT_SIZES = (60, 40, 40, 60)
SCALE_BITS = 40

_LEN = struct.Struct("<Q")


# --- keys and ciphertexts --------------------------------------------------------

class KeyHolder:
    """The clients' shared CKKS key. Hands out a public-only context for the server."""

    def __init__(self, poly_modulus_degree: int = POLY_MODULUS_DEGREE,
                 coeff_mod_bit_sizes: Sequence[int] = COEFF_MOD_BIT_SIZES, scale_bits: int = SCALE_BITS):
        ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree, coeff_mod_bit_sizes=list(coeff_mod_bit_sizes))
        ctx.global_scale = 2.0**scale_bits
        self._ctx = ctx

    def client_context(self) -> bytes:
        """For the clients only (out of band): encrypts and decrypts."""
        return self._ctx.serialize(save_secret_key=True, save_galois_keys=False, save_relin_keys=False)

    def public_context(self) -> bytes:
        """For the server: encrypts and adds, cannot decrypt. Additions need no relin or Galois keys."""
        return self._ctx.serialize(save_public_key=True, save_secret_key=False,
                                   save_galois_keys=False, save_relin_keys=False)

    def decrypt(self, ciphertext: bytes) -> np.ndarray:
        return decrypt_vector(self._ctx, ciphertext)


def load_context(ctx: bytes | ts.Context) -> ts.Context:
    return ctx if isinstance(ctx, ts.Context) else _load_cached(bytes(ctx))


@functools.lru_cache(maxsize=4)
def _load_cached(data: bytes) -> ts.Context:
    # Clients load the same context every round; parsing it costs tens of ms.
    return ts.context_from(data)


def is_public_only(ctx: bytes | ts.Context) -> bool:
    """True when the context cannot decrypt (holds no secret key)."""
    return not load_context(ctx).is_private()


def _slots(ctx: ts.Context) -> int:
    return ctx.seal_context().data.key_context_data().parms().poly_modulus_degree() // 2


def _pack(parts: Iterable[bytes]) -> bytes:
    return b"".join(_LEN.pack(len(p)) + p for p in parts)


def _unpack(blob: bytes) -> list[bytes]:
    parts, at = [], 0
    while at < len(blob):
        (size,) = _LEN.unpack_from(blob, at)
        at += _LEN.size
        parts.append(blob[at:at + size])
        at += size
    if at != len(blob):
        raise UsageError("ciphertext is truncated: expected bytes from encrypt_update")
    return parts


def encrypt_update(ctx: bytes | ts.Context, vector: np.ndarray) -> bytes:
    """Encrypt a float vector (any length) under a public-only or client context."""
    context = load_context(ctx)
    values = np.asarray(vector, dtype=np.float64).ravel()
    if not np.all(np.isfinite(values)):
        raise UsageError("cannot encrypt an update with NaN or inf values")
    n = _slots(context)
    return _pack(ts.ckks_vector(context, values[i:i + n].tolist()).serialize()
                 for i in range(0, max(len(values), 1), n))


def sum_ciphertexts(public_ctx: bytes | ts.Context, ciphertexts: Sequence[bytes]) -> bytes:
    """The aggregator's whole job: add ciphertexts. Refuses a context that could decrypt them."""
    context = load_context(public_ctx)
    if not is_public_only(context):
        raise UsageError("the aggregator was given the secret key: pass KeyHolder.public_context()")
    if not ciphertexts:
        raise UsageError("no ciphertexts to sum")
    total = [ts.ckks_vector_from(context, p) for p in _unpack(ciphertexts[0])]
    for blob in ciphertexts[1:]:
        parts = _unpack(blob)
        if len(parts) != len(total):
            raise UsageError("ciphertexts of different lengths cannot be summed (clients disagree on the model)")
        for acc, part in zip(total, parts):
            acc += ts.ckks_vector_from(context, part)
    return _pack(c.serialize() for c in total)


def decrypt_vector(ctx: bytes | ts.Context, ciphertext: bytes) -> np.ndarray:
    """Decrypt with a context that holds the secret key (key holder / clients only)."""
    context = load_context(ctx)
    if not context.is_private():
        raise UsageError("this context has no secret key: only the key holder can decrypt")
    return np.concatenate([np.asarray(ts.ckks_vector_from(context, p).decrypt(), dtype=np.float64)
                           for p in _unpack(ciphertext)])


# --- Flower apps ------------------------------------------------------------------

def _flatten(arrays: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays]) if arrays else np.zeros(0)


def _unflatten(vector: np.ndarray, like: Sequence[np.ndarray]) -> list[np.ndarray]:
    out, at = [], 0
    for a in like:
        out.append(vector[at:at + a.size].reshape(a.shape))
        at += a.size
    return out


def _as_bytes(record: ArrayRecord) -> bytes:
    return record.to_numpy_ndarrays()[0].tobytes()


def _bytes_record(blob: bytes) -> ArrayRecord:
    # Flower carries arrays, not bytes: ship the ciphertext as a uint8 array.
    return ArrayRecord([np.frombuffer(blob, dtype=np.uint8)])


def _client_app(trainer: Trainer, client_context: bytes, clip_norm: float | None) -> ClientApp:
    app = ClientApp()

    @app.train()
    def train(msg: Message, context: Context) -> Message:
        pid = int(context.node_config["partition-id"])
        weights = msg.content["arrays"].to_numpy_ndarrays()
        new, n, metrics = trainer(pid, weights, dict(msg.content["config"]))
        update = _flatten(new) - _flatten(weights)
        norm = float(np.linalg.norm(update))
        if clip_norm is not None and norm > clip_norm:
            update *= clip_norm / norm
        # Weighted update and its weight in one ciphertext: the server learns neither.
        start = time.perf_counter()
        ct = encrypt_update(client_context, np.append(float(n) * update, float(n)))
        encrypt_ms = (time.perf_counter() - start) * 1e3
        out = {"encrypt-ms": encrypt_ms, "ciphertext-bytes": len(ct), "plain-bytes": 4 * update.size,
               **scalar_metrics(metrics)}
        return Message(RecordDict({"ciphertext": _bytes_record(ct), "metrics": MetricRecord(out)}), reply_to=msg)

    @app.query()
    def decrypt(msg: Message, context: Context) -> Message:
        # The key holder's part: decrypt the sum the server sends, nothing else.
        start = time.perf_counter()
        total = decrypt_vector(client_context, _as_bytes(msg.content["sum"]))
        decrypt_ms = (time.perf_counter() - start) * 1e3
        return Message(RecordDict({"plain": ArrayRecord([total]),
                                   "metrics": MetricRecord({"decrypt-ms": decrypt_ms})}), reply_to=msg)

    return app


class HeFedAvg(FedAvg):
    """FedAvg whose aggregation adds CKKS ciphertexts; it holds only a public context."""

    def __init__(self, public_context: bytes, *, timeout: float = 600.0, **kwargs: Any):
        super().__init__(fraction_evaluate=0.0, **kwargs)
        self.context = load_context(public_context)
        if not is_public_only(self.context):
            raise UsageError("the server must not hold the secret key: give it KeyHolder.public_context()")
        self.timeout = timeout
        self.rounds: list[dict] = []
        self._grid: Grid | None = None
        self._arrays: ArrayRecord | None = None

    def configure_train(self, server_round, arrays, config, grid):
        self._grid, self._arrays = grid, arrays  # the decrypt request and the update need them
        return super().configure_train(server_round, arrays, config, grid)

    def aggregate_train(self, server_round, replies):
        replies = list(replies)
        valid = [m for m in replies if not m.has_error()]
        errors = [m for m in replies if m.has_error()]
        for m in errors:
            log.info("HE round %d: client failed: %s", server_round, " ".join(m.error.reason.split())[:200])
        row: dict[str, Any] = {"round": server_round, "clients": len(valid), "failures": len(errors)}
        self.rounds.append(row)
        if not valid:
            return None, None
        start = time.perf_counter()
        total = sum_ciphertexts(self.context, [_as_bytes(m.content["ciphertext"]) for m in valid])
        row["aggregate_ms"] = (time.perf_counter() - start) * 1e3
        plain, decrypt_ms = self._decrypt(total, [m.metadata.src_node_id for m in valid])
        weights = self._arrays.to_numpy_ndarrays()
        weight_sum = plain[-1]
        update = plain[:-1] / weight_sum
        new = [(w + u).astype(w.dtype) for w, u in zip(weights, _unflatten(update, weights))]

        metrics = [dict(m.content["metrics"]) for m in valid]
        row.update({
            "decrypt_ms": decrypt_ms,
            "encrypt_ms": float(np.mean([m.pop("encrypt-ms") for m in metrics])),
            "ciphertext_bytes": int(np.mean([m.pop("ciphertext-bytes") for m in metrics])),
            "plain_bytes": int(max(m.pop("plain-bytes") for m in metrics)),
            "sum_bytes": len(total),
            "weight_sum": float(weight_sum),
        })
        # The trainer's own metrics, unweighted: the example counts are encrypted.
        keys = {k for m in metrics for k, v in m.items() if isinstance(v, (int, float))}
        row["metrics"] = {k: float(np.mean([m[k] for m in metrics if k in m])) for k in sorted(keys)}
        return ArrayRecord(new), MetricRecord({k: v for k, v in row.items() if isinstance(v, (int, float))})

    def _decrypt(self, total: bytes, node_ids: list[int]) -> tuple[np.ndarray, float]:
        """Ask this round's clients, one at a time, to decrypt the sum."""
        for node_id in node_ids:
            request = Message(RecordDict({"sum": _bytes_record(total)}), dst_node_id=node_id,
                              message_type=MessageType.QUERY)
            for reply in self._grid.send_and_receive([request], timeout=self.timeout):
                if not reply.has_error():
                    return (reply.content["plain"].to_numpy_ndarrays()[0],
                            float(reply.content["metrics"]["decrypt-ms"]))
        raise RuntimeError("no client answered the request to decrypt the aggregate")


def run_he(cfg: Any, trainer: Trainer, initial_weights: list[np.ndarray], *,
           key_holder: KeyHolder | None = None,
           evaluate_fn: Callable[[int, list[np.ndarray]], dict] | None = None) -> dict:
    """Federated rounds in Flower's simulation with CKKS-encrypted updates.

    Updates are clipped to cfg.clip_norm when set. Returns {"weights",
    "history" (one dict per round: clients, failures, ciphertext_bytes per
    client, plain_bytes, encrypt_ms (mean per client), aggregate_ms,
    decrypt_ms), "cost" (the means over rounds), "server_context_public",
    "public_context_bytes", "seconds"}.
    """
    if getattr(cfg, "noise_multiplier", None) is not None or getattr(cfg, "target_epsilon", None) is not None:
        raise UsageError("--secure he adds no DP noise: use --secure secagg with differential privacy")
    if bool(getattr(cfg, "quantize_updates", False)) or getattr(cfg, "topk", None) is not None:
        raise UsageError("update compression does not combine with --secure he: drop --quantize-updates/--topk")
    clients, rounds = num_clients(cfg), int(setting(cfg, "rounds", 1))
    if clients < 2:
        raise UsageError(f"federated training needs at least 2 clients, not {clients}; raise --clients")
    holder = key_holder or KeyHolder()
    public = holder.public_context()
    strategy = HeFedAvg(public, fraction_train=float(setting(cfg, "fraction", 1.0)),
                        min_train_nodes=2, min_available_nodes=clients)
    evaluations: dict[int, dict] = {}

    def evaluate(server_round: int, arrays: ArrayRecord):
        metrics = scalar_metrics(evaluate_fn(server_round, arrays.to_numpy_ndarrays()))
        evaluations[server_round] = metrics
        return MetricRecord({k: v for k, v in metrics.items() if isinstance(v, (int, float))})

    app = ServerApp()
    sink: dict = {}

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        # Size the first sample on the whole federation, not on the nodes registered so far.
        deadline = time.monotonic() + 120
        while len(list(grid.get_node_ids())) < clients and time.monotonic() < deadline:
            time.sleep(0.2)
        result = strategy.start(grid=grid, initial_arrays=ArrayRecord([np.asarray(w) for w in initial_weights]),
                                num_rounds=rounds, train_config=ConfigRecord(),
                                evaluate_fn=evaluate if evaluate_fn else None)
        sink["weights"] = result.arrays.to_numpy_ndarrays()

    start = time.perf_counter()
    run_simulation(server_app=app, client_app=_client_app(trainer, holder.client_context(),
                                                          getattr(cfg, "clip_norm", None)),
                   num_supernodes=clients, backend_config=simulation_backend(cfg),
                   verbose_logging=bool(getattr(cfg, "verbose", False)))
    seconds = time.perf_counter() - start
    if "weights" not in sink:
        raise RuntimeError("the HE simulation ended without a model; see Flower's log above")

    history = []
    for row in strategy.rounds:
        row = dict(row, completed="decrypt_ms" in row)
        if row["round"] in evaluations:
            row["evaluate"] = evaluations[row["round"]]
        history.append(row)
    done = [r for r in history if r["completed"]]
    cost = {k: float(np.mean([r[k] for r in done])) if done else None
            for k in ("ciphertext_bytes", "plain_bytes", "encrypt_ms", "aggregate_ms", "decrypt_ms")}
    dtypes = [np.asarray(w).dtype for w in initial_weights]
    return {
        "weights": [np.asarray(w).astype(dt) for w, dt in zip(sink["weights"], dtypes)],
        "history": history,
        "cost": cost,
        "server_context_public": is_public_only(strategy.context),
        "public_context_bytes": len(public),
        "evaluate_initial": evaluations.get(0),
        "seconds": seconds,
    }
