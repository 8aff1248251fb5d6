"""passes/depthwise_as_conv.py: a DEPTHWISE_CONV_2D over one input channel, run by the fast CONV_2D
kernel, is bit-exact with TFLM (random layers: filters up to 10x8, depth multipliers 2 to 16, strides,
padding, dilation, activations, per-tensor and per-channel); the reference kernel set keeps the depthwise
kernel. micro_speech's first layer is such a layer (tests/models and tests/targets/test_qemu run it)."""

import numpy as np
import pytest

import tinyedge
from support import Tflm, assert_same_as_tflm, tf, tf_function, to_int8_tflite
from tinyedge.targets.host import load

SEEDS = range(16)


def random_one_channel_depthwise(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    kh, kw = int(rng.integers(1, 11)), int(rng.integers(1, 9))
    mult = int(rng.choice([2, 3, 4, 8, 16]))
    dilated = rng.random() < 0.2 and kh > 1 and kw > 1
    strides = (1, 1) if dilated else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dilation = (2, int(rng.integers(1, 3))) if dilated else (1, 1)
    padding = str(rng.choice(["same", "valid"]))
    h = int(rng.integers(max(kh, 2) * dilation[0], 50))
    w = int(rng.integers(max(kw, 2) * dilation[1], 41))
    cfg = dict(shape=(h, w, 1), kernel=(kh, kw), depth_multiplier=mult, strides=strides, dilation=dilation,
               padding=padding, activation=str(rng.choice(["linear", "relu", "relu6"])),
               bias=bool(rng.random() < 0.8), per_channel=bool(rng.random() < 0.7))
    if dilated:
        # tf.nn keeps the op's own dilation (Keras converts to a SPACE_TO_BATCH_ND sandwich, on which TFLM's
        # output is not stable: see tests/passes/test_fuse_dilated_conv.py)
        t = tf()
        wgt = (rng.normal(size=(kh, kw, 1, mult)) * 0.4).astype(np.float32)
        bias = (rng.normal(size=mult) * 0.3).astype(np.float32) * cfg["bias"]
        act = {"linear": lambda v: v, "relu": t.nn.relu, "relu6": t.nn.relu6}[cfg["activation"]]

        def fn(x):
            return act(t.nn.depthwise_conv2d(x, wgt, strides=[1, 1, 1, 1], padding=padding.upper(),
                                             dilations=list(dilation)) + bias)
        return tf_function(fn, (h, w, 1)), cfg, rng
    model = k.Sequential([
        k.Input(cfg["shape"]),
        k.layers.DepthwiseConv2D((kh, kw), strides=strides, padding=padding, depth_multiplier=mult,
                                 use_bias=cfg["bias"], activation=cfg["activation"],
                                 bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed),
                                 depthwise_initializer=k.initializers.GlorotUniform(seed=seed)),
    ])
    return model, cfg, rng


@pytest.mark.parametrize("seed", SEEDS)
def test_one_channel_depthwise_on_the_conv_kernel_is_bitexact(seed, tmp_path):
    model, cfg, rng = random_one_channel_depthwise(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, per_channel=cfg["per_channel"])
    (tmp_path / "m.tflite").write_bytes(tfl)
    ref = Tflm(tfl)
    for kernels, want in (("fast", "te_conv2d_fast_s8"), ("reference", "te_depthwise_conv2d_s8")):
        r = tinyedge.compile(tmp_path / "m.tflite", tmp_path / kernels, name="m", kernels=kernels)
        op = next(op for op in r.manifest["ops"] if op["kind"] == "DEPTHWISE_CONV_2D")
        assert op["kernel"] == want, (kernels, op)
        assert_same_as_tflm(load(r.out_dir), ref, seed + 1000, 3, f"{kernels} seed={seed} {cfg}")


def test_several_input_channels_stay_depthwise(tmp_path):
    k = tf().keras
    model = k.Sequential([k.Input((12, 10, 3)), k.layers.DepthwiseConv2D((3, 3), depth_multiplier=4)])
    tfl = to_int8_tflite(model, np.random.default_rng(0))
    (tmp_path / "m.tflite").write_bytes(tfl)
    r = tinyedge.compile(tmp_path / "m.tflite", tmp_path / "out", name="m", kernels="fast")
    assert [op["kernel"] for op in r.manifest["ops"]] == ["te_depthwise_conv2d_fast_s8"]
