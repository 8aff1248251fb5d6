"""RESHAPE and SQUEEZE: views of their input; no kernel, no memory, no time."""

from __future__ import annotations

from .base import OpSpec, register


class _View(OpSpec):
    alias = True

    def check(self, g, op):
        inp, out = g.t(op.inputs[0]), g.t(op.outputs[0])
        if inp.size != out.size:
            return f"element count changes ({inp.size} -> {out.size})"
        if inp.dtype != out.dtype:
            return "input and output types differ"
        if inp.quant and out.quant and (inp.quant.zp != out.quant.zp or inp.quant.s != out.quant.s):
            return "input and output quantization differ"
        return None


@register
class Reshape(_View):
    kind = "RESHAPE"


@register
class Squeeze(_View):
    kind = "SQUEEZE"
