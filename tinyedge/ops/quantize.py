"""QUANTIZE: float32 -> int8 (graph inputs) and int8 -> int8 (requantization)."""

from __future__ import annotations

from .base import Kernel, OpSpec, register
from .quant import INT8_MAX, INT8_MIN, float_bits, quantize_multiplier


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
        if inp.size != out.size:
            return "input and output sizes differ"
        if g.t(op.inputs[0]).is_const:
            return "a constant input is not supported (the converter folds these)"
        return None

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        if inp.dtype == "float32":
            params = [("size", out.size), ("zp", out.quant.zp), ("scale_bits", float_bits(out.quant.s))]
            return Kernel("te_quantize_s8", "te_quant_f32_params_t", params, [op.inputs[0], op.outputs[0]])
        # TFLM: double(input scale) / double(output scale).
        mult, shift = quantize_multiplier(float(inp.quant.s) / float(out.quant.s))
        params = [("size", out.size), ("in_zp", inp.quant.zp), ("out_zp", out.quant.zp),
                  ("mult", mult), ("shift", shift), ("act_min", INT8_MIN), ("act_max", INT8_MAX)]
        return Kernel("te_requantize_s8", "te_requantize_params_t", params, [op.inputs[0], op.outputs[0]])
