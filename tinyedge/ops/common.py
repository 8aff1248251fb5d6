"""Helpers shared by op modules: padding, fused activations, type checks."""

from __future__ import annotations

from ..ir import Graph, Op, Tensor

# tflite.ActivationFunctionType values.
FUSED_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
CLAMP_ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6")
PADDINGS = {0: "SAME", 1: "VALID"}
# The sparse kernels' shared engine (passes/sparsify.py): a weight row decoded once, applied to 4 pixels at a time.
SPARSE_SOURCES = ["te_sparse_rows.c", "te_sparse_rows.h", "te_sparse_dot.h", "te_fast_mac.h"]


def fused(code: int) -> str:
    return FUSED_ACTIVATIONS.get(int(code), f"UNKNOWN({code})")


def out_size(padding: str, size: int, k: int, stride: int, dilation: int) -> int:
    """tflite::ComputeOutSize."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        return (size + stride - 1) // stride
    return (size + stride - eff) // stride


def pad_before(stride: int, dilation: int, in_size: int, k: int, out: int) -> int:
    """tflite::ComputePaddingWithOffset: the padding before the first element."""
    eff = (k - 1) * dilation + 1
    total = max((out - 1) * stride + eff - in_size, 0)
    return total // 2


def check_int8_io(g: Graph, op: Op, n_inputs: int | None = None) -> str | None:
    """Common check: activations int8 with per-tensor quantization."""
    idx = op.inputs if n_inputs is None else op.inputs[:n_inputs]
    for i in [*idx, *op.outputs]:
        t = g.t(i)
        if t is None:
            continue
        if t.dtype != "int8":
            return f"tensor '{t.name}' is {t.dtype}, only int8 activations are supported"
        if t.quant is None:
            return f"tensor '{t.name}' has no quantization parameters"
    return None


def check_clamp_activation(op: Op) -> str | None:
    act = op.options.get("fused_activation", "NONE")
    if act not in CLAMP_ACTIVATIONS:
        return f"fused activation {act} is not supported"
    return None


def nhwc(t: Tensor) -> tuple[int, int, int, int]:
    return tuple(t.shape)  # type: ignore[return-value]


def check_elementwise(g, op) -> str | None:
    """One non-constant input with as many values as the output."""
    if g.t(op.inputs[0]).size != g.t(op.outputs[0]).size:
        return "input and output sizes differ"
    if g.t(op.inputs[0]).is_const:
        return "a constant input is not supported (the converter folds these)"
    return None


def check_unary_s8(g, op) -> str | None:
    return check_int8_io(g, op) or check_elementwise(g, op)
