"""TANH: int8; TFLM writes the output on scale 1/128 with zero point 0."""

from __future__ import annotations

from .base import OpSpec, register
from .logistic import check_sigmoid_like, sigmoid_kernel


@register
class Tanh(OpSpec):
    kind = "TANH"

    def check(self, g, op):
        why = check_sigmoid_like(g, op)
        if why:
            return why
        if g.t(op.outputs[0]).quant.zp != 0:
            return "int8 output must have zero point 0"
        return None

    def lower(self, g, op):
        return sigmoid_kernel(g, op, "te_tanh_s8")
