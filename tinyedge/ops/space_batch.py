"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND: int8, 4-D NHWC or 3-D NHC, constant
block shape and paddings / crops (what the converter emits around dilated convolutions)."""

from __future__ import annotations

import numpy as np

from ..ir import Graph, Op
from .base import Kernel, OpSpec, register
from .common import check_int8_io


def _nhwc(shape) -> tuple[int, int, int, int]:
    """TFLM's ExtendShapeSpaceToBatch / ExtendShapeBatchToSpace: NHC -> NH1C."""
    if len(shape) == 3:
        return shape[0], shape[1], 1, shape[2]
    return tuple(shape)  # type: ignore[return-value]


class _SpaceBatch(OpSpec):
    func = ""
    to_batch = True

    def _consts(self, g: Graph, op: Op):
        """(block_h, block_w, before_h, after_h, before_w, after_w) for a 3-D or 4-D input."""
        rank = len(g.t(op.inputs[0]).shape)
        block = np.asarray(g.t(op.inputs[1]).data, np.int64).reshape(-1)
        pads = np.asarray(g.t(op.inputs[2]).data, np.int64).reshape(-1, 2)
        if rank == 4:
            return int(block[0]), int(block[1]), int(pads[0, 0]), int(pads[0, 1]), int(pads[1, 0]), int(pads[1, 1])
        return int(block[0]), 1, int(pads[0, 0]), int(pads[0, 1]), 0, 0

    def check(self, g, op):
        why = check_int8_io(g, op, 1)
        if why:
            return why
        if len(op.inputs) != 3:
            return "expects an input, a block shape and paddings/crops"
        inp, blk, pad, out = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.inputs[2]), g.t(op.outputs[0])
        if len(inp.shape) not in (3, 4) or len(out.shape) != len(inp.shape):
            return "only 3-D NHC and 4-D NHWC tensors are supported"
        if not (blk.is_const and pad.is_const) or blk.dtype != "int32" or pad.dtype != "int32":
            return "block shape and paddings/crops must be constant int32 tensors"
        spatial = len(inp.shape) - 2
        if blk.size != spatial or pad.size != 2 * spatial:
            return f"block shape and paddings/crops must cover {spatial} spatial dimension(s)"
        bh, bw, ph0, ph1, pw0, pw1 = self._consts(g, op)
        if bh < 1 or bw < 1 or min(ph0, ph1, pw0, pw1) < 0:
            return "block sizes must be >= 1 and paddings/crops >= 0"
        ib, ih, iw, ic = _nhwc(inp.shape)
        ob, oh, ow, oc = _nhwc(out.shape)
        if self.to_batch:
            if (ih + ph0 + ph1) % bh or (iw + pw0 + pw1) % bw:
                return "padded spatial size is not a multiple of the block shape"
            want = (ib * bh * bw, (ih + ph0 + ph1) // bh, (iw + pw0 + pw1) // bw, ic)
            stale = ob == 1 and want[0] > 1 and (oh, ow, oc) == want[1:]
        else:
            stale = ib == 1 and bh * bw > 1
            if ib % (bh * bw) and not stale:
                return "batch is not a multiple of the block size"
            want = (ib // (bh * bw), ih * bh - ph0 - ph1, iw * bw - pw0 - pw1, ic)
        if stale:
            return ("the batched tensor is declared with batch 1 (TF's converter does that when the "
                    "model's batch is dynamic); convert with a fixed batch, e.g. keras.Input(shape, batch_size=1)")
        if (ob, oh, ow, oc) != want:
            return f"output shape {list(out.shape)} does not match the block shape and paddings/crops"
        return None

    def lower(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        bh, bw, ph0, _, pw0, _ = self._consts(g, op)
        ib, ih, iw, ic = _nhwc(inp.shape)
        ob, oh, ow, _ = _nhwc(out.shape)
        params = [
            ("in_b", ib), ("in_h", ih), ("in_w", iw), ("depth", ic),
            ("out_b", ob), ("out_h", oh), ("out_w", ow),
            ("block_h", bh), ("block_w", bw), ("pad_top", ph0), ("pad_left", pw0),
            ("pad_value", out.quant.zp if self.to_batch else 0),
        ]
        return Kernel(self.func, "te_space_batch_params_t", params, [op.inputs[0], op.outputs[0]])


@register
class SpaceToBatchND(_SpaceBatch):
    kind = "SPACE_TO_BATCH_ND"
    func = "te_space_to_batch_nd_s8"
    to_batch = True


@register
class BatchToSpaceND(_SpaceBatch):
    kind = "BATCH_TO_SPACE_ND"
    func = "te_batch_to_space_nd_s8"
    to_batch = False
