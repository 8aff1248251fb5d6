"""MAX_POOL_2D: random Keras MaxPooling2D layers, converted by TF, bit-exact with TFLM."""

import pytest

from unary_cases import assert_bitexact_op, random_pool_model

SEEDS = range(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_max_pool_bitexact(seed, tmp_path):
    tfl, cfg = random_pool_model(seed, "MaxPooling2D", max_window=4, paddings=["same", "valid"])
    print(f"seed={seed} {cfg}")
    assert_bitexact_op(tfl, tmp_path, seed, "MAX_POOL_2D")
