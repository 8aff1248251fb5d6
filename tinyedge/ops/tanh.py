"""TANH: int8; TFLM writes the output on scale 1/128 with zero point 0."""

from __future__ import annotations

from .base import register
from .logistic import SigmoidLike


@register
class Tanh(SigmoidLike):
    kind = "TANH"
    out_zp = 0
    func = "te_tanh_s8"
