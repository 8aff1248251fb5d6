"""QUANTIZE: float32 -> int8 (models converted with a float input) and int8 -> int8
(requantization: the converter's own between a LOGISTIC and a CONCATENATION, or a
converted model whose float input is edited into an int8 one), bit-exact with TFLM."""

import contextlib
import io

import flatbuffers
import numpy as np
import pytest

import tinyedge
from support import Tflm, assert_bitexact, tf
from tinyedge.targets.host import load

SEEDS = range(30)


def convert(model, calib, int8_input: bool, int8_output: bool = True) -> bytes:
    """TF's full-integer conversion, with float32 graph inputs/outputs where asked."""
    t = tf()
    conv = t.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [t.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: iter(calib)
    conv.target_spec.supported_ops = [t.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if int8_input:
        conv.inference_input_type = t.int8
    if int8_output:
        conv.inference_output_type = t.int8
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return conv.convert()


def edit_model(model: bytes, fn) -> bytes:
    """Unpack a .tflite into the schema's object API, let fn(schema, model, subgraph) edit it, repack."""
    from tensorflow.lite.python import schema_py_generated as schema
    m = schema.ModelT.InitFromPackedBuf(model, 0)
    fn(schema, m, m.subgraphs[0])
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def only_first_op(schema, m, sg):
    """Keep the first op (the QUANTIZE) and make its output the graph output."""
    sg.operators = sg.operators[:1]
    sg.outputs = [sg.operators[0].outputs[0]]


def as_int8_input(scale: float, zero_point: int):
    """Turn the float32 graph input into an int8 one with the given quantization."""
    def fn(schema, m, sg):
        t = sg.tensors[sg.inputs[0]]
        t.type = schema.TensorType.INT8
        q = schema.QuantizationParametersT()
        q.scale, q.zeroPoint = [float(scale)], [int(zero_point)]
        t.quantization = q
    return fn


def build_and_load(tfl: bytes, tmp_path, name: str):
    (tmp_path / f"{name}.tflite").write_bytes(tfl)
    tinyedge.compile(tmp_path / f"{name}.tflite", tmp_path / name, name="m")
    return load(tmp_path / name), Tflm(tfl)


def assert_same(hm, ref, x: np.ndarray, label: str) -> None:
    x = x.reshape(hm.manifest["inputs"][0]["shape"])
    want, got = ref.run([x], 1)[0], hm.run([x])[0]
    bad = np.flatnonzero(want.reshape(-1) != got.reshape(-1))
    assert bad.size == 0, (f"{label}: inputs {x.reshape(-1)[bad[:8]].tolist()} give "
                           f"{got.reshape(-1)[bad[:8]].tolist()}, TFLM {want.reshape(-1)[bad[:8]].tolist()}")


def random_model(seed: int):
    """Input -> a random layer (on which QUANTIZE feeds); a random shape and input range."""
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank = int(rng.choice([1, 2, 3]))
    shape = tuple(int(rng.integers(1, 9)) for _ in range(rank))
    layer = str(rng.choice(["sigmoid", "relu", "tanh", "dense" if rank == 1 else "hard_swish",
                            "conv" if rank == 3 else "leaky"]))
    calib_scale = float(rng.choice([0.05, 0.3, 1.0, 2.0, 5.0, 20.0]))
    offset = float(rng.normal() * calib_scale)
    inp = k.Input(shape)
    if layer == "dense":
        out = k.layers.Dense(int(rng.integers(1, 20)),
                             kernel_initializer=k.initializers.GlorotUniform(seed=seed))(inp)
    elif layer == "conv":
        out = k.layers.Conv2D(int(rng.integers(1, 6)), 1, kernel_initializer=k.initializers.GlorotUniform(seed=seed))(inp)
    elif layer == "relu":
        out = k.layers.ReLU()(inp)
    elif layer == "leaky":
        out = k.layers.LeakyReLU(negative_slope=0.2)(inp)
    else:
        out = k.layers.Activation(layer)(inp)
    calib = [[(rng.normal(size=(1, *shape)) * calib_scale + offset).astype(np.float32)] for _ in range(24)]
    cfg = dict(shape=shape, layer=layer, calib_scale=calib_scale, offset=round(offset, 3))
    return k.Model(inp, out), calib, cfg, rng


def quantize_io(tfl: bytes):
    from tinyedge.frontend.tflite import read_tflite
    g = read_tflite(tfl)
    op = next(op for op in g.ops if op.kind == "QUANTIZE")
    return g.t(op.inputs[0]), g.t(op.outputs[0])


@pytest.mark.parametrize("seed", SEEDS)
def test_quantize_float_bitexact(seed, tmp_path):
    model, calib, cfg, rng = random_model(seed)
    print(f"seed={seed} {cfg}")
    tfl = convert(model, calib, int8_input=False)
    manifest = assert_bitexact(tfl, tmp_path, seed, n_inputs=5, label="QUANTIZE float")
    assert manifest["ops"][0]["kind"] == "QUANTIZE" and manifest["inputs"][0]["dtype"] == "float32"

    # The QUANTIZE alone, on values around and exactly at rounding ties, and far out (but
    # with |x / scale| < 2^31: beyond, TFLM's float -> int32 cast is undefined; tinyedge saturates).
    only = edit_model(tfl, only_first_op)
    hm, ref = build_and_load(only, tmp_path, "only")
    out = quantize_io(only)[1]
    s, zp = np.float32(out.quant.s), out.quant.zp
    n = int(np.prod(hm.manifest["inputs"][0]["shape"]))
    steps = np.arange(-300, 300, 0.5, dtype=np.float32)
    special = np.array([0.0, -0.0, 1e-30, -1e-30, 1e6 * s, -1e6 * s, 2e9 * s, -2e9 * s], np.float32)
    values = np.concatenate([steps * s, (steps - zp) * s, np.nextafter(steps * s, np.float32(np.inf)),
                             np.nextafter(steps * s, np.float32(-np.inf)), special]).astype(np.float32)
    for start in range(0, values.size, n):
        assert_same(hm, ref, np.resize(np.roll(values, -start), n).astype(np.float32),
                    f"QUANTIZE float seed={seed}")


@pytest.mark.parametrize("seed", SEEDS)
def test_quantize_int8_bitexact(seed, tmp_path):
    model, calib, cfg, rng = random_model(seed)
    natural = seed % 5 == 0
    if natural:
        # LOGISTIC's fixed output quantization (1/256, -128) must be requantized to the
        # concatenation's: the converter inserts an int8 -> int8 QUANTIZE.
        k = tf().keras
        inp = model.inputs[0]
        model = k.Model(inp, k.layers.Concatenate()([k.layers.Activation("sigmoid")(inp), inp]))
        tfl = convert(model, calib, int8_input=True)
    else:
        tfl = convert(model, calib, int8_input=False)
        out = quantize_io(tfl)[1]
        ratio = float(rng.choice([1.0, 10 ** rng.uniform(-2, 2), 10 ** rng.uniform(-0.3, 0.3)]))
        zp = int(rng.integers(-128, 128))
        tfl = edit_model(tfl, as_int8_input(float(np.float32(out.quant.s * ratio)), zp))
        cfg.update(scale_ratio=round(ratio, 4), in_zp=zp)
    print(f"seed={seed} natural={natural} {cfg}")
    inp_t, out_t = quantize_io(tfl)
    assert inp_t.dtype == "int8" and out_t.dtype == "int8"
    manifest = assert_bitexact(tfl, tmp_path, seed, label="QUANTIZE int8")
    assert any(op["kind"] == "QUANTIZE" for op in manifest["ops"])
    if not natural:  # every int8 value through the QUANTIZE alone
        hm, ref = build_and_load(edit_model(tfl, only_first_op), tmp_path, "only")
        n = int(np.prod(hm.manifest["inputs"][0]["shape"]))
        values = np.arange(-128, 128).astype(np.int8)
        for start in range(0, 256, n):
            assert_same(hm, ref, np.resize(np.roll(values, -start), n), f"QUANTIZE int8 seed={seed}")
