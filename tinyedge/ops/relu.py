"""RELU and RELU6, int8.

TFLM's RELU requantizes from the input to the output scale and clamps at the
output zero point. Its RELU6 does not rescale: it clamps the input to
[input zero point, quantized 6.0] on the input's own scale and writes that
(TFLM's Relu6Quantized); tinyedge does the same to stay bit-exact.
"""

from __future__ import annotations

import numpy as np

from .base import Kernel, OpSpec, register
from .common import check_unary_s8
from .quant import INT8_MAX, INT8_MIN, float_to_quantized, quantize_multiplier


class _UnaryS8(OpSpec):
    def check(self, g, op):
        return check_unary_s8(g, op)


@register
class Relu(_UnaryS8):
    kind = "RELU"

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        # TFLM divides the scales in float32, then widens to double.
        mult, shift = quantize_multiplier(float(np.float32(inp.quant.s) / np.float32(out.quant.s)))
        params = [("size", out.size), ("in_zp", inp.quant.zp), ("out_zp", out.quant.zp),
                  ("mult", mult), ("shift", shift),
                  ("act_min", max(INT8_MIN, out.quant.zp)), ("act_max", INT8_MAX)]
        return Kernel("te_requantize_s8", "te_requantize_params_t", params,
                      [op.inputs[0], op.outputs[0]])


@register
class Relu6(_UnaryS8):
    kind = "RELU6"

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        params = [("size", out.size), ("lo", inp.quant.zp),
                  ("hi", float_to_quantized(6.0, inp.quant.s, inp.quant.zp))]
        return Kernel("te_relu6_s8", "te_relu6_params_t", params, [op.inputs[0], op.outputs[0]])
