"""LOGISTIC: random Keras sigmoid activations, bit-exact with TFLM (every int8 input value)."""

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
    """A random shape, input range and placement (on the input, after Dense or Conv2D)."""
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank = int(rng.choice([1, 2, 3]))
    shape = tuple(int(rng.integers(1, 9)) for _ in range(rank))
    before = str(rng.choice(["none", "none", "dense" if rank == 1 else "none", "conv" if rank == 3 else "none"]))
    calib_scale = float(rng.choice([0.05, 0.3, 1.0, 2.0, 5.0, 20.0]))
    offset = float(rng.normal() * calib_scale)
    inp = k.Input(shape)
    x = inp
    if before == "dense":
        x = k.layers.Dense(int(rng.integers(1, 20)), kernel_initializer=k.initializers.GlorotUniform(seed=seed))(x)
    elif before == "conv":
        x = k.layers.Conv2D(int(rng.integers(1, 6)), 1, kernel_initializer=k.initializers.GlorotUniform(seed=seed))(x)
    model = k.Model(inp, layer_fn(k, rng)(x))
    calib = [[(rng.normal(size=(1, *shape)) * calib_scale + offset).astype(np.float32)] for _ in range(24)]
    cfg = dict(shape=shape, before=before, calib_scale=calib_scale, offset=round(offset, 3))
    return to_int8_tflite(model, rng, calib=calib), cfg


@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_bitexact(seed, tmp_path):
    tfl, cfg = random_activation_model(seed, lambda k, rng: k.layers.Activation("sigmoid"))
    print(f"seed={seed} {cfg}")
    manifest = assert_bitexact(tfl, tmp_path, seed, label="LOGISTIC")
    assert any(op["kind"] == "LOGISTIC" for op in manifest["ops"])
    assert_every_int8(tfl, tmp_path, seed, "LOGISTIC")
