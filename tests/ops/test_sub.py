"""SUB: random Keras Subtract layers / constant subtractions with broadcasting, bit-exact with TFLM."""

import pytest

from binary_cases import SEEDS, check_every_pair, check_random_model

KIND = "SUB"

# Scales and zero points (input 1, input 2, output) where float32 and double
# constants disagree on some input pair: see binary_cases.check_every_pair.
EXHAUSTIVE = [([0.5412173271179199, 0.3927375078201294, 0.026106473058462143], [121, 32, -2]),
              ([0.027229661121964455, 0.6829404234886169, 0.0697358101606369], [44, -67, -48]),
              ([0.04429011046886444, 0.037951696664094925, 0.13560056686401367], [-40, 91, -74]),
              ([0.022639866918325424, 0.03204505518078804, 0.19549304246902466], [3, 111, 86])]


@pytest.mark.parametrize("seed", SEEDS)
def test_sub_bitexact(seed, tmp_path):
    assert check_random_model(KIND, seed, tmp_path) == {"te_sub_fast_s8"}  # the default set on the host


@pytest.mark.parametrize("case", range(4))
def test_sub_constants_exhaustive(case, tmp_path):
    """Every int8 pair, with scales where float32 vs double constants matter: the fast
    kernel (its table path, on the host) and the reference."""
    used = check_every_pair(KIND, case, EXHAUSTIVE[case], tmp_path, kernels=("fast", "reference"))
    assert used == ["te_sub_fast_s8", "te_sub_s8"]
