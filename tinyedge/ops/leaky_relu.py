"""LEAKY_RELU, int8, any alpha (negative alphas included, as TFLM)."""

from __future__ import annotations

import numpy as np

from .base import Kernel, OpSpec, register
from .quant import quantize_multiplier
from .common import check_unary_s8


@register
class LeakyRelu(OpSpec):
    kind = "LEAKY_RELU"
    options_class = "LeakyReluOptions"

    def read_options(self, o):
        return {"alpha": float(np.float32(o.Alpha()))}

    def check(self, g, op):
        return check_unary_s8(g, op)

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        s_in, s_out = np.float32(inp.quant.s), np.float32(out.quant.s)
        alpha = np.float32(op.options.get("alpha", 0.0))
        # TFLM: float32 products and quotients, widened to double at the end.
        alpha_mult, alpha_shift = quantize_multiplier(float(np.float32(s_in * alpha) / s_out))
        id_mult, id_shift = quantize_multiplier(float(s_in / s_out))
        params = [("size", out.size), ("in_zp", inp.quant.zp), ("out_zp", out.quant.zp),
                  ("id_mult", id_mult), ("id_shift", id_shift),
                  ("alpha_mult", abs(alpha_mult)), ("alpha_shift", alpha_shift),
                  ("alpha_negative", int(alpha_mult < 0))]
        return Kernel("te_leaky_relu_s8", "te_leaky_relu_params_t", params,
                      [op.inputs[0], op.outputs[0]])
