"""HARD_SWISH, int8 (TFLM's 16-bit fixed-point reference)."""

from __future__ import annotations

import numpy as np

from .base import Kernel, OpSpec, register
from .quant import downscale_multiplier_int16, quantize_multiplier
from .common import check_unary_s8


def hard_swish_params(input_scale, output_scale) -> tuple[int, int, int, int]:
    """TFLM's HardSwishPrepare: (out mult Q15, out exponent, reluish mult Q15, reluish exponent)."""
    f = np.float32
    hires = f(f(1.0) / f(128.0)) * f(input_scale)
    reluish_scale = f(3.0) / f(32768.0)
    out_m, out_e = quantize_multiplier(float(f(hires / f(output_scale))))
    rel_m, rel_e = quantize_multiplier(float(f(hires / reluish_scale)))
    return downscale_multiplier_int16(out_m), out_e, downscale_multiplier_int16(rel_m), rel_e


@register
class HardSwish(OpSpec):
    kind = "HARD_SWISH"

    def check(self, g, op):
        why = check_unary_s8(g, op)
        if why:
            return why
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        if hard_swish_params(inp.quant.s, out.quant.s)[1] > 0:
            return "output scale is too small for the input scale (TFLM needs a multiplier < 1)"
        return None

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        out_m, out_e, rel_m, rel_e = hard_swish_params(inp.quant.s, out.quant.s)
        params = [("size", out.size), ("in_zp", inp.quant.zp), ("out_zp", out.quant.zp),
                  ("out_mult", out_m), ("out_shift", out_e),
                  ("reluish_mult", rel_m), ("reluish_shift", rel_e)]
        return Kernel("te_hard_swish_s8", "te_hard_swish_params_t", params,
                      [op.inputs[0], op.outputs[0]])
