"""CONCATENATION: int8, any axis (negative counts from the end), 1 to 10 inputs.

TFLM (concatenation.cc) copies bytes: every int8 input must already have the
output's scale and zero point (its Prepare refuses otherwise), no fused
activation, at most 10 inputs. Inputs may be constant tensors.
"""

from __future__ import annotations

import math

from .base import Kernel, OpSpec, register
from .common import check_int8_io, fused

MAX_INPUTS = 10  # TE_CONCAT_MAX_INPUTS, TFLM's kMaxInputNum
MAX_RANK = 6  # RuntimeShape::kMaxSmallSize


def _axis(op, rank: int) -> int:
    axis = int(op.options.get("axis", 0))
    return axis + rank if axis < 0 else axis


@register
class Concatenation(OpSpec):
    kind = "CONCATENATION"
    options_class = "ConcatenationOptions"

    def read_options(self, o):
        # Kept apart from "fused_activation": TFLM refuses any activation here.
        return {"axis": int(o.Axis()), "activation": fused(o.FusedActivationFunction())}

    def check(self, g, op):
        if not 1 <= len(op.inputs) <= MAX_INPUTS or len(op.outputs) != 1 or min(op.inputs) < 0:
            return f"expects 1 to {MAX_INPUTS} inputs and one output"
        why = check_int8_io(g, op)
        if why:
            return why
        if op.options.get("activation", "NONE") != "NONE":
            return "a fused activation is not supported (TFLM refuses it)"
        out = g.t(op.outputs[0])
        rank = len(out.shape)
        if rank == 0 or rank > MAX_RANK:
            return f"output rank {rank} is not supported (1 to {MAX_RANK})"
        axis = _axis(op, rank)
        if not 0 <= axis < rank:
            return f"axis {op.options.get('axis')} is out of range for rank {rank}"
        total = 0
        for i in op.inputs:
            t = g.t(i)
            if len(t.shape) != rank:
                return f"input '{t.name}' has rank {len(t.shape)}, the output {rank}"
            if any(t.shape[d] != out.shape[d] for d in range(rank) if d != axis):
                return f"input '{t.name}' {list(t.shape)} does not match the output {list(out.shape)}"
            if t.quant.per_channel or float(t.quant.s) != float(out.quant.s) or t.quant.zp != out.quant.zp:
                return f"input '{t.name}' is quantized differently from the output (TFLM requires equal)"
            total += t.shape[axis]
        if total != out.shape[axis]:
            return "the inputs do not add up to the output along the axis"
        return None

    def lower(self, g, op):
        out = g.t(op.outputs[0])
        axis = _axis(op, len(out.shape))
        ins = [g.t(i) for i in op.inputs]
        chunks = [math.prod(t.shape[axis:]) for t in ins] + [0] * (MAX_INPUTS - len(ins))
        mask = sum(1 << k for k, t in enumerate(ins) if t.is_const)
        params = [("outer", math.prod(out.shape[:axis])), ("n_inputs", len(ins)),
                  *[(f"chunk[{k}]", int(c)) for k, c in enumerate(chunks)], ("const_mask", mask)]
        args = list(op.inputs) + [-1] * (MAX_INPUTS - len(ins)) + [op.outputs[0]]
        return Kernel("te_concatenation_s8", "te_concat_params_t", params, args)
