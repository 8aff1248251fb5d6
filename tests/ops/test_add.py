"""ADD: random Keras Add layers / constant adds with broadcasting, bit-exact with TFLM."""

import numpy as np
import pytest

from binary_cases import SEEDS, check_every_pair, check_random_model

KIND = "ADD"

# Scales and zero points (input 1, input 2, output) where float32 and double
# constants disagree on some input pair: see binary_cases.check_every_pair.
EXHAUSTIVE = [([0.027229661121964455, 0.6829404234886169, 0.0697358101606369], [44, -67, -48]),
              ([0.19053059816360474, 0.3176080584526062, 0.006202456541359425], [125, -36, 54]),
              ([0.020673248916864395, 0.017487408593297005, 0.03756197541952133], [-97, -32, -85]),
              ([0.022639866918325424, 0.03204505518078804, 0.19549304246902466], [3, 111, 86])]


@pytest.mark.parametrize("seed", SEEDS)
def test_add_bitexact(seed, tmp_path):
    assert check_random_model(KIND, seed, tmp_path) == {"te_add_fast_s8"}  # the default set on the host


@pytest.mark.parametrize("case", range(4))
def test_add_constants_exhaustive(case, tmp_path):
    """Every int8 pair, with scales where float32 vs double constants matter: the fast
    kernel (its table path, on the host) and the reference."""
    used = check_every_pair(KIND, case, EXHAUSTIVE[case], tmp_path, kernels=("fast", "reference"))
    assert used == ["te_add_fast_s8", "te_add_s8"]


@pytest.mark.parametrize("seed", range(5))
def test_broadcast_walk_matches_numpy(seed):
    """The fused loop nest (shared by the binary kernels) visits what numpy broadcasting
    pairs, for ranks up to 6 (beyond what the converter emits without BROADCAST_TO)."""
    from tinyedge.ops.broadcast import BCAST_DIMS, broadcast_loops, broadcast_shape

    rng = np.random.default_rng(seed)
    for _ in range(200):
        rank = int(rng.integers(0, 7))
        out = [int(rng.integers(1, 4)) for _ in range(rank)]
        s1 = [d if rng.random() < 0.5 else 1 for d in out][int(rng.integers(0, rank + 1)):]
        s2 = [d if rng.random() < 0.5 else 1 for d in out][int(rng.integers(0, rank + 1)):]
        shape = broadcast_shape(tuple(s1), tuple(s2))
        loops = broadcast_loops(tuple(s1), tuple(s2), shape)
        assert len(loops) <= BCAST_DIMS
        a = np.arange(int(np.prod(s1)), dtype=np.int64).reshape(s1)
        b = np.arange(int(np.prod(s2)), dtype=np.int64).reshape(s2)
        want_a, want_b = np.broadcast_arrays(a, b)
        idx = np.zeros(1, np.int64), np.zeros(1, np.int64)
        for extent, st1, st2 in loops:  # outermost first, as the C walk nests them
            step = np.arange(extent, dtype=np.int64)
            idx = ((idx[0][:, None] + step[None, :] * st1).reshape(-1),
                   (idx[1][:, None] + step[None, :] * st2).reshape(-1))
        assert np.array_equal(idx[0], want_a.reshape(-1)), (s1, s2, loops)
        assert np.array_equal(idx[1], want_b.reshape(-1)), (s1, s2, loops)
