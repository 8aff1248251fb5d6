"""DEPTHWISE_CONV_2D: random Keras DepthwiseConv2D layers, bit-exact with TFLM."""

import numpy as np
import pytest

from support import assert_bitexact, tf, to_int8_tflite

SEEDS = range(30)


def random_depthwise(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    h, w = int(rng.integers(3, 14)), int(rng.integers(3, 14))
    cin = int(rng.integers(1, 9))
    mult = int(rng.choice([1, 1, 2, 3]))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    padding = str(rng.choice(["same", "valid"]))
    if padding == "valid":
        h, w = max(h, kh), max(w, kw)
    act = str(rng.choice(["linear", "relu", "relu6"]))
    cfg = dict(shape=(h, w, cin), depth_multiplier=mult, kernel=(kh, kw), strides=strides, padding=padding,
               activation=act, bias=bool(rng.random() < 0.8), per_channel=bool(rng.random() < 0.7),
               calib_scale=float(rng.choice([0.5, 1.0, 4.0])))
    model = k.Sequential([
        k.Input(cfg["shape"]),
        k.layers.DepthwiseConv2D((kh, kw), strides=strides, padding=padding, depth_multiplier=mult,
                                 use_bias=cfg["bias"], activation=act,
                                 bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed),
                                 depthwise_initializer=k.initializers.GlorotUniform(seed=seed)),
    ])
    return model, cfg, rng


@pytest.mark.parametrize("seed", SEEDS)
def test_depthwise_conv2d_bitexact(seed, tmp_path):
    model, cfg, rng = random_depthwise(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, per_channel=cfg["per_channel"], calib_scale=cfg["calib_scale"])
    manifest = assert_bitexact(tfl, tmp_path, seed, label="DEPTHWISE_CONV_2D")
    assert any(op["kind"] == "DEPTHWISE_CONV_2D" for op in manifest["ops"])
