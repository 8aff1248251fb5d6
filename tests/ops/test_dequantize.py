"""DEQUANTIZE: int8 -> float32 (models converted with a float output), bit-exact with TFLM,
and the DEQUANTIZE alone (edited model, random quantization) on every int8 value."""

import numpy as np
import pytest

from support import assert_bitexact
from unary_cases import INT8_VALUES, assert_all_values, build_and_load, convert, edit_model, random_layer_model

SEEDS = range(30)


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


@pytest.mark.parametrize("seed", SEEDS)
def test_dequantize_bitexact(seed, tmp_path):
    model, calib, cfg, rng = random_layer_model(seed)
    scale = float(np.float32(10 ** rng.uniform(-4, 1.5)))
    zp = int(rng.integers(-128, 128))
    print(f"seed={seed} {cfg} alone: scale={scale} zp={zp}")
    tfl = convert(model, calib, int8_input=True, int8_output=False)
    manifest = assert_bitexact(tfl, tmp_path, seed, label="DEQUANTIZE")
    assert manifest["ops"][-1]["kind"] == "DEQUANTIZE" and manifest["outputs"][0]["dtype"] == "float32"

    hm, ref = build_and_load(edit_model(tfl, only_dequantize(scale, zp)), tmp_path, "only")
    assert [op["kind"] for op in hm.manifest["ops"]] == ["DEQUANTIZE"]
    assert_all_values(hm, ref, INT8_VALUES, f"DEQUANTIZE seed={seed}")
