"""PAD and PADV2: int8 constant padding, up to 5-D (TFLM pad.cc).

PAD fills with the output zero point; PADV2 with its constant scalar input,
which TFLM requires to share the output's quantization. Paddings must be a
constant int32 [rank, 2] tensor, as on TFLM.
"""

from __future__ import annotations

import numpy as np

from .base import Kernel, OpSpec, register
from .common import check_int8_io

PAD_DIMS = 5  # reference_ops::PadKernelMaxDimensionCount


def _paddings(g, op) -> np.ndarray:
    return np.asarray(g.t(op.inputs[1]).data, np.int64).reshape(-1, 2)


class _Pad(OpSpec):
    def check(self, g, op):
        n_in = 3 if self.kind == "PADV2" else 2
        if len(op.inputs) != n_in or len(op.outputs) != 1 or min(op.inputs) < 0:
            return f"{self.kind} expects {n_in} inputs and one output"
        why = check_int8_io(g, op, 1)
        if why:
            return why
        inp, pads, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
        if inp.is_const:
            return "a constant input is not supported (the converter folds it)"
        if len(inp.shape) > PAD_DIMS:
            return f"inputs of more than {PAD_DIMS} dimensions are not supported"
        if not pads.is_const or pads.dtype != "int32":
            return "paddings must be a constant int32 tensor"
        if pads.size != 2 * len(out.shape) or len(inp.shape) != len(out.shape):
            return "paddings do not match the tensor rank"
        p = _paddings(g, op)
        if (p < 0).any():
            return "negative paddings are not supported"
        for d in range(len(out.shape)):
            if out.shape[d] != inp.shape[d] + p[d, 0] + p[d, 1]:
                return f"output dimension {d} does not match the paddings"
        if len(op.inputs) == 3:
            cv = g.t(op.inputs[2])
            if cv.dtype != "int8" or cv.size != 1:
                return "the pad value must be an int8 scalar"
            if not cv.is_const:
                return "the pad value must be a constant"
            if cv.quant is None or cv.quant.zp != out.quant.zp or float(cv.quant.s) != float(out.quant.s):
                return "the pad value must share the output's quantization"
        return None

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        p = _paddings(g, op)
        lead = PAD_DIMS - len(out.shape)
        in_shape = (1,) * lead + tuple(inp.shape)
        out_shape = (1,) * lead + tuple(out.shape)
        before = (0,) * lead + tuple(int(x) for x in p[:, 0])
        if len(op.inputs) == 3:
            value = int(np.asarray(g.t(op.inputs[2]).data).reshape(-1)[0])
        else:
            value = ((out.quant.zp & 0xFF) ^ 0x80) - 0x80  # TFLM: the zero point as a byte
        params = ([(f"in_shape[{i}]", int(d)) for i, d in enumerate(in_shape)]
                  + [(f"out_shape[{i}]", int(d)) for i, d in enumerate(out_shape)]
                  + [(f"pad_before[{i}]", int(d)) for i, d in enumerate(before)]
                  + [("pad_value", value)])
        return Kernel("te_pad_s8", "te_pad_params_t", params, [op.inputs[0], op.outputs[0]])


@register
class Pad(_Pad):
    kind = "PAD"
    options_class = None


@register
class PadV2(_Pad):
    kind = "PADV2"
    options_class = None
