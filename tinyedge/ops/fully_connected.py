"""FULLY_CONNECTED: int8, per-tensor or per-channel weights, optional int32 bias."""

from __future__ import annotations

import numpy as np

from .base import ConstArray, Kernel, OpSpec, register
from .common import SPARSE_SOURCES, check_clamp_activation, check_int8_io, fused
from .quant import per_channel_multipliers, quantize_multiplier


@register
class FullyConnected(OpSpec):
    kind = "FULLY_CONNECTED"
    options_class = "FullyConnectedOptions"

    def read_options(self, o):
        return {
            "fused_activation": fused(o.FusedActivationFunction()),
            "weights_format": o.WeightsFormat(),
            "keep_num_dims": bool(o.KeepNumDims()),
        }

    def check(self, g, op):
        why = check_int8_io(g, op, 1) or check_clamp_activation(op)
        if why:
            return why
        if op.options.get("weights_format", 0) != 0:
            return "shuffled weights format is not supported"
        inp, w, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
        if not w.is_const or w.dtype != "int8" or len(w.shape) != 2:
            return "weights must be a constant 2-D int8 tensor"
        if inp.size % w.shape[1]:
            return "input size is not a multiple of the weights' depth"
        if out.shape[-1] != w.shape[0]:
            return "output depth does not match the weights"
        if len(op.inputs) > 2 and op.inputs[2] >= 0 and g.t(op.inputs[2]).dtype != "int32":
            return "bias must be int32"
        if w.quant.per_channel and w.quant.scale.size != w.shape[0]:
            return "per-channel scales do not match the output depth"
        return None

    def lower(self, g, op):
        inp, w, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
        out_depth, in_depth = w.shape
        if w.quant.per_channel:
            mult, shift = per_channel_multipliers(inp.quant.s, w.quant.scale, out.quant.s, out_depth)
        else:
            # TFLM multiplies the two scales in float32 before widening to double.
            product = float(np.float32(inp.quant.s * w.quant.s))
            m, s = quantize_multiplier(product / float(out.quant.s))
            mult, shift = np.array([m], np.int32), np.array([s], np.int32)
        params = [
            ("batches", out.size // out_depth), ("in_depth", in_depth), ("out_depth", out_depth),
            ("in_offset", -inp.quant.zp), ("filter_offset", -w.quant.zp), ("out_offset", out.quant.zp),
            ("act_min", op.options["act_min"]), ("act_max", op.options["act_max"]),
            ("per_channel", int(w.quant.per_channel)),
            ("mult", ConstArray(mult)), ("shift", ConstArray(shift)),
        ]
        bias = op.inputs[2] if len(op.inputs) > 2 else -1
        sparse = op.options.get("sparse")
        if sparse:  # passes/sparsify.py: mask and values replace the weights (symmetric: filter_offset 0)
            return Kernel("te_fully_connected_sparse_s8", "te_fc_params_t", params,
                          [op.inputs[0], sparse["mask_tensor"], sparse["values_tensor"], bias, op.outputs[0]],
                          extra_sources=SPARSE_SOURCES)
        fast = g.kernel_set == "fast"
        return Kernel("te_fully_connected_fast_s8" if fast else "te_fully_connected_s8", "te_fc_params_t", params,
                      [op.inputs[0], op.inputs[1], bias, op.outputs[0]],
                      extra_sources=["te_fast_mac.h", "te_fully_connected_s8.c"] if fast else [])

    def macs(self, g, op):
        w, out = g.t(op.inputs[1]), g.t(op.outputs[0])
        return out.size * w.shape[1]
