"""DEPTHWISE_CONV_2D: int8, per-channel weights, any depth multiplier."""

from __future__ import annotations

from ..passes.inplace import inplace_scratch
from .base import Kernel, OpSpec, register
from .common import fused
from .conv2d import bias_arg, check_conv, conv_params, dense_conv_kernel, read_conv_options


@register
class DepthwiseConv2D(OpSpec):
    kind = "DEPTHWISE_CONV_2D"
    options_class = "DepthwiseConv2DOptions"

    def read_options(self, o):
        opts = read_conv_options(o)
        opts["depth_multiplier"] = o.DepthMultiplier()
        opts["fused_activation"] = fused(o.FusedActivationFunction())
        return opts

    def check(self, g, op):
        def filter_ok(inp, w, out):
            ic, oc = inp.shape[3], out.shape[3]
            if w.shape[0] != 1 or w.shape[3] != oc:
                return "depthwise filter must be [1, kh, kw, out_channels]"
            if ic == 0 or oc % ic:
                return "output channels must be a multiple of input channels"
            if w.quant.per_channel and w.quant.scale.size != oc:
                return "per-channel scales do not match the output channels"
            return None
        return check_conv(g, op, filter_ok)

    def lower(self, g, op):
        out = g.t(op.outputs[0])
        fast = g.kernel_set == "fast" and not op.options.get("reference_kernel")  # compiler._trim_scratch
        if fast and "conv_filter" in op.options:  # passes/depthwise_as_conv.py: one input channel
            return dense_conv_kernel(g, op, op.options["conv_filter"])
        func = "te_depthwise_conv2d_fast_s8" if fast else "te_depthwise_conv2d_s8"
        sources = ["te_fast_requant.h", "te_depthwise_conv2d_s8.c"] if fast else []
        params = conv_params(g, op, out.shape[3])
        args = [op.inputs[0], op.inputs[1], bias_arg(op), op.outputs[0]]
        if op.options.get("inplace"):  # passes/inplace.py: output over the input, a window of rows aside
            return Kernel(func.replace("depthwise_conv2d", "depthwise_conv2d_inplace"), "te_conv_params_t", params,
                          args, scratch_bytes=inplace_scratch(g, op),
                          extra_sources=["te_inplace.h", f"{func}.c", *sources])
        return Kernel(func, "te_conv_params_t", params, args, extra_sources=sources)

    def macs(self, g, op):
        w, out = g.t(op.inputs[1]), g.t(op.outputs[0])
        n, oh, ow, oc = out.shape
        return n * oh * ow * oc * w.shape[1] * w.shape[2]
