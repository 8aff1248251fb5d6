"""CONV_2D: int8 activations, int8 per-channel (or per-tensor) weights, int32 bias."""

from __future__ import annotations

from ..ir import Graph, Op
from ..passes.inplace import inplace_scratch
from .base import ConstArray, Kernel, OpSpec, register
from .common import PADDINGS, SPARSE_SOURCES, check_clamp_activation, check_int8_io, fused, out_size, pad_before
from .quant import per_channel_multipliers


def read_conv_options(o) -> dict:
    return {
        "padding": PADDINGS.get(o.Padding(), "?"),
        "stride_h": o.StrideH(), "stride_w": o.StrideW(),
        "dilation_h": o.DilationHFactor(), "dilation_w": o.DilationWFactor(),
        "fused_activation": fused(o.FusedActivationFunction()),
    }


def check_conv(g: Graph, op: Op, filter_ok) -> str | None:
    why = check_int8_io(g, op, 1) or check_clamp_activation(op)
    if why:
        return why
    inp, w, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    if len(inp.shape) != 4 or len(w.shape) != 4 or len(out.shape) != 4:
        return "only 4-D NHWC tensors are supported"
    if not w.is_const or w.dtype != "int8" or w.quant is None:
        return "weights must be constant int8"
    if any(int(z) != 0 for z in w.quant.zero_point):
        return "weights must be symmetric (zero point 0)"
    if len(op.inputs) > 2 and op.inputs[2] >= 0 and g.t(op.inputs[2]).dtype != "int32":
        return "bias must be int32"
    o = op.options
    if o["padding"] not in ("SAME", "VALID"):
        return "unknown padding"
    for k, ax in (("h", 1), ("w", 2)):
        if o[f"stride_{k}"] < 1 or o[f"dilation_{k}"] < 1:
            return "strides and dilations must be >= 1"
        if "explicit_pad" in o:  # folded from a dilated-conv sandwich; sizes come from the graph
            continue
        kk = w.shape[ax]
        exp = out_size(o["padding"], inp.shape[ax], kk, o[f"stride_{k}"], o[f"dilation_{k}"])
        if exp != out.shape[ax]:
            return f"output size {out.shape[ax]} does not match the convolution ({exp})"
    return filter_ok(inp, w, out)


def conv_params(g: Graph, op: Op, channels: int, filter_index: int | None = None) -> list:
    """filter_index: the filter tensor, if not the op's own (passes/depthwise_as_conv.py)."""
    inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
    w = g.t(op.inputs[1] if filter_index is None else filter_index)
    o = op.options
    n, ih, iw, ic = inp.shape
    _, oh, ow, oc = out.shape
    kh, kw = w.shape[1], w.shape[2]
    mult, shift = per_channel_multipliers(inp.quant.s, w.quant.scale, out.quant.s, channels)
    return [
        ("batches", n), ("in_h", ih), ("in_w", iw), ("in_c", ic),
        ("out_h", oh), ("out_w", ow), ("out_c", oc), ("k_h", kh), ("k_w", kw),
        ("filter_in_c", w.shape[3]), ("depth_mult", max(oc // ic, 1)),
        ("stride_h", o["stride_h"]), ("stride_w", o["stride_w"]),
        ("dil_h", o["dilation_h"]), ("dil_w", o["dilation_w"]),
        ("pad_h", o["explicit_pad"][0] if "explicit_pad" in o
         else pad_before(o["stride_h"], o["dilation_h"], ih, kh, oh)),
        ("pad_w", o["explicit_pad"][1] if "explicit_pad" in o
         else pad_before(o["stride_w"], o["dilation_w"], iw, kw, ow)),
        ("in_offset", -inp.quant.zp), ("out_offset", out.quant.zp),
        ("act_min", o["act_min"]), ("act_max", o["act_max"]),
        ("mult", ConstArray(mult)), ("shift", ConstArray(shift)),
    ]


def bias_arg(op: Op) -> int:
    return op.inputs[2] if len(op.inputs) > 2 else -1


# The fast kernels' shared internals, and the reference they fall back to on AVR.
FAST_SOURCES = ["te_fast_mac.h", "te_conv2d_s8.c"]


def sparse_1x1(params: list) -> bool:
    """A 1x1 filter with no padding: te_conv2d_sparse_1x1_s8 (every tap in bounds, the input offset folded)."""
    p = dict(params)
    return (p["k_h"] == 1 and p["k_w"] == 1 and p["pad_h"] == 0 and p["pad_w"] == 0
            and (p["out_h"] - 1) * p["stride_h"] < p["in_h"] and (p["out_w"] - 1) * p["stride_w"] < p["in_w"])


def dense_conv_kernel(g: Graph, op: Op, filter_index: int) -> Kernel:
    """The dense CONV_2D kernel call (fast or reference, in place or not) with filter [out_c, kh, kw, fic]."""
    out = g.t(op.outputs[0])
    args = [op.inputs[0], filter_index, bias_arg(op), op.outputs[0]]
    params = conv_params(g, op, out.shape[3], filter_index)
    fast = g.kernel_set == "fast" and not op.options.get("reference_kernel")  # compiler._trim_scratch
    _, kh, kw, fic = g.t(filter_index).shape
    scratch = 4 * kh * kw * fic + 8 if fast else 0  # TE_CONV2D_FAST_SCRATCH
    func, sources = ("te_conv2d_fast_s8", FAST_SOURCES) if fast else ("te_conv2d_s8", [])
    if op.options.get("inplace"):  # passes/inplace.py: output over the input
        wrapper = "te_conv2d_inplace_fast_s8" if fast else "te_conv2d_inplace_s8"
        return Kernel(wrapper, "te_conv_params_t", params, args, scratch_bytes=inplace_scratch(g, op) + scratch,
                      extra_sources=["te_inplace.h", f"{func}.c", *sources])
    # compiler._trim_scratch: columns on the stack (forced by partition/measure.py to time that variant)
    if fast and (op.options.get("stack_scratch") or op.options.get("force_stack_scratch")):
        return Kernel(func, "te_conv_params_t", params, args, scratch_arg=True, extra_sources=sources)
    return Kernel(func, "te_conv_params_t", params, args, scratch_bytes=scratch, extra_sources=sources)


@register
class Conv2D(OpSpec):
    kind = "CONV_2D"
    options_class = "Conv2DOptions"

    def read_options(self, o):
        return read_conv_options(o)

    def check(self, g, op):
        def filter_ok(inp, w, out):
            if w.shape[0] != out.shape[3]:
                return "filter count does not match output channels"
            if w.shape[3] == 0 or inp.shape[3] % w.shape[3] or out.shape[3] % (inp.shape[3] // w.shape[3]):
                return "input channels are not a multiple of the filter depth"
            if w.quant.per_channel and w.quant.scale.size != w.shape[0]:
                return "per-channel scales do not match the filter count"
            return None
        return check_conv(g, op, filter_ok)

    def lower(self, g, op):
        out = g.t(op.outputs[0])
        sparse = op.options.get("sparse")
        if sparse:  # passes/sparsify.py: mask and values replace the filter
            params = conv_params(g, op, out.shape[3])
            args = [op.inputs[0], sparse["mask_tensor"], sparse["values_tensor"], bias_arg(op), op.outputs[0]]
            if sparse_1x1(params):
                return Kernel("te_conv2d_sparse_1x1_s8", "te_conv_params_t", params, args,
                              extra_sources=SPARSE_SOURCES)
            return Kernel("te_conv2d_sparse_s8", "te_conv_params_t", params, args, extra_sources=SPARSE_SOURCES)
        return dense_conv_kernel(g, op, op.inputs[1])

    def macs(self, g, op):
        w, out = g.t(op.inputs[1]), g.t(op.outputs[0])
        n, oh, ow, oc = out.shape
        return n * oh * ow * oc * w.shape[1] * w.shape[2] * w.shape[3]
