"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND, int8.

What TF 2.21's converter makes of a Keras dilated Conv2D/DepthwiseConv2D (the
default dynamic batch) is SPACE_TO_BATCH_ND -> conv -> BATCH_TO_SPACE_ND with
the batched tensors declared as batch 1. TFLM sizes everything from those
static shapes, so on such models it computes one block offset out of
block_h * block_w and leaves the rest of the output stale; it also never sets
SPACE_TO_BATCH_ND's pad value (an uninitialised persistent buffer: the padding
bytes change from run to run). Neither can be matched byte for byte, so:

- test_space_batch_bitexact: explicit tf.space_to_batch_nd / tf.batch_to_space
  layers with a static batch, where TFLM's shapes are right and no padding
  byte reaches the output: bit-exact with TFLM, both ops in the manifest;
- test_space_to_batch_padding: SPACE_TO_BATCH_ND whose padding reaches the
  output: bit-exact with TFLite's reference kernels (BUILTIN_REF, which pad
  with the zero point and agree with TFLM everywhere else), and with TFLM on
  every non-padded byte;
- test_dilated_conv_sandwich: random Keras dilated Conv2D/DepthwiseConv2D
  (SAME and VALID, bias and activation, which the converter leaves as ADD /
  RELU / RELU6 after the sandwich): the .tflite holds the sandwich, tinyedge
  folds it (passes/fuse_dilated_conv.py), and the sandwich's output is
  bit-exact with TFLite's reference kernels running the sandwich itself with
  correctly sized tensors; so is the model's output unless it ends in RELU6
  (TFLite's int8 RELU6 rescales to the output scale, TFLM's does not, and
  tinyedge follows TFLM).
"""

import numpy as np
import pytest

import tinyedge
from support import Tflm, assert_bitexact, random_inputs, tf, to_int8_tflite
from tinyedge.frontend.tflite import read_tflite
from tinyedge.targets.host import load

SEEDS = range(30)


def _layers():
    t = tf()
    k = t.keras

    class SpaceToBatch(k.layers.Layer):
        def __init__(self, block, pads, **kw):
            super().__init__(**kw)
            self.block, self.pads = list(block), [list(p) for p in pads]

        def call(self, x):
            return t.space_to_batch_nd(x, self.block, self.pads)

    class BatchToSpace(k.layers.Layer):
        def __init__(self, block, crops, **kw):
            super().__init__(**kw)
            self.block, self.crops = list(block), [list(c) for c in crops]

        def call(self, x):
            return t.batch_to_space(x, self.block, self.crops)

    return SpaceToBatch, BatchToSpace


def _calib(rng, shape, scale, offset, n=16):
    return [[(rng.normal(size=shape) * scale + offset).astype(np.float32)] for _ in range(n)]


def random_space_batch(seed: int):
    """A static-batch model with explicit SPACE_TO_BATCH_ND and/or BATCH_TO_SPACE_ND."""
    rng = np.random.default_rng(seed)
    k = tf().keras
    S2B, B2S = _layers()
    kind = ["s2b", "b2s", "roundtrip"][seed % 3]
    rank = 3 if seed % 5 == 4 else 4  # 3-D NHC (one spatial dim) now and then
    spatial = rank - 2
    block = [int(rng.integers(1, 4)) for _ in range(spatial)]
    if max(block) == 1:
        block[0] = 2
    sizes = [int(rng.integers(1, 6)) for _ in range(spatial)]
    c = int(rng.integers(1, 7))
    pads = [[0, 0] for _ in range(spatial)]
    if kind == "s2b":  # no padding: TFLM's pad value never shows
        batch, dims = 1, [b * s for b, s in zip(block, sizes)]
        layers = [S2B(block, pads)]
    elif kind == "b2s":  # any crops
        nb = int(rng.integers(1, 3))
        batch, dims = nb * int(np.prod(block)), sizes
        crops = []
        for b, s in zip(block, sizes):
            total = int(rng.integers(0, b * s))  # keep at least one output row
            first = int(rng.integers(0, total + 1))
            crops.append([first, total - first])
        pads = crops
        layers = [B2S(block, crops)]
    else:  # padding that the crops remove again
        batch = 1
        dims, pads = [], []
        for b in block:
            d = int(rng.integers(1, 9))
            total = (-d) % b + b * int(rng.integers(0, 2))
            first = int(rng.integers(0, total + 1))
            dims.append(d)
            pads.append([first, total - first])
        layers = [S2B(block, pads), B2S(block, pads)]
    shape = (batch, *dims, c)
    calib_scale = float(rng.choice([0.3, 1.0, 4.0]))
    offset = float(rng.normal() * calib_scale)
    cfg = dict(kind=kind, shape=shape, block=block, pads_or_crops=pads, calib_scale=calib_scale,
               offset=round(offset, 3))
    model = k.Sequential([k.Input(shape[1:], batch_size=batch), *layers])
    return model, cfg, rng, _calib(rng, shape, calib_scale, offset)


@pytest.mark.parametrize("seed", SEEDS)
def test_space_batch_bitexact(seed, tmp_path):
    model, cfg, rng, calib = random_space_batch(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, calib=calib)
    manifest = assert_bitexact(tfl, tmp_path, seed, label="SPACE/BATCH")
    kinds = [op["kind"] for op in manifest["ops"]]
    want = {"s2b": ["SPACE_TO_BATCH_ND"], "b2s": ["BATCH_TO_SPACE_ND"],
            "roundtrip": ["SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"]}[cfg["kind"]]
    assert kinds == want, kinds


def tflite_reference(model: bytes, xs: list[np.ndarray]) -> list[np.ndarray]:
    """TFLite's own reference kernels (resizes tensors at run time, pads with the zero point)."""
    t = tf()
    it = t.lite.Interpreter(model_content=model,
                            experimental_op_resolver_type=t.lite.experimental.OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def build(model: bytes, tmp_path):
    (tmp_path / "m.tflite").write_bytes(model)
    tinyedge.compile(tmp_path / "m.tflite", tmp_path / "out", name="m")
    return load(tmp_path / "out")


@pytest.mark.parametrize("seed", range(10))
def test_space_to_batch_padding(seed, tmp_path):
    rng = np.random.default_rng(100 + seed)
    k = tf().keras
    S2B, _ = _layers()
    block = [int(rng.integers(1, 4)), int(rng.integers(2, 4))]
    pads, dims = [], []
    for b in block:
        d = int(rng.integers(1, 8))
        total = (-d) % b + b * int(rng.integers(1, 3))
        first = int(rng.integers(0, total + 1))
        dims.append(d)
        pads.append([first, total - first])
    c = int(rng.integers(1, 5))
    offset = float(rng.normal() * 2)
    print(f"seed={seed} shape={(1, *dims, c)} block={block} paddings={pads} offset={offset:.3f}")
    model = k.Sequential([k.Input((*dims, c), batch_size=1), S2B(block, pads)])
    tfl = to_int8_tflite(model, rng, calib=_calib(rng, (1, *dims, c), 1.0, offset))
    hm = build(tfl, tmp_path)
    assert [op["kind"] for op in hm.manifest["ops"]] == ["SPACE_TO_BATCH_ND"]
    zp = hm.manifest["outputs"][0]["zero_point"]
    # which output bytes are padding: run the layer on ones in float
    padded = model(np.ones((1, *dims, c), np.float32)).numpy() == 0
    assert padded.any()
    tflm = Tflm(tfl)
    rng_in = np.random.default_rng(seed + 1000)
    for trial in range(3):
        xs = random_inputs(hm.manifest, rng_in)
        got = hm.run(xs)[0]
        want = tflite_reference(tfl, xs)[0]
        assert np.array_equal(got, want.reshape(got.shape)), f"seed={seed} trial={trial}: differs from TFLite"
        assert (got[padded] == zp).all()
        micro = tflm.run(xs, 1)[0].reshape(got.shape)
        assert np.array_equal(got[~padded], micro[~padded]), f"seed={seed} trial={trial}: differs from TFLM"


def random_dilated(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    depthwise = bool(rng.random() < 0.5)
    kh, kw = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    dil = (int(rng.integers(1, 4)), int(rng.integers(2, 4)))
    if rng.random() < 0.5:
        dil = dil[::-1]
    padding = str(rng.choice(["same", "valid"]))
    h = int(rng.integers((kh - 1) * dil[0] + 1, 16))
    w = int(rng.integers((kw - 1) * dil[1] + 1, 16))
    c = int(rng.integers(1, 7))
    act = str(rng.choice(["linear", "relu", "relu6"]))
    bias = bool(rng.random() < 0.7)
    per_channel = bool(rng.random() < 0.7)
    common = dict(dilation_rate=dil, padding=padding, activation=act, use_bias=bias,
                  bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed))
    if depthwise:
        mult = int(rng.integers(1, 3))
        layer = k.layers.DepthwiseConv2D((kh, kw), depth_multiplier=mult,
                                         depthwise_initializer=k.initializers.GlorotUniform(seed=seed), **common)
        out_c = c * mult
    else:
        out_c = int(rng.integers(1, 7))
        layer = k.layers.Conv2D(out_c, (kh, kw), kernel_initializer=k.initializers.GlorotUniform(seed=seed), **common)
    calib_scale = float(rng.choice([0.5, 1.0, 3.0]))
    offset = float(rng.normal() * calib_scale)
    cfg = dict(layer="DepthwiseConv2D" if depthwise else "Conv2D", shape=(h, w, c), out_c=out_c, kernel=(kh, kw),
               dilation=dil, padding=padding, act=act, bias=bias, per_channel=per_channel,
               calib_scale=calib_scale, offset=round(offset, 3))
    model = k.Sequential([k.Input((h, w, c)), layer])
    return model, cfg, rng, _calib(rng, (1, h, w, c), calib_scale, offset)


@pytest.mark.parametrize("seed", SEEDS)
def test_dilated_conv_sandwich(seed, tmp_path):
    model, cfg, rng, calib = random_dilated(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, per_channel=cfg["per_channel"], calib=calib)
    g = read_tflite(tfl)
    kinds = [op.kind for op in g.ops]
    conv = "DEPTHWISE_CONV_2D" if cfg["layer"] == "DepthwiseConv2D" else "CONV_2D"
    # bias and activation cannot move across BATCH_TO_SPACE_ND: they follow as ADD / RELU ops
    tail = kinds[3:]
    assert kinds[:3] == ["SPACE_TO_BATCH_ND", conv, "BATCH_TO_SPACE_ND"], kinds
    assert set(tail) <= {"ADD", "RELU", "RELU6"}, kinds
    sandwich_out = g.ops[2].outputs[0]
    (tmp_path / "m.tflite").write_bytes(tfl)
    tinyedge.compile(tmp_path / "m.tflite", tmp_path / "out", name="m")
    hm = load(tmp_path / "out", trace=True)
    assert [op["kind"] for op in hm.manifest["ops"]] == [conv, *tail]
    t = tf()
    ref = t.lite.Interpreter(model_content=tfl, experimental_preserve_all_tensors=True,
                             experimental_op_resolver_type=t.lite.experimental.OpResolverType.BUILTIN_REF)
    ref.allocate_tensors()
    rng_in = np.random.default_rng(seed + 1000)
    for trial in range(3):
        xs = random_inputs(hm.manifest, rng_in)
        outs, trace = hm.run(xs)
        ref.set_tensor(ref.get_input_details()[0]["index"], xs[0])
        ref.invoke()
        # the folded conv writes the tensor BATCH_TO_SPACE_ND wrote
        checks = [(sandwich_out, [r["data"] for r in trace if r["tensor"] == sandwich_out][0])]
        if "RELU6" not in tail:  # TFLite's RELU6 rescales to the output scale, TFLM's does not
            checks.append((g.outputs[0], outs[0]))
        for ti, got in checks:
            want = ref.get_tensor(ti).reshape(got.shape)
            if not np.array_equal(got, want):
                diff = got.astype(int) - want.astype(int)
                raise AssertionError(f"seed={seed} trial={trial} tensor {ti}: {int((diff != 0).sum())} of "
                                     f"{diff.size} bytes differ from TFLite (max {np.abs(diff).max()})")
