"""Folding TF's dilated-conv sandwich into one dilated conv.

TF 2.21 converts a Keras Conv2D/DepthwiseConv2D with dilation_rate > 1 into
SPACE_TO_BATCH_ND -> conv -> BATCH_TO_SPACE_ND, and writes the static shape
of the batched tensor as if no batching happened. TFLM sizes its buffers from
those shapes, writes past them, and returns different bytes from run to run
on such models (see test_converter_writes_stale_batch_shape). The reference
for the fold is therefore TFLM running the same weights as a native dilated
CONV_2D / DEPTHWISE_CONV_2D (from tf.nn, same calibration data, same scales).
"""

import numpy as np
import pytest

from support import Tflm, tf, tf_function, to_int8_tflite
from tinyedge.frontend.tflite import read_tflite
from tinyedge.passes.fuse_dilated_conv import fuse_dilated_convs

import tinyedge
from tinyedge.targets.host import load


def pair(seed):
    """The same dilated conv twice: as a Keras layer (sandwich) and via tf.nn (native)."""
    rng = np.random.default_rng(seed)
    t = tf()
    k = t.keras
    depthwise = bool(seed % 2)
    kh, kw = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    dil = (int(rng.integers(1, 4)), int(rng.integers(2, 4)))
    pad = str(rng.choice(["same", "valid"]))
    h, w = int(rng.integers((kh - 1) * dil[0] + 1, 16)), int(rng.integers((kw - 1) * dil[1] + 1, 16))
    c = int(rng.integers(1, 6))
    if depthwise:
        m = int(rng.integers(1, 3))
        wgt = (rng.normal(size=(kh, kw, c, m)) * 0.4).astype(np.float32)
        layer = k.layers.DepthwiseConv2D((kh, kw), dilation_rate=dil, padding=pad, use_bias=False,
                                         depth_multiplier=m)

        def native(x):
            return t.nn.depthwise_conv2d(x, wgt, [1, 1, 1, 1], pad.upper(), dilations=list(dil))
    else:
        wgt = (rng.normal(size=(kh, kw, c, int(rng.integers(1, 6)))) * 0.4).astype(np.float32)
        layer = k.layers.Conv2D(wgt.shape[3], (kh, kw), dilation_rate=dil, padding=pad, use_bias=False)

        def native(x):
            return t.nn.conv2d(x, wgt, 1, pad.upper(), dilations=list(dil))
    model = k.Sequential([k.Input((h, w, c)), layer])
    layer.set_weights([wgt])
    calib = [[rng.normal(size=(1, h, w, c)).astype(np.float32)] for _ in range(16)]
    sandwich = to_int8_tflite(model, rng, calib=calib)
    reference = to_int8_tflite(tf_function(native, (h, w, c)), rng, calib=calib)
    return sandwich, reference


@pytest.mark.parametrize("seed", range(10))
def test_fold_matches_tflm_on_native_dilation(seed, tmp_path):
    sandwich, reference = pair(seed)
    kinds = [op.kind for op in read_tflite(sandwich).ops]
    assert kinds[0] == "SPACE_TO_BATCH_ND" and kinds[-1] == "BATCH_TO_SPACE_ND"
    g = fuse_dilated_convs(read_tflite(sandwich))
    assert [op.kind for op in g.ops] in (["CONV_2D"], ["DEPTHWISE_CONV_2D"])
    ref_g = read_tflite(reference)
    assert ref_g.ops[0].options["dilation_w"] > 1
    for a, b in ((g.inputs[0], ref_g.inputs[0]), (g.outputs[0], ref_g.outputs[0])):
        qa, qb = g.tensors[a].quant, ref_g.tensors[b].quant
        assert (qa.s, qa.zp) == (qb.s, qb.zp), "the two conversions must quantize alike"

    (tmp_path / "s.tflite").write_bytes(sandwich)
    tinyedge.compile(tmp_path / "s.tflite", tmp_path / "out")
    hm = load(tmp_path / "out")
    assert len(hm.manifest["ops"]) == 1
    tflm = Tflm(reference)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        x = rng.integers(-128, 128, size=hm.manifest["inputs"][0]["shape"], dtype=np.int8)
        assert hm.run([x])[0].tobytes() == tflm.run([x], 1)[0].tobytes(), f"seed={seed}"


def test_converter_writes_stale_batch_shape():
    """Why the sandwich itself is not the reference: its batched tensor is declared with batch 1."""
    sandwich, _ = pair(0)
    x = np.random.default_rng(1).integers(-128, 128, size=read_tflite(sandwich).tensors[0].shape, dtype=np.int8)
    runs = {Tflm(sandwich).run([x], 1)[0].tobytes() for _ in range(6)}
    g = read_tflite(sandwich)
    s2b_out = g.tensors[g.ops[0].outputs[0]]
    assert s2b_out.shape[0] == 1, "the converter writes the batched tensor's shape with batch 1"
    print(f"{len(runs)} distinct TFLM outputs over 6 runs")
