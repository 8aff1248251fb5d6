"""PAD and PADV2: Keras ZeroPadding1D/2D/3D and keras.ops.pad (zero or a constant value,
ranks 2 to 5, batch padding included), bit-exact with TFLM."""

import numpy as np
import pytest

from support import assert_bitexact, tf, to_int8_tflite

SEEDS = range(30)


def _shape_and_pads(rng, variant, p):
    if variant == "zero1d":
        return (int(rng.integers(1, 10)), int(rng.integers(1, 6))), (p(), p())
    if variant == "zero2d":
        shape = (int(rng.integers(1, 8)), int(rng.integers(1, 8)), int(rng.integers(1, 6)))
        return shape, ((p(), p()), (p(), p()))
    if variant == "zero3d":
        shape = tuple(int(rng.integers(1, 5)) for _ in range(3)) + (int(rng.integers(1, 4)),)
        return shape, ((p(), p()), (p(), p()), (p(), p()))
    rank = int(rng.integers(1, 5))  # batch-free rank; the tensor has one more
    shape = tuple(int(rng.integers(1, 6)) for _ in range(rank))
    return shape, [[int(rng.integers(0, 2)), 0]] + [[p(), p()] for _ in range(rank)]  # batch may be padded


def random_pad(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    variant = str(rng.choice(["zero1d", "zero2d", "zero2d", "zero3d", "ops", "ops", "ops_value",
                              "ops_value"]))

    def p():
        return int(rng.integers(0, 4))

    value = 0.0
    while True:
        cfg = _shape_and_pads(rng, variant, p)
        if np.sum(cfg[1]) > 0:  # all-zero paddings are removed by the converter
            break
    shape, pads = cfg
    if variant == "zero1d":
        layer = k.layers.ZeroPadding1D(pads)
    elif variant == "zero2d":
        layer = k.layers.ZeroPadding2D(pads)
    elif variant == "zero3d":
        layer = k.layers.ZeroPadding3D(pads)
    else:
        if variant == "ops_value":
            value = float(rng.choice([-1.0, 1.0])) * float(rng.uniform(0.2, 2.0))
        pad_list = [list(x) for x in pads]
        layer = k.layers.Lambda(lambda x: k.ops.pad(x, pad_list, constant_values=value))
    scale = float(rng.choice([0.3, 1.0, 4.0]))
    shift = float(rng.choice([0.0, 0.5, -1.0, 2.0])) * scale
    x = k.Input(shape, batch_size=1, name="x")
    model = k.Model(x, layer(x))
    calib = [{"x": (rng.normal(size=(1, *shape)) * scale + shift).astype(np.float32)} for _ in range(24)]
    cfg = dict(variant=variant, shape=shape, pads=pads, value=round(value, 3), scale=scale, shift=shift)
    return model, cfg, rng, calib, ("PADV2" if value else "PAD")


@pytest.mark.parametrize("seed", SEEDS)
def test_pad_bitexact(seed, tmp_path):
    model, cfg, rng, calib, kind = random_pad(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, calib=calib)
    manifest = assert_bitexact(tfl, tmp_path, seed, label=kind)
    assert any(op["kind"] == kind for op in manifest["ops"]), [op["kind"] for op in manifest["ops"]]
