"""Two cores on one chip: the heavy layers' output channels divided between two workers.

Each split layer runs on both workers at once, each computing a channel range of the
whole output (te_conv_params_t.oc_begin/oc_end, te_fc_params_t.o_begin/o_end); every
other op runs on worker 0. Ranges are chosen so that the two workers' MAC totals over
the whole model come out equal (a layer after an unsplit one leans towards worker 1),
in steps of 4 channels, the granularity the fast kernels' channel blocks need.
"""

from __future__ import annotations

from ..ir import Graph
from ..ops import REGISTRY, Kernel

# Kernels that take a channel range (runtime_c/include/tinyedge/te_kernels.h); the in-place
# and sparse variants do not.
RANGE_FIELDS = {
    "te_conv2d_s8": ("oc_begin", "oc_end"), "te_conv2d_fast_s8": ("oc_begin", "oc_end"),
    "te_depthwise_conv2d_s8": ("oc_begin", "oc_end"), "te_depthwise_conv2d_fast_s8": ("oc_begin", "oc_end"),
    "te_fully_connected_s8": ("o_begin", "o_end"), "te_fully_connected_fast_s8": ("o_begin", "o_end"),
}
STEP = 4  # channel granularity: the fast depthwise works in blocks of 4 channels
MIN_MACS = 4096  # below this a layer costs less than the two barriers around it


def _channels(g: Graph, op) -> int:
    return g.tensors[op.outputs[0]].shape[-1]


def splittable(g: Graph, op, k: Kernel) -> bool:
    if k.func not in RANGE_FIELDS or _channels(g, op) < 2 * STEP:
        return False
    if op.kind == "DEPTHWISE_CONV_2D" and op.options.get("depth_multiplier", 1) != 1:
        return False
    return REGISTRY[op.kind].macs(g, op) >= MIN_MACS


def assign(g: Graph, kernels: list[tuple[int, Kernel]]) -> tuple[dict[int, list[tuple[int, int]]], list[int]]:
    """{op position: [(begin, end) for worker 0, for worker 1]} for the split layers, and the
    MACs each worker runs."""
    load = [0, 0]
    ranges: dict[int, list[tuple[int, int]]] = {}
    for pos, k in kernels:
        op = g.ops[pos]
        macs = REGISTRY[op.kind].macs(g, op)
        if not splittable(g, op, k):
            load[0] += macs
            continue
        c = _channels(g, op)
        per = macs / c
        # worker 0 takes channels [0, cut): the cut that leaves the totals closest
        best = min(range(STEP, c - STEP + 1, STEP),
                   key=lambda cut: (abs(load[0] + cut * per - load[1] - (c - cut) * per), cut))
        ranges[pos] = [(0, best), (best, c)]
        load[0] += round(best * per)
        load[1] += macs - round(best * per)
    return ranges, load
