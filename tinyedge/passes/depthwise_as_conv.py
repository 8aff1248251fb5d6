"""A DEPTHWISE_CONV_2D over one input channel, run by the fast CONV_2D kernel.

With one input channel, output channel c of a depthwise convolution sums
filter[0, ky, kx, c] * (x[y, x, 0] + in_offset) over its window, exactly as
a CONV_2D with the filter [c, ky, kx, 0] does: same taps, padding, bias,
per-channel scales and rounding, so the result is bit-exact. The depthwise
kernels loop over channels innermost, which a layer with one input and a
depth multiplier of 8 leaves with 8 channels and a 10x8 window per pixel
(micro_speech's first layer: ~18 instructions per MAC on a Cortex-M4); the
CONV_2D kernel's im2col columns and 4-pixel blocks take it to ~1.5.

With the fast kernels, such an op (depth multiplier above 1: a single
channel stays depthwise, where it may run in place) keeps its kind, so the
manifest and profiles still name the model's op, and gets
``op.options["conv_filter"]``: a constant tensor holding the filter as
[out_c, kh, kw, 1], which DepthwiseConv2D.lower hands to the CONV_2D kernel.
"""

from __future__ import annotations

import numpy as np

from ..ir import Graph, Tensor


def depthwise_as_conv(g: Graph) -> int:
    """Mark the one-input-channel depthwise ops (adding their transposed filters); returns how many."""
    marked = 0
    for op in g.ops:
        if op.kind != "DEPTHWISE_CONV_2D" or "conv_filter" in op.options:
            continue
        inp, w, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
        if inp.shape[3] != 1 or out.shape[3] < 2 or not w.is_const:
            continue
        data = np.ascontiguousarray(np.transpose(np.asarray(w.data, np.int8), (3, 1, 2, 0)))  # [oc, kh, kw, 1]
        index = len(g.tensors)
        g.tensors.append(Tensor(index, f"{w.name}_as_conv", tuple(data.shape), "int8", w.quant, data))
        op.options["conv_filter"] = index
        marked += 1
    return marked
