"""MAX_POOL_2D and AVERAGE_POOL_2D: int8 NHWC, SAME/VALID padding, fused clamp."""

from __future__ import annotations

import numpy as np

from ..ir import Graph, Op
from .base import Kernel, OpSpec, register
from .common import PADDINGS, check_clamp_activation, check_int8_io, fused, out_size, pad_before


def _window_ranges(size: int, out: int, k: int, stride: int, pad: int):
    """The in-bounds part [start, end) of each window along one axis (TFLM's clipping)."""
    for o in range(out):
        origin = o * stride - pad
        yield max(0, -origin), min(k, size - origin)


class _Pool(OpSpec):
    options_class = "Pool2DOptions"
    func = ""
    walk_sources = ["te_pool2d_s8.c"]  # the shared window walk with a reduce() per channel

    def read_options(self, o):
        return {
            "padding": PADDINGS.get(o.Padding(), "?"),
            "stride_h": o.StrideH(), "stride_w": o.StrideW(),
            "filter_h": o.FilterHeight(), "filter_w": o.FilterWidth(),
            "fused_activation": fused(o.FusedActivationFunction()),
        }

    def check(self, g: Graph, op: Op) -> str | None:
        why = check_int8_io(g, op, 1) or check_clamp_activation(op)
        if why:
            return why
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        if len(inp.shape) != 4 or len(out.shape) != 4:
            return "only 4-D NHWC tensors are supported"
        if inp.shape[0] != out.shape[0] or inp.shape[3] != out.shape[3]:
            return "batch or depth differ between input and output"
        # TFLM's Prepare: the scales (float32) may differ by at most 1e-6, zero points not at all.
        if float(abs(np.float32(inp.quant.s) - np.float32(out.quant.s))) > 1.0e-6 or inp.quant.zp != out.quant.zp:
            return "input and output quantization differ"
        o = op.options
        if o["padding"] not in ("SAME", "VALID"):
            return "unknown padding"
        for k, ax in (("h", 1), ("w", 2)):
            if o[f"stride_{k}"] < 1 or o[f"filter_{k}"] < 1:
                return "strides and filter sizes must be >= 1"
            exp = out_size(o["padding"], inp.shape[ax], o[f"filter_{k}"], o[f"stride_{k}"], 1)
            if exp != out.shape[ax]:
                return f"output size {out.shape[ax]} does not match the pooling ({exp})"
            pad = pad_before(o[f"stride_{k}"], 1, inp.shape[ax], o[f"filter_{k}"], exp)
            if any(e <= s for s, e in _window_ranges(inp.shape[ax], exp, o[f"filter_{k}"],
                                                      o[f"stride_{k}"], pad)):
                return "a pooling window lies entirely in the padding"
        return None

    def lower(self, g: Graph, op: Op) -> Kernel:
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        o = op.options
        n, ih, iw, c = inp.shape
        _, oh, ow, _ = out.shape
        params = [
            ("batches", n), ("in_h", ih), ("in_w", iw), ("depth", c), ("out_h", oh), ("out_w", ow),
            ("stride_h", o["stride_h"]), ("stride_w", o["stride_w"]),
            ("filter_h", o["filter_h"]), ("filter_w", o["filter_w"]),
            ("pad_h", pad_before(o["stride_h"], 1, ih, o["filter_h"], oh)),
            ("pad_w", pad_before(o["stride_w"], 1, iw, o["filter_w"], ow)),
            ("act_min", o["act_min"]), ("act_max", o["act_max"]),
        ]
        return Kernel(self.func, "te_pool_params_t", params, [op.inputs[0], op.outputs[0]],
                      extra_sources=list(self.walk_sources))

    def macs(self, g: Graph, op: Op) -> int:
        out = g.t(op.outputs[0])
        return out.size * op.options["filter_h"] * op.options["filter_w"]


@register
class MaxPool2D(_Pool):
    kind = "MAX_POOL_2D"
    func = "te_max_pool2d_s8"


@register
class AveragePool2D(_Pool):
    kind = "AVERAGE_POOL_2D"
    func = "te_avg_pool2d_s8"
    walk_sources = []  # its own walk, 8 channels per pass (te_avg_pool2d_s8.c)
