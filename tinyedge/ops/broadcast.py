"""Shared by the elementwise binary ops (ADD, SUB, MUL, MAXIMUM, MINIMUM).

TFLM walks a broadcast with reference_ops::BroadcastBinaryOpSimple: shapes
are right-aligned, then neighbouring dimensions whose strides chain are fused
into one loop. We do the same fusion here, at build time, and hand the kernel
a fixed 6-deep loop nest (outermost first, padded with extent-1 loops) with
the element step of each input per loop; a step of 0 repeats the element.
The output is always walked contiguously. The element arithmetic does not
depend on the walk, so results equal TFLM's whatever path it takes.
"""

from __future__ import annotations

from ..ir import Graph, Op
from .base import Kernel
from .common import check_clamp_activation, check_int8_io

BCAST_DIMS = 6  # TE_BCAST_DIMS in te_kernels.h


def _can_fuse(out_dim: int, stride: int, expected: int, next_stride: int) -> bool:
    if out_dim == 1:
        return True
    if next_stride == 0:
        return stride == 0
    return stride == expected


def broadcast_loops(s1: tuple, s2: tuple, out: tuple) -> list[tuple[int, int, int]]:
    """Fused loops [(extent, step1, step2)], outermost first (may exceed BCAST_DIMS)."""
    rank = max(len(s1), len(s2), len(out))
    if rank == 0:
        return [(1, 0, 0)]

    def ext(s):
        return (1,) * (rank - len(s)) + tuple(int(d) for d in s)

    e1, e2, eo = ext(s1), ext(s2), ext(out)
    loops: list[list[int]] = []  # innermost first: [extent, step1, step2, out_step]
    acc1 = acc2 = acco = 1
    for i in range(rank - 1, -1, -1):
        d1, d2, do = e1[i], e2[i], eo[i]
        st1 = 0 if (d1 == 1 and do != 1) else acc1
        st2 = 0 if (d2 == 1 and do != 1) else acc2
        if loops and _can_fuse(do, st1, acc1, loops[-1][1]) and _can_fuse(do, st2, acc2, loops[-1][2]) \
                and _can_fuse(do, acco, acco, loops[-1][3]):
            loops[-1][0] *= do
        else:
            loops.append([do, st1, st2, acco])
        acc1 *= d1
        acc2 *= d2
        acco *= do
    return [(e, a, b) for e, a, b, _ in reversed(loops)]


def broadcast_shape(s1: tuple, s2: tuple) -> tuple | None:
    """numpy-style broadcast of two shapes, or None if they do not broadcast."""
    rank = max(len(s1), len(s2))
    e1 = (1,) * (rank - len(s1)) + tuple(s1)
    e2 = (1,) * (rank - len(s2)) + tuple(s2)
    out = []
    for a, b in zip(e1, e2):
        if a != b and a != 1 and b != 1:
            return None
        out.append(b if a == 1 else a)
    return tuple(out)


def check_binary(g: Graph, op: Op, activation: bool = True) -> str | None:
    """int8 inputs and output, broadcastable shapes, a walk that fits the kernel."""
    if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
        return "expects two inputs and one output"
    why = check_int8_io(g, op) or (check_clamp_activation(op) if activation else None)
    if why:
        return why
    a, b, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    for t in (a, b, out):
        if t.quant.per_channel:
            return f"tensor '{t.name}' is quantized per channel; per-tensor quantization is required"
    want = broadcast_shape(a.shape, b.shape)
    if want is None:
        return f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast"
    rank = max(len(want), len(out.shape))
    if (1,) * (rank - len(want)) + want != (1,) * (rank - len(out.shape)) + tuple(out.shape):
        return f"output shape {list(out.shape)} is not the broadcast shape {list(want)}"
    if out.size == 0:
        return "empty tensors are not supported"
    if len(broadcast_loops(a.shape, b.shape, out.shape)) > BCAST_DIMS:
        return f"the broadcast needs more than {BCAST_DIMS} loops"
    return None


def broadcast_params(g: Graph, op: Op) -> list[tuple[str, int]]:
    """The fields of te_bcast_t (member `bc` of every binary params struct)."""
    a, b, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    loops = broadcast_loops(a.shape, b.shape, out.shape)
    loops = [(1, 0, 0)] * (BCAST_DIMS - len(loops)) + loops
    fields: list[tuple[str, int]] = []
    for name, k in (("shape", 0), ("stride1", 1), ("stride2", 2)):
        fields += [(f"bc.{name}[{i}]", int(lp[k])) for i, lp in enumerate(loops)]
    fields += [("bc.in1_const", int(a.is_const)), ("bc.in2_const", int(b.is_const))]
    return fields


def binary_kernel(g: Graph, op: Op, func: str, params_type: str, params: list | None = None,
                  source: str = "") -> Kernel:
    """The call ``func(&params, in1, in2, out)``: the walk (member ``bc``), then ``params``."""
    return Kernel(func, params_type, [*broadcast_params(g, op), *(params or [])],
                  [op.inputs[0], op.inputs[1], op.outputs[0]], source=source,
                  extra_sources=["te_broadcast_s8.c"])
