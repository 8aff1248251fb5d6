"""SUB: int8 with any scales, fused clamp activation, numpy broadcasting.

Same arithmetic and constants as ADD (see add.py). Note: the sub_common.cc in
the TFLM source tree we read takes twice the larger scale and the three ratios
in float32, but the TFLM we test against (the tflite_micro wheel) computes
them in double exactly like ADD: its CalculateOpDataSub disassembles to
cvtss2sd/divsd, and test_sub.py's exhaustive cases (scales where the two
disagree on some input pair) match only the double constants.
"""

from __future__ import annotations

from .add import add_like_params, add_reals
from .base import Kernel, OpSpec, register
from .broadcast import check_binary
from .common import fused


def _reals(g, op):
    a, b, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    return add_reals(a.quant.s, b.quant.s, out.quant.s)


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
