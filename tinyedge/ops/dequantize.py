"""DEQUANTIZE: int8 -> float32 (graph outputs)."""

from __future__ import annotations

from .base import Kernel, OpSpec, register
from .quant import float_bits


@register
class Dequantize(OpSpec):
    kind = "DEQUANTIZE"

    def check(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        if inp.dtype != "int8":
            return f"input is {inp.dtype}; only int8 -> float32 is supported"
        if out.dtype != "float32":
            return f"output is {out.dtype}; only float32 outputs are supported"
        if inp.quant is None or inp.quant.per_channel:
            return "input must have per-tensor quantization"
        if inp.size != out.size:
            return "input and output sizes differ"
        if g.t(op.inputs[0]).is_const:
            return "a constant input is not supported (the converter folds these)"
        return None

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        params = [("size", out.size), ("zp", inp.quant.zp), ("scale_bits", float_bits(inp.quant.s))]
        return Kernel("te_dequantize_s8", "te_quant_f32_params_t", params, [op.inputs[0], op.outputs[0]])
