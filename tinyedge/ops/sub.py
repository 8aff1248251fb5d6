"""SUB: int8 with any scales, fused clamp activation, numpy broadcasting.

Same arithmetic and constants as ADD (see add.py). Note: the sub_common.cc in
the TFLM source tree we read takes twice the larger scale and the three ratios
in float32, but the TFLM we test against (the tflite_micro wheel) computes
them in double exactly like ADD: its CalculateOpDataSub disassembles to
cvtss2sd/divsd, and test_sub.py's exhaustive cases (scales where the two
disagree on some input pair) match only the double constants.
"""

from __future__ import annotations

from .add import Add
from .base import register


@register
class Sub(Add):
    kind = "SUB"
    options_class = "SubOptions"
    func = "te_sub_s8"
    fast_func = "te_sub_fast_s8"
