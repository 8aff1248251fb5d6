"""DEQUANTIZE: int8 -> float32 (graph outputs)."""

from __future__ import annotations

from .base import OpSpec, register
from .quantize import quant_f32_kernel
from .common import check_elementwise


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
        return check_elementwise(g, op)

    def lower(self, g, op):
        return quant_f32_kernel("te_dequantize_s8", g, op, g.t(op.inputs[0]).quant)
