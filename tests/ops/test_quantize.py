"""QUANTIZE: float32 -> int8 (models converted with a float input) and int8 -> int8
(requantization: the converter's own between a LOGISTIC and a CONCATENATION, or a
converted model whose float input is edited into an int8 one), bit-exact with TFLM."""

import numpy as np
import pytest

from support import assert_bitexact, tf
from unary_cases import (INT8_VALUES, assert_all_values, assert_bitexact_op, build_and_load, convert, edit_model,
                         random_layer_model)

SEEDS = range(30)


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


def quantize_io(tfl: bytes):
    from tinyedge.frontend.tflite import read_tflite
    g = read_tflite(tfl)
    op = next(op for op in g.ops if op.kind == "QUANTIZE")
    return g.t(op.inputs[0]), g.t(op.outputs[0])


@pytest.mark.parametrize("seed", SEEDS)
def test_quantize_float_bitexact(seed, tmp_path):
    model, calib, cfg, rng = random_layer_model(seed)
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
    steps = np.arange(-300, 300, 0.5, dtype=np.float32)
    special = np.array([0.0, -0.0, 1e-30, -1e-30, 1e6 * s, -1e6 * s, 2e9 * s, -2e9 * s], np.float32)
    values = np.concatenate([steps * s, (steps - zp) * s, np.nextafter(steps * s, np.float32(np.inf)),
                             np.nextafter(steps * s, np.float32(-np.inf)), special]).astype(np.float32)
    assert_all_values(hm, ref, values, f"QUANTIZE float seed={seed}")


@pytest.mark.parametrize("seed", SEEDS)
def test_quantize_int8_bitexact(seed, tmp_path):
    model, calib, cfg, rng = random_layer_model(seed)
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
    assert_bitexact_op(tfl, tmp_path, seed, "QUANTIZE", label="QUANTIZE int8")
    if not natural:  # every int8 value through the QUANTIZE alone
        hm, ref = build_and_load(edit_model(tfl, only_first_op), tmp_path, "only")
        assert_all_values(hm, ref, INT8_VALUES, f"QUANTIZE int8 seed={seed}")
