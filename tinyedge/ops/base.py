"""What every op module provides, and the registry they join.

An op module subclasses OpSpec, sets ``kind`` (the TFLite builtin name) and
decorates the class with ``@register``. The reader uses ``read_options``,
validation uses ``check``, codegen uses ``lower``, reports use ``macs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ir import Graph, Op

REGISTRY: dict[str, "OpSpec"] = {}


def register(cls: type["OpSpec"]) -> type["OpSpec"]:
    REGISTRY[cls.kind] = cls()
    return cls


@dataclass
class ConstArray:
    """A constant array an op needs besides its tensors (multipliers, shifts, LUTs)."""

    data: np.ndarray  # int8, int16 or int32


@dataclass
class Kernel:
    """One call into runtime_c: ``func(&params, args..., [scratch])``.

    ``params`` are the fields of the C struct ``params_type``, in order; a value
    is an int or a ConstArray (rendered as a pointer to a const array). ``args``
    are tensor indices, passed as data pointers in order.
    """

    func: str
    params_type: str
    params: list[tuple[str, Any]]
    args: list[int]
    scratch_bytes: int = 0
    scratch_arg: bool = False  # func takes a scratch pointer even without scratch bytes (passed NULL)
    source: str = ""  # runtime_c/src file implementing func; defaults to func + ".c"
    extra_sources: list[str] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return [self.source or self.func + ".c", *self.extra_sources]


class OpSpec:
    kind: str = ""
    options_class: str | None = None  # tflite.<OptionsClass> to read builtin options
    alias: bool = False  # output is a view of input 0 (no kernel, no memory)

    def read_options(self, opts: Any) -> dict[str, Any]:
        """Turn the flatbuffer options table into a plain dict."""
        return {}

    def check(self, g: Graph, op: Op) -> str | None:
        """Return why this op cannot run (types, shapes, options), or None."""
        return None

    def lower(self, g: Graph, op: Op) -> Kernel:
        raise NotImplementedError(self.kind)

    def macs(self, g: Graph, op: Op) -> int:
        return 0
