"""LOGISTIC: int8, output scale 1/256 and zero point -128 (TFLM's fixed-point sigmoid)."""

from __future__ import annotations

from ..ir import Graph, Op
from .base import Kernel, OpSpec, register
from .common import check_int8_io
from .quant import calculate_input_radius, quantize_multiplier_gt1_frexp

INPUT_INTEGER_BITS = 4  # TFLM rescales the input to Q4.27


def sigmoid_input_params(input_scale) -> tuple[int, int, int]:
    """TFLM's LOGISTIC/TANH Prepare for int8: (multiplier, shift, input radius)."""
    real = float(input_scale) * float(1 << (31 - INPUT_INTEGER_BITS))
    mult, shift = quantize_multiplier_gt1_frexp(real)
    return mult, shift, calculate_input_radius(INPUT_INTEGER_BITS, shift, 31)


def check_sigmoid_like(g: Graph, op: Op) -> str | None:
    why = check_int8_io(g, op)
    if why:
        return why
    inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
    if inp.size != out.size:
        return "input and output sizes differ"
    if g.t(op.inputs[0]).is_const:
        return "a constant input is not supported (the converter folds these)"
    if not float(inp.quant.s) * (1 << 27) >= 1.0:
        return "input scale is too small"
    return None


def sigmoid_kernel(g: Graph, op: Op, func: str) -> Kernel:
    inp = g.t(op.inputs[0])
    mult, shift, radius = sigmoid_input_params(inp.quant.s)
    params = [("size", inp.size), ("in_zp", inp.quant.zp), ("in_radius", radius),
              ("in_mult", mult), ("in_shift", shift)]
    return Kernel(func, "te_sigmoid_params_t", params, [op.inputs[0], op.outputs[0]],
                  extra_sources=["te_fixedpoint_math.c"])


@register
class Logistic(OpSpec):
    kind = "LOGISTIC"

    def check(self, g, op):
        why = check_sigmoid_like(g, op)
        if why:
            return why
        if g.t(op.outputs[0]).quant.zp != -128:
            return "int8 output must have zero point -128"
        return None

    def lower(self, g, op):
        return sigmoid_kernel(g, op, "te_logistic_s8")
