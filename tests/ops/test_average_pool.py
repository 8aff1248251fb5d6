"""AVERAGE_POOL_2D: random Keras AveragePooling2D layers, converted by TF, bit-exact with TFLM.

The windows at SAME borders are partly outside the input: TFLM divides by the
count of in-bounds elements, with halves rounded away from zero.
"""

import pytest

from unary_cases import assert_bitexact_op, random_pool_model

SEEDS = range(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_average_pool_bitexact(seed, tmp_path):
    tfl, cfg = random_pool_model(seed, "AveragePooling2D", max_window=5, paddings=["same", "same", "valid"])
    print(f"seed={seed} {cfg}")
    assert_bitexact_op(tfl, tmp_path, seed, "AVERAGE_POOL_2D")
