"""DEPTHWISE_CONV_2D: random Keras DepthwiseConv2D layers, bit-exact with TFLM."""

import numpy as np
import pytest

from support import assert_bitexact, tf, tf_function, to_int8_tflite

SEEDS = range(30)


def random_depthwise(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    h, w = int(rng.integers(3, 14)), int(rng.integers(3, 14))
    cin = int(rng.integers(1, 9))
    mult = int(rng.choice([1, 1, 2, 3]))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    dilated = rng.random() < 0.3 and kh > 1 and kw > 1
    strides = (1, 1) if dilated else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    dilation = (int(rng.integers(1, 4)), int(rng.integers(2, 4))) if dilated else (1, 1)
    padding = str(rng.choice(["same", "valid"]))
    if padding == "valid":
        h, w = max(h, (kh - 1) * dilation[0] + 1), max(w, (kw - 1) * dilation[1] + 1)
    act = str(rng.choice(["linear", "relu", "relu6"]))
    cfg = dict(shape=(h, w, cin), depth_multiplier=mult, kernel=(kh, kw), strides=strides, dilation=dilation,
               padding=padding,
               activation=act, bias=bool(rng.random() < 0.8), per_channel=bool(rng.random() < 0.7),
               calib_scale=float(rng.choice([0.5, 1.0, 4.0])))
    if dilated:
        # tf.nn keeps DEPTHWISE_CONV_2D's own dilation (Keras converts to a SPACE_TO_BATCH_ND sandwich).
        t = tf()
        wgt = (rng.normal(size=(kh, kw, cin, mult)) * 0.4).astype(np.float32)
        bias = (rng.normal(size=cin * mult) * 0.3).astype(np.float32)
        acts = {"linear": lambda v: v, "relu": t.nn.relu, "relu6": t.nn.relu6}

        def fn(x):
            y = t.nn.depthwise_conv2d(x, wgt, strides=[1, 1, 1, 1], padding=padding.upper(),
                                      dilations=list(dilation))
            return acts[act](y + bias)
        return tf_function(fn, (h, w, cin)), cfg, rng
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
