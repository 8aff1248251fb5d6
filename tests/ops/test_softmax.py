"""SOFTMAX: random Keras Softmax layers (and edited beta), bit-exact with TFLM."""

import numpy as np
import pytest

from support import tf, to_int8_tflite
from unary_cases import assert_bitexact_op, assert_same, build_and_load, random_calib, set_option

SEEDS = range(30)


def random_softmax(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank = int(rng.choice([1, 1, 2, 3]))
    shape = tuple(int(rng.integers(1, 6)) for _ in range(rank - 1)) + (int(rng.integers(1, 40)),)
    if seed == 0:
        shape = (1000,)  # a wide row (spread out: TFLM aborts when the sum of exps reaches 512)
    dense_first = rank == 1 and bool(rng.random() < 0.5) and seed != 0  # Dense on N-D needs dynamic shapes
    beta = float(rng.choice([1.0, 1.0, 0.25, 0.5, 2.0, 7.5, float(rng.uniform(0.05, 20))]))
    calib_scale = float(rng.choice([0.1, 0.5, 1.0, 3.0, 10.0, 40.0]))
    if seed == 0:
        calib_scale = 10.0
    offset = float(rng.normal() * calib_scale)
    cfg = dict(shape=shape, beta=beta, calib_scale=calib_scale, offset=round(offset, 3),
               dense_first=dense_first)
    inp = k.Input(shape)
    x = inp
    if dense_first:
        x = k.layers.Dense(shape[-1], kernel_initializer=k.initializers.GlorotUniform(seed=seed))(x)
    model = k.Model(inp, k.layers.Softmax()(x))
    tfl = to_int8_tflite(model, rng, calib=random_calib(rng, shape, calib_scale, offset))
    if beta != 1.0:  # Keras always exports 1.0
        tfl = set_option(tfl, "SOFTMAX", "beta", beta)
    return tfl, cfg


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_bitexact(seed, tmp_path):
    tfl, cfg = random_softmax(seed)
    print(f"seed={seed} {cfg}")
    assert_bitexact_op(tfl, tmp_path, seed, "SOFTMAX", n_inputs=8)

    # Structured rows: all equal, one maximum, a ramp, extremes. (Not for rows of 512 or
    # more: TFLM aborts when the sum of exponentials reaches 512.)
    if cfg["shape"][-1] >= 512:
        return
    hm, ref = build_and_load(tfl, tmp_path, "s")
    shape = hm.manifest["inputs"][0]["shape"]
    depth = shape[-1]
    rows = [np.full(depth, v) for v in (-128, 0, 127)]
    rows += [np.where(np.arange(depth) == depth // 2, hi, lo) for hi, lo in ((127, -128), (5, 4), (-127, -128))]
    rows += [np.arange(depth) * step - 128 for step in (1, 3)]
    for row in rows:
        x = np.resize(np.clip(row, -128, 127).astype(np.int8), int(np.prod(shape)))
        assert_same(hm, ref, x, f"SOFTMAX seed={seed} row {row.tolist()[:8]}...")
