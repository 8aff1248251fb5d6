"""SOFTMAX: int8 in, int8 out (scale 1/256, zero point -128), over the last axis."""

from __future__ import annotations

import numpy as np

from .base import Kernel, OpSpec, register
from .common import check_int8_io
from .quant import calculate_input_radius, quantize_multiplier

SCALED_DIFF_INTEGER_BITS = 5  # TFLM: the scaled input difference is Q5.26
# Beyond this the Q12.19 sum of exponentials can overflow. (TFLM already stops
# with a failed check when the sum reaches 512, i.e. when more than 511 values
# lie close to the row's maximum; the kernel saturates instead.)
MAX_DEPTH = 4095


def softmax_input_scaling(beta: float, input_scale) -> tuple[int, int, int]:
    """tflite::PreprocessSoftmaxScaling + CalculateInputRadius (TFLM softmax Prepare).

    Returns (multiplier, left shift, diff_min); all in double as TFLM does.
    """
    real = min(float(np.float32(beta)) * float(np.float32(input_scale))
               * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)), float((1 << 31) - 1))
    mult, shift = quantize_multiplier(real)
    diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, shift)
    return mult, shift, diff_min


@register
class Softmax(OpSpec):
    kind = "SOFTMAX"
    options_class = "SoftmaxOptions"

    def read_options(self, o):
        return {"beta": float(np.float32(o.Beta()))}

    def check(self, g, op):
        why = check_int8_io(g, op)
        if why:
            return why
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        if len(inp.shape) < 1 or inp.shape != out.shape:
            return "input and output shapes differ"
        if g.t(op.inputs[0]).is_const:
            return "a constant input is not supported (the converter folds these)"
        if out.quant.zp != -128 or out.quant.s != np.float32(1.0 / 256):
            return "int8 output must have scale 1/256 and zero point -128"
        if inp.shape[-1] > MAX_DEPTH:
            return f"softmax over more than {MAX_DEPTH} values is not supported"
        beta = op.options.get("beta", 1.0)
        if not float(np.float32(beta)) * float(inp.quant.s) * (1 << 26) > 1.0:
            return "beta * input scale is too small (TFLM needs beta * scale * 2^26 > 1)"
        return None

    def lower(self, g, op):
        inp = g.t(op.inputs[0])
        mult, shift, diff_min = softmax_input_scaling(op.options.get("beta", 1.0), inp.quant.s)
        depth = inp.shape[-1]
        params = [("outer", inp.size // depth if depth else 0), ("depth", depth),
                  ("in_mult", mult), ("in_shift", shift), ("diff_min", diff_min)]
        return Kernel("te_softmax_s8", "te_softmax_params_t", params, [op.inputs[0], op.outputs[0]],
                      extra_sources=["te_fixedpoint_math.c"])
