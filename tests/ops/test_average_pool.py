"""AVERAGE_POOL_2D: random Keras AveragePooling2D layers, converted by TF, bit-exact with TFLM.

The windows at SAME borders are partly outside the input: TFLM divides by the
count of in-bounds elements, with halves rounded away from zero.
"""

import numpy as np
import pytest

from support import tf, to_int8_tflite
from unary_cases import assert_bitexact_op, random_calib, random_pool_model

SEEDS = range(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_average_pool_bitexact(seed, tmp_path):
    tfl, cfg = random_pool_model(seed, "AveragePooling2D", max_window=5, paddings=["same", "same", "valid"])
    print(f"seed={seed} {cfg}")
    assert_bitexact_op(tfl, tmp_path, seed, "AVERAGE_POOL_2D")


# Channel counts past the kernel's blocks of 8 and 4 (and its single channels),
# whole-row windows (walked as one run) and windows cut by the border.
WIDE = [((5, 7, 21), (5, 7), (1, 1), "valid"), ((8, 8, 64), (8, 8), (8, 8), "valid"),
        ((9, 9, 13), (3, 3), (2, 2), "same"), ((6, 4, 12), (4, 4), (2, 1), "same"),
        ((3, 10, 9), (2, 10), (1, 1), "valid")]


@pytest.mark.parametrize("case", range(len(WIDE)))
def test_average_pool_wide(case, tmp_path):
    shape, pool, strides, padding = WIDE[case]
    k = tf().keras
    rng = np.random.default_rng(100 + case)
    model = k.Sequential([k.Input(shape), k.layers.AveragePooling2D(pool, strides=strides, padding=padding)])
    tfl = to_int8_tflite(model, rng, calib=random_calib(rng, shape, 1.0, 0.2, 16))
    assert_bitexact_op(tfl, tmp_path, case, "AVERAGE_POOL_2D")
