"""MUL: int8 with any scales, fused clamp activation, numpy broadcasting.

TFLM's CalculateOpDataMul (mul_common.cc): one multiplier for
in1_scale * in2_scale / out_scale, all in double.
"""

from __future__ import annotations

from .base import OpSpec, register
from .broadcast import binary_kernel, check_binary
from .common import fused
from .quant import quantize_multiplier


@register
class Mul(OpSpec):
    kind = "MUL"
    options_class = "MulOptions"

    def read_options(self, o):
        return {"fused_activation": fused(o.FusedActivationFunction())}

    def check(self, g, op):
        return check_binary(g, op)

    def lower(self, g, op):
        a, b, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
        real = float(a.quant.s) * float(b.quant.s) / float(out.quant.s)
        mult, shift = quantize_multiplier(real)
        return binary_kernel(g, op, "te_mul_s8", "te_mul_params_t", [
            ("in1_offset", -a.quant.zp), ("in2_offset", -b.quant.zp), ("out_offset", out.quant.zp),
            ("out_mult", mult), ("out_shift", shift),
            ("act_min", op.options["act_min"]), ("act_max", op.options["act_max"]),
        ])

    def macs(self, g, op):
        return g.t(op.outputs[0]).size
