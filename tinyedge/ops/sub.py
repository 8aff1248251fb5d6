"""SUB: int8 with any scales, fused clamp activation, numpy broadcasting.

Same arithmetic as ADD, but TFLM's CalculateOpDataSub (sub_common.cc) takes
twice the larger input scale and the three ratios in float32, widening to
double only when quantizing the multipliers.
"""

from __future__ import annotations

import numpy as np

from .add import LEFT_SHIFT, add_like_params
from .base import Kernel, OpSpec, register
from .broadcast import check_binary
from .common import fused


def sub_reals(s1: np.float32, s2: np.float32, so: np.float32) -> tuple[float, float, float]:
    """The three real multipliers of SUB, in float32 as sub_common.cc computes them."""
    s1, s2, so = np.float32(s1), np.float32(s2), np.float32(so)
    twice_max = np.float32(2) * max(s1, s2)
    return (float(np.float32(s1 / twice_max)), float(np.float32(s2 / twice_max)),
            float(np.float32(twice_max / (np.float32(1 << LEFT_SHIFT) * so))))


def _reals(g, op):
    a, b, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    return sub_reals(a.quant.s, b.quant.s, out.quant.s)


@register
class Sub(OpSpec):
    kind = "SUB"
    options_class = "SubOptions"

    def read_options(self, o):
        return {"fused_activation": fused(o.FusedActivationFunction())}

    def check(self, g, op):
        why = check_binary(g, op)
        if why:
            return why
        p = add_like_params(g, op, _reals(g, op))
        return p if isinstance(p, str) else None

    def lower(self, g, op):
        return Kernel("te_sub_s8", "te_add_params_t", add_like_params(g, op, _reals(g, op)),
                      [op.inputs[0], op.inputs[1], op.outputs[0]],
                      extra_sources=["te_broadcast_s8.c"])

    def macs(self, g, op):
        return g.t(op.outputs[0]).size
