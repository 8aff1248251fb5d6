"""Turn fused activations (RELU, RELU6, RELU_N1_TO_1) into int8 clamp bounds."""

from __future__ import annotations

from ..ir import Graph
from ..ops.quant import activation_range


def fuse_activations(g: Graph) -> Graph:
    """Set op.options['act_min'/'act_max'] for every op with a fused activation."""
    for op in g.ops:
        if "fused_activation" in op.options:
            out = g.t(op.outputs[0])
            op.options["act_min"], op.options["act_max"] = activation_range(
                op.options["fused_activation"], out.quant.s, out.quant.zp)
    return g
