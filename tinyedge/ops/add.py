"""ADD: int8 with any scales, fused clamp activation, numpy broadcasting.

Constants follow TFLM's CalculateOpDataAdd (add_common.cc): inputs are
shifted left by 20, each rescaled by its scale over twice the larger input
scale, summed and rescaled to the output; the ratios are taken in double.
SUB (sub.py) subclasses Add: the same constants and kernel file. The fast
kernel set calls te_add_fast_s8 / te_sub_fast_s8 (the same bytes; te_add_s8
and te_sub_s8 stay as its fallback for parameters outside its bounds).
"""

from __future__ import annotations

import numpy as np

from .base import OpSpec, register
from .broadcast import binary_kernel, check_binary
from .common import fused
from .quant import quantize_multiplier

LEFT_SHIFT = 20  # int8 path; TFLM uses 15 for int16
# The fast kernel's internals, and the reference it falls back to.
FAST_SOURCES = ["te_fast_mac.h", "te_fast_requant.h", "te_add_sub_s8.c"]


def multiplier_lt1(real: float) -> tuple[int, int] | None:
    """tflite::QuantizeMultiplierSmallerThanOneExp; None where TFLM's CHECK fails."""
    if not 0.0 < real < 1.0:
        return None
    m, s = quantize_multiplier(real)
    return (m, s) if s <= 0 else None


def add_reals(s1: np.float32, s2: np.float32, so: np.float32) -> tuple[float, float, float]:
    """The three real multipliers of ADD, in double as add_common.cc computes them."""
    twice_max = 2.0 * float(max(np.float32(s1), np.float32(s2)))
    return (float(s1) / twice_max, float(s2) / twice_max,
            twice_max / ((1 << LEFT_SHIFT) * float(so)))


def add_params(g, op) -> list | str:
    """The fields of te_add_params_t after the walk, or why they cannot be made."""
    a, b, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    qs = [multiplier_lt1(r) for r in add_reals(a.quant.s, b.quant.s, out.quant.s)]
    if any(q is None for q in qs):
        return "the scales are too far apart (a rescale multiplier is not below 1)"
    (m1, sh1), (m2, sh2), (mo, sho) = qs
    return [
        ("in1_offset", -a.quant.zp), ("in2_offset", -b.quant.zp), ("out_offset", out.quant.zp),
        ("left_shift", LEFT_SHIFT),
        ("in1_mult", m1), ("in1_shift", sh1), ("in2_mult", m2), ("in2_shift", sh2),
        ("out_mult", mo), ("out_shift", sho),
        ("act_min", op.options.get("act_min", -128)), ("act_max", op.options.get("act_max", 127)),
    ]


@register
class Add(OpSpec):
    kind = "ADD"
    options_class = "AddOptions"
    func = "te_add_s8"
    fast_func = "te_add_fast_s8"

    def read_options(self, o):
        return {"fused_activation": fused(o.FusedActivationFunction())}

    def check(self, g, op):
        why = check_binary(g, op)
        if why:
            return why
        p = add_params(g, op)
        return p if isinstance(p, str) else None

    def lower(self, g, op):
        if g.kernel_set != "fast":
            return binary_kernel(g, op, self.func, "te_add_params_t", add_params(g, op),
                                 source="te_add_sub_s8.c")
        k = binary_kernel(g, op, self.fast_func, "te_add_params_t", add_params(g, op),
                          source="te_add_sub_fast_s8.c")
        k.extra_sources += FAST_SOURCES
        return k

    def macs(self, g, op):
        return g.t(op.outputs[0]).size
