"""MEAN: random Keras global average pools and keras.ops.mean over various axes,
converted by TF, bit-exact with TFLM (input and output quantization differ)."""

import numpy as np
import pytest

from support import tf, to_int8_tflite
from unary_cases import assert_bitexact_op, random_calib

SEEDS = range(30)

# (input rank without batch, axes, keepdims); None axes = a GlobalAveragePooling layer.
VARIANTS = [
    (3, "gap2d", False), (3, "gap2d", True), (3, (1, 2), False), (3, (1, 2), True), (3, (2, 1), False),
    (3, (3,), False), (3, (-1,), True), (3, (1,), False), (3, (2,), True), (3, (1, 3), False),
    (3, (2, 3), True), (3, (1, 2, 3), False), (2, "gap1d", False), (2, (1,), True), (2, (-1,), False),
    (1, (-1,), False), (1, (1,), True),
]


def random_mean(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank, axes, keep = VARIANTS[seed % len(VARIANTS)]
    big = rng.random() < 0.2
    dims = [int(rng.integers(2, 33 if big else 13)) for _ in range(rank)]  # size-1 reductions fold away
    shape = tuple(dims)
    pre = str(rng.choice(["none", "none", "relu"])) if rank != 2 else "none"
    calib_scale = float(rng.choice([0.2, 1.0, 5.0]))
    offset = float(rng.normal() * calib_scale)
    cfg = dict(shape=shape, axes=axes, keepdims=keep, pre=pre, calib_scale=calib_scale, offset=round(offset, 3))
    layers = [k.Input(shape)]
    if pre == "relu" and rank in (1, 3):
        # a fused ReLU before the mean: the mean's input range starts at 0
        init = k.initializers.GlorotUniform(seed=seed)
        layers.append(k.layers.Conv2D(dims[-1], 1, activation="relu", kernel_initializer=init) if rank == 3
                      else k.layers.Dense(dims[-1], activation="relu", kernel_initializer=init))
    if axes == "gap2d":
        layers.append(k.layers.GlobalAveragePooling2D(keepdims=keep))
    elif axes == "gap1d":
        layers.append(k.layers.GlobalAveragePooling1D(keepdims=keep))
    else:
        layers.append(k.layers.Lambda(lambda x, a=axes, kd=keep: k.ops.mean(x, axis=a, keepdims=kd)))
    calib = random_calib(rng, shape, calib_scale, offset, 16)
    return to_int8_tflite(k.Sequential(layers), rng, calib=calib), cfg


@pytest.mark.parametrize("seed", SEEDS)
def test_mean_bitexact(seed, tmp_path):
    tfl, cfg = random_mean(seed)
    print(f"seed={seed} {cfg}")
    assert_bitexact_op(tfl, tmp_path, seed, "MEAN")
