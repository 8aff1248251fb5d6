"""QUANTIZE: float32 -> int8 (graph inputs) and int8 -> int8 (requantization)."""

from __future__ import annotations

from .base import Kernel, OpSpec, register
from .quant import INT8_MAX, INT8_MIN, float_bits, quantize_multiplier
from .common import check_elementwise


def quant_f32_kernel(func: str, g, op, q) -> Kernel:
    """te_quantize_s8 and te_dequantize_s8: q is the int8 side's quantization."""
    params = [("size", g.t(op.outputs[0]).size), ("zp", q.zp), ("scale_bits", float_bits(q.s))]
    return Kernel(func, "te_quant_f32_params_t", params, [op.inputs[0], op.outputs[0]])


@register
class Quantize(OpSpec):
    kind = "QUANTIZE"

    def check(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        if inp.dtype not in ("float32", "int8"):
            return f"input is {inp.dtype}; only float32 -> int8 and int8 -> int8 are supported"
        if out.dtype != "int8":
            return f"output is {out.dtype}; only int8 outputs are supported"
        if out.quant is None or out.quant.per_channel:
            return "output must have per-tensor quantization"
        if inp.dtype == "int8" and (inp.quant is None or inp.quant.per_channel):
            return "int8 input must have per-tensor quantization"
        return check_elementwise(g, op)

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        if inp.dtype == "float32":
            return quant_f32_kernel("te_quantize_s8", g, op, out.quant)
        # TFLM: double(input scale) / double(output scale).
        mult, shift = quantize_multiplier(float(inp.quant.s) / float(out.quant.s))
        params = [("size", out.size), ("in_zp", inp.quant.zp), ("out_zp", out.quant.zp),
                  ("mult", mult), ("shift", shift), ("act_min", INT8_MIN), ("act_max", INT8_MAX)]
        return Kernel("te_requantize_s8", "te_requantize_params_t", params, [op.inputs[0], op.outputs[0]])
