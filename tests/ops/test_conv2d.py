"""CONV_2D: random Keras Conv2D layers, converted by TF, bit-exact with TFLM."""

import numpy as np
import pytest

from support import assert_bitexact, tf, tf_function, to_int8_tflite

SEEDS = range(30)


def random_conv(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    h, w = int(rng.integers(3, 14)), int(rng.integers(3, 14))
    cin = int(rng.integers(1, 9))
    dilated_draw = rng.random()
    groups = int(rng.choice([1, 1, 1, 2])) if cin % 2 == 0 else 1
    cout = int(rng.integers(1, 9)) * (1 if dilated_draw < 0.3 else groups)
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    dilated = dilated_draw < 0.3 and kh > 1 and kw > 1
    groups = 1 if dilated else groups
    strides = (1, 1) if dilated else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    dilation = (int(rng.integers(1, 4)), int(rng.integers(2, 4))) if dilated else (1, 1)
    padding = str(rng.choice(["same", "valid"]))
    if padding == "valid":
        h = max(h, (kh - 1) * dilation[0] + 1)
        w = max(w, (kw - 1) * dilation[1] + 1)
    act = str(rng.choice(["linear", "relu", "relu6"]))
    cfg = dict(shape=(h, w, cin), filters=cout, kernel=(kh, kw), strides=strides, dilation=dilation,
               padding=padding, groups=groups, activation=act, bias=bool(rng.random() < 0.8),
               per_channel=bool(rng.random() < 0.7))
    if dilated:
        # Keras' dilated Conv2D converts to a SPACE_TO_BATCH_ND sandwich (see
        # tests/passes/test_fuse_dilated_conv.py); tf.nn.conv2d keeps CONV_2D's own dilation.
        t = tf()
        wgt = (rng.normal(size=(kh, kw, cin, cout)) * 0.4).astype(np.float32)
        bias = (rng.normal(size=cout) * 0.3).astype(np.float32) if cfg["bias"] else np.zeros(cout, np.float32)
        acts = {"linear": lambda v: v, "relu": t.nn.relu, "relu6": t.nn.relu6}
        cfg["groups"] = 1

        def fn(x):
            y = t.nn.conv2d(x, wgt, strides=1, padding=padding.upper(), dilations=list(dilation)) + bias
            return acts[act](y)
        return tf_function(fn, (h, w, cin)), cfg, rng
    model = k.Sequential([
        k.Input(cfg["shape"]),
        k.layers.Conv2D(cout, (kh, kw), strides=strides, dilation_rate=dilation, padding=padding,
                        groups=groups, use_bias=cfg["bias"], activation=act,
                        bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed),
                        kernel_initializer=k.initializers.GlorotUniform(seed=seed)),
    ])
    return model, cfg, rng


@pytest.mark.parametrize("seed", SEEDS)
def test_conv2d_bitexact(seed, tmp_path):
    model, cfg, rng = random_conv(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, per_channel=cfg["per_channel"])
    manifest = assert_bitexact(tfl, tmp_path, seed, label="CONV_2D")
    assert any(op["kind"] == "CONV_2D" for op in manifest["ops"])
