"""Client updates the server refuses: NaN/inf, wrong tensors, shapes or dtypes, absurd norms."""

import numpy as np
import pytest

from tinyedge.federated.robust import rejection, update_norm

REF = {"k": np.zeros((4, 3), np.float32), "b": np.zeros(3, np.float32)}


def _ok():
    return {"k": np.full((4, 3), 0.1, np.float32), "b": np.full(3, 0.1, np.float32)}


@pytest.mark.parametrize("change, reason", [
    (lambda w: w["k"].__setitem__((0, 0), np.nan), "NaN"),
    (lambda w: w["b"].__setitem__(1, np.inf), "NaN or infinity"),
    (lambda w: w.__setitem__("k", np.zeros((3, 4), np.float32)), "shape"),
    (lambda w: w.__setitem__("b", np.zeros(3, np.float64)), "dtype"),
    (lambda w: w.pop("b"), "missing"),
    (lambda w: w.__setitem__("k", np.full((4, 3), 1e4, np.float32)), "norm"),
])
def test_bad_updates_are_rejected_with_a_reason(change, reason):
    w = _ok()
    change(w)
    r = rejection(w, REF, max_norm=100.0)
    assert r is not None and reason in r


def test_a_normal_update_passes():
    assert rejection(_ok(), REF, max_norm=100.0) is None
    assert update_norm(_ok(), REF) == pytest.approx(np.sqrt(15 * 0.01), rel=1e-6)
