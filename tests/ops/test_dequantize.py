"""DEQUANTIZE: int8 -> float32 (models converted with a float output), bit-exact with TFLM,
and the DEQUANTIZE alone (edited model, random quantization) on every int8 value."""

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


def only_dequantize(scale: float, zero_point: int):
    """Keep only the DEQUANTIZE, reading the graph input, which gets the given quantization."""
    def fn(schema, m, sg):
        op = sg.operators[-1]
        assert max(m.operatorCodes[op.opcodeIndex].builtinCode,
                   m.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode) == schema.BuiltinOperator.DEQUANTIZE
        sg.operators = [op]
        op.inputs = [sg.inputs[0]]
        q = schema.QuantizationParametersT()
        q.scale, q.zeroPoint = [float(scale)], [int(zero_point)]
        sg.tensors[sg.inputs[0]].quantization = q
        out, inp = sg.tensors[op.outputs[0]], sg.tensors[sg.inputs[0]]
        out.shape, out.shapeSignature = inp.shape, inp.shapeSignature
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
    """Input -> a random layer (which DEQUANTIZE reads); a random shape and input range."""
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



@pytest.mark.parametrize("seed", SEEDS)
def test_dequantize_bitexact(seed, tmp_path):
    model, calib, cfg, rng = random_model(seed)
    scale = float(np.float32(10 ** rng.uniform(-4, 1.5)))
    zp = int(rng.integers(-128, 128))
    print(f"seed={seed} {cfg} alone: scale={scale} zp={zp}")
    tfl = convert(model, calib, int8_input=True, int8_output=False)
    manifest = assert_bitexact(tfl, tmp_path, seed, label="DEQUANTIZE")
    assert manifest["ops"][-1]["kind"] == "DEQUANTIZE" and manifest["outputs"][0]["dtype"] == "float32"

    hm, ref = build_and_load(edit_model(tfl, only_dequantize(scale, zp)), tmp_path, "only")
    assert [op["kind"] for op in hm.manifest["ops"]] == ["DEQUANTIZE"]
    n = int(np.prod(hm.manifest["inputs"][0]["shape"]))
    values = np.arange(-128, 128).astype(np.int8)
    for start in range(0, 256, n):
        assert_same(hm, ref, np.resize(np.roll(values, -start), n), f"DEQUANTIZE seed={seed}")
