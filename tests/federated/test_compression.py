"""Update encodings: int8 within half a step, top-k keeps the largest, error feedback loses nothing for good."""

import numpy as np
import pytest

from tinyedge.federated.compression import decode, encode, quantize_int8, with_feedback


def _update(seed=0):
    rng = np.random.default_rng(seed)
    return {"conv/kernel": rng.normal(size=(3, 3, 1, 16)).astype(np.float32),
            "conv/bias": rng.normal(size=(16,)).astype(np.float32) * 0.01,
            "dense/kernel": rng.normal(size=(400, 10)).astype(np.float32)}


def test_int8_round_trip_is_within_half_a_step():
    u = _update()
    sent, seen = encode(u, quantize=True, topk=None)
    back = decode(sent, u)
    for k, v in u.items():
        assert sent[k + "|q"].dtype == np.int8
        step = np.abs(v).max() / 127
        assert np.abs(back[k] - v).max() <= step / 2 + 1e-7
        np.testing.assert_array_equal(back[k], seen[k])


def test_topk_keeps_the_largest_entries_and_small_indices():
    u = _update(1)
    sent, _ = encode(u, quantize=False, topk=0.1)
    back = decode(sent, u)
    v, b = u["dense/kernel"].ravel(), back["dense/kernel"].ravel()
    kept = np.flatnonzero(b)
    assert len(kept) == 400
    assert np.abs(v[kept]).min() >= np.sort(np.abs(v))[-400]
    assert sent["dense/kernel|i"].dtype == np.uint16


def test_error_feedback_delivers_the_sum_of_updates():
    """What top-k + int8 hold back is sent later: the sums differ by the last residual only."""
    ups = [_update(s) for s in range(30)]
    residual, delivered = None, {k: 0.0 for k in ups[0]}
    for u in ups:
        sent, residual = with_feedback(u, residual, quantize=True, topk=0.1)
        for k, v in decode(sent, u).items():
            delivered[k] = delivered[k] + v
    for k in ups[0]:
        total = sum(u[k] for u in ups)
        np.testing.assert_allclose(delivered[k] + residual[k], total, atol=1e-4)


@pytest.mark.parametrize("break_it, message", [
    (lambda s: s.pop("conv/bias|q"), "no values"),
    (lambda s: s.__setitem__("conv/bias|q", s["conv/bias|q"].astype(np.float32)), "int8"),
    (lambda s: s.__setitem__("dense/kernel|i", s["dense/kernel|i"] + np.uint16(4000)), "indices"),
    (lambda s: s.__setitem__("extra|q", np.zeros(3, np.int8)), "unknown"),
])
def test_malformed_encodings_are_refused(break_it, message):
    u = _update()
    sent, _ = encode(u, quantize=True, topk=0.25)
    break_it(sent)
    with pytest.raises(ValueError, match=message):
        decode(sent, u)


def test_all_zero_tensor_quantizes_to_zero():
    q, s = quantize_int8(np.zeros(5, np.float32))
    assert not q.any() and s == 1.0
