"""AVERAGE_POOL_2D: random Keras AveragePooling2D layers, converted by TF, bit-exact with TFLM.

The windows at SAME borders are partly outside the input: TFLM divides by the
count of in-bounds elements, with halves rounded away from zero.
"""

import numpy as np
import pytest

from support import assert_bitexact, tf, to_int8_tflite

SEEDS = range(30)


def random_avg_pool(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    ph, pw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    strides = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = str(rng.choice(["same", "same", "valid"]))
    h, w = int(rng.integers(1, 15)), int(rng.integers(1, 15))
    if padding == "valid":
        h, w = max(h, ph), max(w, pw)
    c = int(rng.integers(1, 9))
    act = str(rng.choice(["none", "none", "relu", "relu6"]))
    calib_scale = float(rng.choice([0.3, 1.0, 4.0]))
    offset = float(rng.normal() * calib_scale)
    cfg = dict(shape=(h, w, c), pool=(ph, pw), strides=strides, padding=padding, act=act,
               calib_scale=calib_scale, offset=round(offset, 3))
    layers = [k.Input(cfg["shape"]), k.layers.AveragePooling2D((ph, pw), strides=strides, padding=padding)]
    if act == "relu":
        layers.append(k.layers.ReLU())
    elif act == "relu6":
        layers.append(k.layers.ReLU(6.0))
    calib = [[(rng.normal(size=(1, h, w, c)) * calib_scale + offset).astype(np.float32)] for _ in range(16)]
    return k.Sequential(layers), cfg, rng, calib


@pytest.mark.parametrize("seed", SEEDS)
def test_average_pool_bitexact(seed, tmp_path):
    model, cfg, rng, calib = random_avg_pool(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, calib=calib)
    manifest = assert_bitexact(tfl, tmp_path, seed, label="AVERAGE_POOL_2D")
    assert any(op["kind"] == "AVERAGE_POOL_2D" for op in manifest["ops"])
