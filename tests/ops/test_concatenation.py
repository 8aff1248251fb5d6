"""CONCATENATION: Keras Concatenate / keras.ops.concatenate over 1 to 10 tensors, any axis
(negative and batch included), ranks 2 to 5, constant operands, bit-exact with TFLM."""

import numpy as np
import pytest

from support import assert_bitexact, tf, to_int8_tflite

SEEDS = range(30)


def random_concat(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank = int(rng.integers(1, 5))  # batch-free; tensors have one more dimension
    base = [int(rng.integers(1, 6)) for _ in range(rank)]
    n = int(rng.choice([2, 2, 3, 3, 4, 5, 10]))
    n_const = int(rng.integers(0, n)) if rng.random() < 0.35 else 0  # at least one Input stays
    axis = int(rng.integers(-rank - 1, rank + 1))  # over the full rank, batch (0 / -rank-1) included
    pos = axis % (rank + 1)
    shapes = []
    for _ in range(n):
        s = list(base)
        if pos > 0:
            s[pos - 1] = int(rng.integers(1, 5))
        shapes.append(tuple(s))
    kinds = ["const"] * n_const + ["input"] * (n - n_const)
    rng.shuffle(kinds)
    scales = [float(rng.choice([0.3, 1.0, 2.0, 5.0])) for _ in range(n)]
    shifts = [float(rng.choice([0.0, 0.5, -1.0])) * s for s in scales]
    inputs, consts, order = [], {}, []
    for i, (s, kd) in enumerate(zip(shapes, kinds)):
        if kd == "input":
            inputs.append(k.Input(s, batch_size=1, name=f"x{i}"))
            order.append(("input", len(inputs) - 1))
        else:
            consts[i] = (rng.normal(size=(1, *s)) * scales[i] + shifts[i]).astype(np.float32)
            order.append(("const", i))
    if pos == 0 or consts or rng.random() < 0.3:
        def concat(xs):
            it = iter(xs)
            parts = [next(it) if kd == "input" else consts[j] for kd, j in order]
            return k.ops.concatenate(parts, axis=axis)
        y = k.layers.Lambda(concat)(inputs)
        how = "ops.concatenate"
    else:  # n >= 2 inputs here
        y = k.layers.Concatenate(axis=axis)(inputs)
        how = "Concatenate"
    model = k.Model(inputs, y)
    calib = [{f"x{i}": (rng.normal(size=(1, *shapes[i])) * scales[i] + shifts[i]).astype(np.float32)
              for i, kd in enumerate(kinds) if kd == "input"} for _ in range(24)]
    cfg = dict(shapes=shapes, axis=axis, kinds=kinds, how=how, scales=scales)
    return model, cfg, rng, calib


@pytest.mark.parametrize("seed", SEEDS)
def test_concatenation_bitexact(seed, tmp_path):
    model, cfg, rng, calib = random_concat(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, calib=calib)
    manifest = assert_bitexact(tfl, tmp_path, seed, label="CONCATENATION")
    kinds = [op["kind"] for op in manifest["ops"]]
    assert "CONCATENATION" in kinds, kinds
