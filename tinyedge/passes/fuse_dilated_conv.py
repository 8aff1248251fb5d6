"""Fold SPACE_TO_BATCH_ND -> CONV_2D/DEPTHWISE_CONV_2D -> BATCH_TO_SPACE_ND into one dilated conv.

TF's converter expresses a dilated convolution as that three-op sandwich. The
sandwich pads with the input zero point (which adds nothing to the
accumulator), runs a plain conv on the interleaved batches, and crops. A conv
with dilation = block shape and an explicit leading pad of
(pad - crop + block * inner_pad) visits exactly the same products, so the
result is bit-identical while two copies of the activation disappear.
"""

from __future__ import annotations

from ..ir import Graph, Op
from ..ops.common import pad_before

CONVS = ("CONV_2D", "DEPTHWISE_CONV_2D")


def _const(g: Graph, i: int):
    t = g.t(i)
    return None if t is None or t.data is None else t.data.astype(int).tolist()


def _same_quant(g: Graph, a: int, b: int) -> bool:
    qa, qb = g.tensors[a].quant, g.tensors[b].quant
    return qa is not None and qb is not None and qa.s == qb.s and qa.zp == qb.zp


def _match(g: Graph, conv: Op) -> tuple[Op, Op, dict] | None:
    o = conv.options
    if conv.kind not in CONVS or o.get("stride_h") != 1 or o.get("stride_w") != 1 \
            or o.get("dilation_h") != 1 or o.get("dilation_w") != 1:
        return None
    s2b = g.producer(conv.inputs[0])
    users = g.consumers(conv.outputs[0])
    if s2b is None or s2b.kind != "SPACE_TO_BATCH_ND" or len(users) != 1 or users[0].kind != "BATCH_TO_SPACE_ND":
        return None
    b2s = users[0]
    if len(g.consumers(s2b.outputs[0])) != 1 or conv.outputs[0] in g.outputs or s2b.outputs[0] in g.outputs:
        return None
    block, pads = _const(g, s2b.inputs[1]), _const(g, s2b.inputs[2])
    block2, crops = _const(g, b2s.inputs[1]), _const(g, b2s.inputs[2])
    x = g.tensors[s2b.inputs[0]]
    if None in (block, pads, block2, crops) or block != block2 or len(block) != 2 or len(x.shape) != 4 \
            or x.shape[0] != 1 or not _same_quant(g, s2b.inputs[0], s2b.outputs[0]) \
            or not _same_quant(g, b2s.inputs[0], b2s.outputs[0]):
        return None
    w = g.tensors[conv.inputs[1]]
    inner_in, inner_out = g.tensors[conv.inputs[0]], g.tensors[conv.outputs[0]]
    pad = []
    for ax in (0, 1):
        inner = 0
        if o["padding"] == "SAME":
            inner = pad_before(1, 1, inner_in.shape[1 + ax], w.shape[1 + ax], inner_out.shape[1 + ax])
        pad.append(pads[ax][0] - crops[ax][0] + block[ax] * inner)
    return s2b, b2s, {"dilation_h": block[0], "dilation_w": block[1], "explicit_pad": tuple(pad)}


def fuse_dilated_convs(g: Graph) -> Graph:
    for conv in [op for op in g.ops if op.kind in CONVS]:
        try:
            m = _match(g, conv)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError):
            m = None  # malformed op: leave it for validation to report
        if m is None:
            continue
        s2b, b2s, opts = m
        conv.inputs[0] = s2b.inputs[0]
        conv.outputs[0] = b2s.outputs[0]
        conv.options.update(opts)
        g.ops = [op for op in g.ops if op is not s2b and op is not b2s]
    return g
