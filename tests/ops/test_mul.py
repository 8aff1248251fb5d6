"""MUL: random Keras Multiply layers / constant products with broadcasting, bit-exact with TFLM."""

import pytest

from binary_cases import SEEDS, check_every_pair, check_random_model

KIND = "MUL"

# Scales and zero points (input 1, input 2, output) where float32 and double
# constants disagree on some input pair: see binary_cases.check_every_pair.
EXHAUSTIVE = [([0.027731584385037422, 0.008251318708062172, 0.08961160480976105], [102, 109, -18]),
              ([0.028546253219246864, 0.35299545526504517, 0.025787271559238434], [-46, 39, 25]),
              ([0.08923674374818802, 0.004614408127963543, 0.05033067241311073], [112, -42, 114]),
              ([0.3053860664367676, 0.06378286331892014, 0.2746671736240387], [73, 124, -68])]


@pytest.mark.parametrize("seed", SEEDS)
def test_mul_bitexact(seed, tmp_path):
    check_random_model(KIND, seed, tmp_path)


@pytest.mark.parametrize("case", range(4))
def test_mul_constants_exhaustive(case, tmp_path):
    """Every int8 pair, with scales where float32 vs double constants matter."""
    check_every_pair(KIND, case, EXHAUSTIVE[case], tmp_path)
