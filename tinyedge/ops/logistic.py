"""LOGISTIC: int8, output scale 1/256 and zero point -128 (TFLM's fixed-point sigmoid)."""

from __future__ import annotations

from ..ir import Graph, Op
from .base import Kernel, OpSpec, register
from .quant import calculate_input_radius, quantize_multiplier_gt1_frexp
from .common import check_unary_s8

INPUT_INTEGER_BITS = 4  # TFLM rescales the input to Q4.27


def sigmoid_input_params(input_scale) -> tuple[int, int, int]:
    """TFLM's LOGISTIC/TANH Prepare for int8: (multiplier, shift, input radius)."""
    real = float(input_scale) * float(1 << (31 - INPUT_INTEGER_BITS))
    mult, shift = quantize_multiplier_gt1_frexp(real)
    return mult, shift, calculate_input_radius(INPUT_INTEGER_BITS, shift, 31)


class SigmoidLike(OpSpec):
    """LOGISTIC and TANH (tanh.py): the same checks, input rescaling and C loop;
    they differ in the output zero point TFLM fixes and in the kernel."""

    out_zp = 0
    func = ""

    def check(self, g: Graph, op: Op) -> str | None:
        why = check_unary_s8(g, op)
        if why:
            return why
        if not float(g.t(op.inputs[0]).quant.s) * (1 << 27) >= 1.0:
            return "input scale is too small"
        if g.t(op.outputs[0]).quant.zp != self.out_zp:
            return f"int8 output must have zero point {self.out_zp}"
        return None

    def lower(self, g: Graph, op: Op) -> Kernel:
        inp = g.t(op.inputs[0])
        mult, shift, radius = sigmoid_input_params(inp.quant.s)
        params = [("size", inp.size), ("in_zp", inp.quant.zp), ("in_radius", radius),
                  ("in_mult", mult), ("in_shift", shift)]
        return Kernel(self.func, "te_sigmoid_params_t", params, [op.inputs[0], op.outputs[0]],
                      extra_sources=["te_sigmoid_s8.c", "te_fixedpoint_math.c"])


@register
class Logistic(SigmoidLike):
    kind = "LOGISTIC"
    out_zp = -128
    func = "te_logistic_s8"
