"""The graph tinyedge compiles: tensors, ops and their quantization.

Plain dataclasses. Frontends build a Graph, passes rewrite or analyse it,
codegen renders it. Ops are in execution order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Element size in bytes and the C type for each dtype tinyedge handles.
DTYPES = {
    "int8": (1, "int8_t"),
    "uint8": (1, "uint8_t"),
    "int16": (2, "int16_t"),
    "int32": (4, "int32_t"),
    "int64": (8, "int64_t"),
    "float32": (4, "float"),
    "bool": (1, "uint8_t"),
}


@dataclass
class QuantParams:
    """Affine quantization: real = scale * (q - zero_point), per tensor or per axis."""

    scale: np.ndarray  # float32, one value or one per channel
    zero_point: np.ndarray  # int64, same length as scale
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return self.scale.size > 1

    @property
    def s(self) -> float:
        """The per-tensor scale as a float32 (what TFLM stores in params.scale)."""
        return np.float32(self.scale[0])

    @property
    def zp(self) -> int:
        return int(self.zero_point[0])


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: QuantParams | None = None
    data: np.ndarray | None = None  # set for constant tensors

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        return self.size * DTYPES[self.dtype][0]

    @property
    def ctype(self) -> str:
        return DTYPES[self.dtype][1]


@dataclass
class Op:
    index: int  # position in the source model's operator list
    kind: str  # TFLite builtin name, e.g. "CONV_2D"
    inputs: list[int]  # tensor indices; -1 for an omitted optional input
    outputs: list[int]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    name: str
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    description: str = ""
    kernel_set: str = "reference"  # "fast": the optimized kernels (te_kernels_fast.h) where an op has one

    def t(self, index: int) -> Tensor | None:
        return None if index < 0 else self.tensors[index]

    def consumers(self, tensor_index: int) -> list[Op]:
        return [op for op in self.ops if tensor_index in op.inputs]

    def producer(self, tensor_index: int) -> Op | None:
        for op in self.ops:
            if tensor_index in op.outputs:
                return op
        return None
