"""MEAN: int8, any constant set of axes, keep_dims or not, requantized output."""

from __future__ import annotations

import numpy as np

from ..ir import Graph, Op
from .base import Kernel, OpSpec, register
from .common import check_int8_io
from .quant import quantize_multiplier


def resolve_axes(rank: int, axes) -> list[int]:
    """reference_ops::ResolveAxis: wrap negative axes, drop duplicates, keep order."""
    out: list[int] = []
    for a in (int(x) for x in np.asarray(axes).reshape(-1)):
        cur = a + rank if a < 0 else a
        if not 0 <= cur < rank:
            raise ValueError(f"axis {a} out of range for rank {rank}")
        if cur not in out:
            out.append(cur)
    return out


def mean_multiplier(in_scale, out_scale, count: int) -> tuple[int, int]:
    """PrepareMeanOrSumHelper's QuantizeMultiplier(double(in) / double(out)), then
    QuantizedMeanOrSum's folding of 1/count into it (done at every Eval in TFLM)."""
    mult, shift = quantize_multiplier(float(np.float32(in_scale)) / float(np.float32(out_scale)))
    if count <= 0:
        return mult, shift
    s = count.bit_length() - 1  # 63 - CountLeadingZeros(uint64(count))
    s = min(s, 32, 31 + shift)
    mult = (mult << s) // count  # int64 division of positive operands
    return int(np.int64(mult).astype(np.int32)), shift - s


def merged_dims(shape, axes: list[int]) -> list[tuple[int, bool]] | None:
    """Drop size-1 dims, merge neighbours that are both reduced or both kept; pad to 4."""
    groups: list[list] = []
    for d, size in enumerate(shape):
        if size == 1:
            continue
        red = d in axes
        if groups and groups[-1][1] == red:
            groups[-1][0] *= size
        else:
            groups.append([size, red])
    if len(groups) > 4:
        return None
    return [(1, False)] * (4 - len(groups)) + [(s, r) for s, r in groups]


@register
class Mean(OpSpec):
    kind = "MEAN"
    options_class = "ReducerOptions"

    def read_options(self, o):
        return {"keep_dims": bool(o.KeepDims())}

    def _axes(self, g: Graph, op: Op) -> list[int]:
        return resolve_axes(len(g.t(op.inputs[0]).shape), g.t(op.inputs[1]).data)

    def check(self, g, op):
        why = check_int8_io(g, op, 1)
        if why:
            return why
        if len(op.inputs) != 2:
            return "MEAN takes an input and an axis tensor"
        ax = g.t(op.inputs[1])
        if not ax.is_const or ax.dtype != "int32":
            return "the axes must be a constant int32 tensor"
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        try:
            axes = self._axes(g, op)
        except ValueError as e:
            return str(e)
        if inp.size == 0:
            return "empty input"
        if inp.size >= 1 << 24:
            return "more than 2^24 input elements (the kernel's int32 sum could overflow)"
        kept = int(np.prod([s for d, s in enumerate(inp.shape) if d not in axes], dtype=np.int64))
        if kept != out.size:
            return f"output has {out.size} elements, the reduction gives {kept}"
        if merged_dims(inp.shape, axes) is None:
            return "the reduced axes alternate too often (more than 4 groups of dimensions)"
        return None

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        axes = self._axes(g, op)
        count = int(np.prod([inp.shape[a] for a in axes], dtype=np.int64))
        mult, shift = mean_multiplier(inp.quant.s, out.quant.s, count)
        dims = merged_dims(inp.shape, axes)
        sum_offset = int(np.int64(-inp.quant.zp * count).astype(np.int32))
        params = [
            *[(f"dim{k}", s) for k, (s, _) in enumerate(dims)],
            *[(f"red{k}", int(r)) for k, (_, r) in enumerate(dims)],
            ("sum_offset", sum_offset), ("mult", mult), ("shift", shift), ("out_offset", out.quant.zp),
        ]
        return Kernel("te_mean_s8", "te_mean_params_t", params, [op.inputs[0], op.outputs[0]])

    def macs(self, g, op):
        return g.t(op.inputs[0]).size
