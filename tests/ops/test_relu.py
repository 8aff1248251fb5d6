"""RELU and RELU6: random Keras ReLU layers, bit-exact with TFLM (every int8 input value).

TFLM's RELU rescales to the output quantization; its RELU6 clamps on the input
quantization and ignores the output's (tinyedge does the same).
"""

import numpy as np
import pytest

import tinyedge
from support import Tflm, assert_bitexact, tf, to_int8_tflite
from tinyedge.targets.host import load

SEEDS = range(30)


def assert_every_int8(tfl: bytes, tmp_path, seed: int, label: str) -> None:
    """Feed every int8 value (tiled over the input) through TFLM and tinyedge; equal bytes."""
    (tmp_path / "all.tflite").write_bytes(tfl)
    tinyedge.compile(tmp_path / "all.tflite", tmp_path / "all", name="m")
    hm, ref = load(tmp_path / "all"), Tflm(tfl)
    shape = hm.manifest["inputs"][0]["shape"]
    n = int(np.prod(shape))
    values = np.arange(-128, 128).astype(np.int8)
    for start in range(0, 256, n):
        x = np.resize(np.roll(values, -start), n).reshape(shape)
        want, got = ref.run([x], 1)[0], hm.run([x])[0]
        bad = np.flatnonzero(want.reshape(-1) != got.reshape(-1))
        assert bad.size == 0, (f"{label} seed={seed}: inputs {x.reshape(-1)[bad[:8]].tolist()} give "
                               f"{got.reshape(-1)[bad[:8]].tolist()}, TFLM {want.reshape(-1)[bad[:8]].tolist()}")


def random_activation_model(seed: int, layer_fn):
    """A random shape and input range; the layer sits on the input (Dense and Conv2D would fuse it)."""
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank = int(rng.choice([1, 2, 3]))
    shape = tuple(int(rng.integers(1, 9)) for _ in range(rank))
    calib_scale = float(rng.choice([0.05, 0.3, 1.0, 2.0, 5.0, 20.0]))
    offset = float(rng.normal() * calib_scale)
    inp = k.Input(shape)
    model = k.Model(inp, layer_fn(k, rng)(inp))
    calib = [[(rng.normal(size=(1, *shape)) * calib_scale + offset).astype(np.float32)] for _ in range(24)]
    cfg = dict(shape=shape, calib_scale=calib_scale, offset=round(offset, 3))
    return to_int8_tflite(model, rng, calib=calib), cfg


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_bitexact(seed, tmp_path):
    tfl, cfg = random_activation_model(seed, lambda k, rng: k.layers.ReLU())
    print(f"seed={seed} {cfg}")
    manifest = assert_bitexact(tfl, tmp_path, seed, label="RELU")
    assert any(op["kind"] == "RELU" for op in manifest["ops"])
    assert_every_int8(tfl, tmp_path, seed, "RELU")


@pytest.mark.parametrize("seed", SEEDS)
def test_relu6_bitexact(seed, tmp_path):
    tfl, cfg = random_activation_model(seed, lambda k, rng: k.layers.ReLU(max_value=6.0))
    print(f"seed={seed} {cfg}")
    manifest = assert_bitexact(tfl, tmp_path, seed, label="RELU6")
    assert any(op["kind"] == "RELU6" for op in manifest["ops"])
    assert_every_int8(tfl, tmp_path, seed, "RELU6")
