"""Mark convolutions that may write their output over their input (runtime_c/src/te_inplace.h).

A 1x1 stride-1 CONV_2D with out_c <= in_c and a stride-1 "same" DEPTHWISE_CONV_2D
with depth multiplier 1 can, when their input is an arena tensor that nothing
reads afterwards: output pixel i (1x1) or rows y.. (depthwise) then land where
input that is no longer needed was, with a little of it copied aside first.
At the arena's peak of a MobileNet or DS-CNN this saves a whole activation.
The compiler plans with and without (compiler.build) and keeps the smaller
arena, because copying aside costs a little time.
"""

from __future__ import annotations

from ..ir import Graph, Op
from ..ops import REGISTRY

INPLACE_CHUNK = 8  # te_inplace.h's TE_INPLACE_CHUNK: pixels copied aside per 1x1 step
INPLACE_DW_ROWS = 4  # te_inplace.h's TE_INPLACE_DW_ROWS: output rows per depthwise call


def _shape_ok(g: Graph, op: Op) -> bool:
    o = op.options
    inp, w, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    if o.get("sparse") or o.get("stride_h") != 1 or o.get("stride_w") != 1 or "explicit_pad" in o:
        return False
    if op.kind == "CONV_2D":
        return (w.shape[1] == w.shape[2] == 1 and w.shape[3] == inp.shape[3]
                and out.shape[3] <= inp.shape[3] and out.shape[1:3] == inp.shape[1:3])
    if op.kind == "DEPTHWISE_CONV_2D":
        return (out.shape == inp.shape and o.get("dilation_h") == 1 and o.get("dilation_w") == 1
                and w.shape[1] % 2 == 1 and w.shape[2] % 2 == 1)
    return False


def mark_inplace(g: Graph) -> int:
    """Set op.options["inplace"] where allowed; returns how many ops were marked."""
    root = {t.index: t.index for t in g.tensors}
    last_read: dict[int, int] = {}
    for pos, op in enumerate(g.ops):
        if REGISTRY[op.kind].alias:
            root[op.outputs[0]] = root[op.inputs[0]]
        for t in op.inputs:
            if t >= 0:
                last_read[root[t]] = pos
    pinned = {root[t] for t in g.inputs + g.outputs}  # caller's buffers: read-only inputs, outputs apart
    marked = 0
    for pos, op in enumerate(g.ops):
        op.options.pop("inplace", None)
        if op.kind not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            continue
        src, dst = root[op.inputs[0]], root[op.outputs[0]]
        if src in pinned or dst in pinned or g.tensors[src].is_const or last_read.get(src) != pos:
            continue
        if sum(1 for t in op.inputs if t >= 0 and root[t] == src) != 1 or not _shape_ok(g, op):
            continue
        op.options["inplace"] = True
        marked += 1
    return marked


def inplace_scratch(g: Graph, op: Op) -> int:
    """Bytes the in-place wrapper copies aside (before the kernel's own scratch)."""
    inp, w = g.t(op.inputs[0]), g.t(op.inputs[1])
    if op.kind == "CONV_2D":
        return INPLACE_CHUNK * inp.shape[3]
    return (w.shape[1] + INPLACE_DW_ROWS - 1) * inp.shape[2] * inp.shape[3]
