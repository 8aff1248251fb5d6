"""tinyedge: compile int8 neural networks to small, fast, bit-exact C for microcontrollers.

    import tinyedge
    tinyedge.compile("model.tflite", "out/")
    y = tinyedge.emulate("out/", [x])
"""

__version__ = "0.1.0"

from .errors import TinyedgeError  # noqa: E402


def compile(model, out_dir, name=None, arena="static", force=False):  # noqa: A001
    """Compile a model to C in out_dir. Returns a BuildResult (arena, flash, MACs)."""
    from .compiler import build
    return build(model, out_dir, name=name, arena=arena, force=force)


def emulate(out_dir, inputs, trace=False):
    """Run a built model's C on the host. Returns the outputs (and the trace if asked)."""
    from .targets.host import emulate as _emulate
    return _emulate(out_dir, inputs, trace=trace)


__all__ = ["compile", "emulate", "TinyedgeError", "__version__"]
