"""MAXIMUM and MINIMUM: int8, numpy broadcasting.

TFLM (maximum_minimum.cc) compares the raw int8 values and requantizes
nothing; the converter gives both inputs and the output one quantization.
"""

from __future__ import annotations

from .base import OpSpec, register
from .broadcast import binary_kernel, check_binary


class _MaxMin(OpSpec):
    func = ""

    def check(self, g, op):
        return check_binary(g, op, activation=False)

    def lower(self, g, op):
        return binary_kernel(g, op, self.func, "te_minmax_params_t", source="te_maximum_minimum_s8.c")


@register
class Maximum(_MaxMin):
    kind = "MAXIMUM"
    func = "te_maximum_s8"


@register
class Minimum(_MaxMin):
    kind = "MINIMUM"
    func = "te_minimum_s8"
