"""Which client updates the server refuses to average, and why.

One bad reply (a bug, a flipped bit, an attacker) can wreck a plain
average: a NaN spreads to every weight, a wrong shape breaks the sum, a huge
update drags the model anywhere. The server checks each decoded reply
against the global weights it sent and drops the bad ones; the round goes on
with the rest. Clipping under DP bounds the norm too, but only after this
check has already said which client was at fault.
"""

from __future__ import annotations

import numpy as np


def update_norm(weights: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> float:
    """L2 norm of (weights - reference) over every tensor, in float64."""
    return float(np.sqrt(sum(float(np.sum((np.asarray(weights[k], np.float64) - np.asarray(r, np.float64)) ** 2))
                             for k, r in reference.items())))


def rejection(weights: dict[str, np.ndarray], reference: dict[str, np.ndarray],
              max_norm: float) -> str | None:
    """None when the reply is acceptable, else the reason it is rejected (one short phrase)."""
    missing, extra = set(reference) - set(weights), set(weights) - set(reference)
    if missing or extra:
        return f"tensors differ from the model's ({len(missing)} missing, {len(extra)} unknown)"
    for k, ref in reference.items():
        w = weights[k]
        if np.shape(w) != np.shape(ref):
            return f"tensor '{k}' has shape {list(np.shape(w))}, expected {list(np.shape(ref))}"
        if np.asarray(w).dtype != np.asarray(ref).dtype:
            return f"tensor '{k}' has dtype {np.asarray(w).dtype}, expected {np.asarray(ref).dtype}"
        if np.asarray(w).dtype.kind == "f" and not np.isfinite(w).all():
            return f"tensor '{k}' holds NaN or infinity"
    norm = update_norm(weights, reference)
    if not np.isfinite(norm) or norm > max_norm:
        return f"update norm {norm:.4g} exceeds the limit {max_norm:g}"
    return None
