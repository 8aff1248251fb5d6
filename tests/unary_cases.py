"""What the single-input op tests share (activations, QUANTIZE/DEQUANTIZE, pools,
MEAN): random Keras models, edits of a converted .tflite, and checks on every
int8 input value."""

from __future__ import annotations

import contextlib
import io

import flatbuffers
import numpy as np

import tinyedge
from support import Tflm, assert_bitexact, tf, to_int8_tflite
from tinyedge.targets.host import load

INT8_VALUES = np.arange(-128, 128).astype(np.int8)

# ---- checks ----------------------------------------------------------------


def assert_bitexact_op(tfl: bytes, tmp_path, seed: int, kind: str, label: str | None = None,
                       n_inputs: int = 3) -> dict:
    """assert_bitexact on random inputs; the model must really hold a `kind` op."""
    manifest = assert_bitexact(tfl, tmp_path, seed, n_inputs=n_inputs, label=label or kind)
    kinds = [op["kind"] for op in manifest["ops"]]
    assert kind in kinds, f"{label or kind} seed={seed}: no {kind} op in {kinds}"
    return manifest


def build_and_load(tfl: bytes, tmp_path, name: str):
    """tinyedge's build of `tfl` (in tmp_path/name), loaded, and TFLM on the same model."""
    (tmp_path / f"{name}.tflite").write_bytes(tfl)
    tinyedge.compile(tmp_path / f"{name}.tflite", tmp_path / name, name="m")
    return load(tmp_path / name), Tflm(tfl)


def assert_same(hm, ref, x: np.ndarray, label: str) -> None:
    """One input through tinyedge and TFLM: equal bytes, else the first inputs that differ."""
    x = x.reshape(hm.manifest["inputs"][0]["shape"])
    want, got = ref.run([x], 1)[0], hm.run([x])[0]
    bad = np.flatnonzero(want.reshape(-1) != got.reshape(-1))
    assert bad.size == 0, (f"{label}: inputs {x.reshape(-1)[bad[:8]].tolist()} give "
                           f"{got.reshape(-1)[bad[:8]].tolist()}, TFLM {want.reshape(-1)[bad[:8]].tolist()}")


def assert_all_values(hm, ref, values: np.ndarray, label: str) -> None:
    """Every one of `values` through both, tiled over the input (rotated by its size each run)."""
    n = int(np.prod(hm.manifest["inputs"][0]["shape"]))
    for start in range(0, values.size, n):
        assert_same(hm, ref, np.resize(np.roll(values, -start), n), label)


def assert_activation_bitexact(tfl: bytes, tmp_path, seed: int, kind: str) -> None:
    """Random inputs, then every int8 value, through tinyedge and TFLM; equal bytes."""
    assert_bitexact_op(tfl, tmp_path, seed, kind)
    hm, ref = build_and_load(tfl, tmp_path, "all")
    assert_all_values(hm, ref, INT8_VALUES, f"{kind} seed={seed}")


# ---- models ----------------------------------------------------------------


def random_calib(rng: np.random.Generator, shape, calib_scale: float, offset: float, n: int = 24) -> list:
    """Calibration batches ~ N(offset, calib_scale) of one input of `shape` (batch excluded)."""
    return [[(rng.normal(size=(1, *shape)) * calib_scale + offset).astype(np.float32)] for _ in range(n)]


def random_activation_model(seed: int, layer_fn, after_dense_or_conv: bool = False):
    """A random shape and input range; the layer made by layer_fn(keras, rng) sits on the
    input, or with after_dense_or_conv sometimes after a Dense or Conv2D (which would fuse
    a ReLU-like layer). Returns the int8 .tflite and the configuration."""
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank = int(rng.choice([1, 2, 3]))
    shape = tuple(int(rng.integers(1, 9)) for _ in range(rank))
    before = "none"
    if after_dense_or_conv:
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
    calib = random_calib(rng, shape, calib_scale, offset)
    cfg = dict(shape=shape, before=before, calib_scale=calib_scale, offset=round(offset, 3))
    return to_int8_tflite(model, rng, calib=calib), cfg


def random_layer_model(seed: int):
    """Input -> one random layer (next to which the converter puts QUANTIZE or DEQUANTIZE);
    a random shape and input range. Returns (Keras model, calibration data, cfg, rng)."""
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
    calib = random_calib(rng, shape, calib_scale, offset)
    cfg = dict(shape=shape, layer=layer, calib_scale=calib_scale, offset=round(offset, 3))
    return k.Model(inp, out), calib, cfg, rng


def random_pool_model(seed: int, layer: str, max_window: int, paddings: list[str]):
    """A random 2-D pool (`layer` names the keras.layers class), optionally followed by a
    ReLU/ReLU6 the converter fuses. Returns the int8 .tflite and the configuration."""
    rng = np.random.default_rng(seed)
    k = tf().keras
    ph, pw = int(rng.integers(1, max_window + 1)), int(rng.integers(1, max_window + 1))
    strides = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = str(rng.choice(paddings))
    h, w = int(rng.integers(1, 15)), int(rng.integers(1, 15))
    if padding == "valid":
        h, w = max(h, ph), max(w, pw)
    c = int(rng.integers(1, 9))
    act = str(rng.choice(["none", "none", "relu", "relu6"]))
    calib_scale = float(rng.choice([0.3, 1.0, 4.0]))
    offset = float(rng.normal() * calib_scale)
    cfg = dict(shape=(h, w, c), pool=(ph, pw), strides=strides, padding=padding, act=act,
               calib_scale=calib_scale, offset=round(offset, 3))
    layers = [k.Input(cfg["shape"]), getattr(k.layers, layer)((ph, pw), strides=strides, padding=padding)]
    if act == "relu":
        layers.append(k.layers.ReLU())
    elif act == "relu6":
        layers.append(k.layers.ReLU(6.0))
    calib = random_calib(rng, (h, w, c), calib_scale, offset, 16)
    return to_int8_tflite(k.Sequential(layers), rng, calib=calib), cfg


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


# ---- edits of a converted model ----------------------------------------------


def edit_model(model: bytes, fn) -> bytes:
    """Unpack a .tflite into the schema's object API, let fn(schema, model, subgraph) edit it, repack."""
    from tensorflow.lite.python import schema_py_generated as schema
    m = schema.ModelT.InitFromPackedBuf(model, 0)
    fn(schema, m, m.subgraphs[0])
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def set_option(model: bytes, builtin: str, name: str, value: float) -> bytes:
    """Set option `name` of every `builtin` op, e.g. values Keras cannot export."""
    def fn(schema, m, _):
        for sg in m.subgraphs:
            for op in sg.operators:
                code = m.operatorCodes[op.opcodeIndex]
                if max(code.builtinCode, code.deprecatedBuiltinCode) == getattr(schema.BuiltinOperator, builtin):
                    setattr(op.builtinOptions, name, float(value))
    return edit_model(model, fn)
