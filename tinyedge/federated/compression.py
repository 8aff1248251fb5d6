"""Thin links: model updates sent int8-quantized and/or top-k sparsified, with error feedback.

A client sends the *update* (its weights minus the global weights it
received), encoded per tensor under derived keys of one ArrayRecord:

    <key>|q  int8 values, <key>|s  their scale (float32, one per tensor)   int8
    <key>|i  flat indices (uint16/uint32), <key>|v  float32 values        top-k
    <key>|i, <key>|q, <key>|s                                             both

What encoding loses (rounding, the dropped coordinates) is kept on the
client, in its node context's state, and added to the next round's update
(error feedback), so nothing is lost for good, only delayed. The server
decodes against the global weights it sent, before clipping, noise and
averaging see the update. The encoder is a client mod placed outside the
DP clipping mod, so it encodes the already clipped update.
"""

from __future__ import annotations

import math

import numpy as np

RESIDUAL_KEY = "tinyedge-residual"
SEP = "|"


def _index_dtype(n: int):
    return np.uint16 if n <= np.iinfo(np.uint16).max + 1 else np.uint32


def quantize_int8(v: np.ndarray) -> tuple[np.ndarray, np.float32]:
    """Symmetric per-tensor int8: v ~ q * scale, |q| <= 127."""
    peak = float(np.max(np.abs(v))) if v.size else 0.0
    scale = np.float32(peak / 127.0 if peak > 0 else 1.0)
    q = np.clip(np.rint(v / scale), -127, 127).astype(np.int8)
    return q, scale


def encode(update: dict[str, np.ndarray], quantize: bool, topk: float | None
           ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(arrays to send, what the server will decode from them) for an update {key: float array}."""
    sent: dict[str, np.ndarray] = {}
    seen: dict[str, np.ndarray] = {}
    for key, d in update.items():
        flat = np.asarray(d, np.float32).reshape(-1)
        if topk is not None and topk < 1.0:
            k = max(1, math.ceil(topk * flat.size))
            idx = np.sort(np.argpartition(np.abs(flat), flat.size - k)[flat.size - k:])
            sent[key + SEP + "i"] = idx.astype(_index_dtype(flat.size))
            values = flat[idx]
        else:
            idx, values = None, flat
        if quantize:
            q, scale = quantize_int8(values)
            sent[key + SEP + "q"], sent[key + SEP + "s"] = q, np.array([scale], np.float32)
            values = q.astype(np.float32) * scale
        else:
            sent[key + SEP + "v"] = values.astype(np.float32)
        out = np.zeros(flat.size, np.float32)
        if idx is None:
            out[:] = values
        else:
            out[idx] = values
        seen[key] = out.reshape(np.shape(d))
    return sent, seen


def is_encoded(keys) -> bool:
    return any(SEP in k for k in keys)


def decode(sent: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The update {key: float32 array shaped like reference[key]}; ValueError names what is malformed."""
    expected = set(reference)
    got = {k.rsplit(SEP, 1)[0] for k in sent}
    if got != expected:
        raise ValueError(f"encoded update has tensors {sorted(got - expected)[:3]} unknown or "
                         f"{sorted(expected - got)[:3]} missing")
    out = {}
    for key, ref in reference.items():
        n = int(np.prod(np.shape(ref)))
        if key + SEP + "q" in sent:
            q, s = sent[key + SEP + "q"], sent.get(key + SEP + "s")
            if q.dtype != np.int8 or s is None or s.size != 1 or not np.isfinite(s).all():
                raise ValueError(f"tensor '{key}': int8 values need dtype int8 and one finite scale")
            values = q.astype(np.float32).reshape(-1) * np.float32(s.reshape(-1)[0])
        elif key + SEP + "v" in sent:
            values = np.asarray(sent[key + SEP + "v"]).reshape(-1)
            if values.dtype != np.float32:
                raise ValueError(f"tensor '{key}': values must be float32, not {values.dtype}")
        else:
            raise ValueError(f"tensor '{key}': no values (|q or |v)")
        idx = sent.get(key + SEP + "i")
        flat = np.zeros(n, np.float32)
        if idx is None:
            if values.size != n:
                raise ValueError(f"tensor '{key}': {values.size} values for shape {list(np.shape(ref))}")
            flat[:] = values
        else:
            idx = np.asarray(idx).reshape(-1)
            if idx.dtype.kind != "u" or idx.size != values.size or (idx.size and int(idx.max()) >= n):
                raise ValueError(f"tensor '{key}': indices must be unsigned, one per value, below {n}")
            flat[idx.astype(np.int64)] = values
        out[key] = flat.reshape(np.shape(ref))
    return out


def with_feedback(update: dict[str, np.ndarray], residual: dict[str, np.ndarray] | None,
                  quantize: bool, topk: float | None):
    """(arrays to send, new residual): encode update + residual, keep what did not get through."""
    if residual and all(k in residual and residual[k].shape == np.shape(v) for k, v in update.items()):
        update = {k: np.asarray(v, np.float32) + residual[k] for k, v in update.items()}
    sent, seen = encode(update, quantize, topk)
    return sent, {k: (np.asarray(update[k], np.float32) - seen[k]) for k in update}


def wire_bytes(arrays) -> int:
    """Bytes of the arrays as Flower serializes them (numpy .npy bytes, headers included)."""
    return int(sum(len(a.data) for a in arrays.values()))


def compression_mod(msg, context, call_next):
    """Client mod: replace the reply's weights by the encoded update when the server asks for it.

    The server puts "quantize" and/or "topk" in the train config. Keep this
    mod first in the list (outermost), so it encodes the reply after the
    clipping mod has clipped it.
    """
    from flwr.app import Array, ArrayRecord

    config = msg.content.config_records.get("config", {})
    quantize, topk = bool(config.get("quantize", False)), float(config.get("topk", 0.0)) or None
    if not quantize and topk is None:
        return call_next(msg, context)
    sent_global = {k: a.numpy() for k, a in msg.content["arrays"].items()}
    out = call_next(msg, context)
    if out.has_error():
        return out
    new = {k: a.numpy() for k, a in out.content["arrays"].items()}
    update = {k: new[k].astype(np.float32) - sent_global[k].astype(np.float32) for k in sent_global}
    residual = None
    if RESIDUAL_KEY in context.state.array_records:
        residual = {k: a.numpy() for k, a in context.state[RESIDUAL_KEY].items()}
    sent, residual = with_feedback(update, residual, quantize, topk)
    context.state[RESIDUAL_KEY] = ArrayRecord({k: Array(v) for k, v in residual.items()})
    out.content["arrays"] = ArrayRecord({k: Array(np.ascontiguousarray(v)) for k, v in sent.items()})
    return out
