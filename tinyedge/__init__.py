"""tinyedge: compile int8 neural networks to small, fast, bit-exact C for microcontrollers.

    import tinyedge
    tinyedge.compile("model.tflite", "out/")
    y = tinyedge.emulate("out/", [x])
"""

__version__ = "0.1.0"

import os as _os

# TensorFlow (imported lazily, for Keras models) stays quiet on stderr, where
# tinyedge prints its one-line errors. oneDNN off: its float results vary with
# the CPU's instruction set, and the converter's calibration runs in float, so
# with it on the same model could quantize differently on another machine;
# off, TF 2.21 also prints nothing at import.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from .errors import TinyedgeError  # noqa: E402


def compile(model, out_dir, name=None, arena="static", force=False, calib=None, max_density=0.5,  # noqa: A001
            quiet=True, board=None, fmt=None, kernels="auto", cores=1):
    """Compile a model to C in out_dir. Returns a BuildResult (arena, flash, MACs).

    model: an int8 .tflite path, or a Keras model (path or object) with calib:
    an .npy/.npz path, an image folder, an array, an iterable or a callable.
    board: a board name (tinyedge boards); the model must fit it unless force.
    kernels: "auto" (optimized except on AVR), "fast" or "reference".
    cores: 2 divides the heavy layers' output channels between two workers (invoke_worker).
    """
    from .compiler import build
    return build(model, out_dir, name=name, arena=arena, force=force, calib=calib,
                 max_density=max_density, quiet=quiet, board=board, fmt=fmt, kernels=kernels, cores=cores)


def emulate(out_dir, inputs, trace=False):
    """Run a built model's C on the host. Returns the outputs (and the trace if asked)."""
    from .targets.host import emulate as _emulate
    return _emulate(out_dir, inputs, trace=trace)


def split(model, out_dir, at=None, devices=None, link=None, minimize="latency", max_crossing=2, kernels="auto",
          name=None, force=False):
    """Split a model into parts (out_dir/part0, part1, ..., split.json). See `tinyedge split --help`.

    at: the layer(s) to cut after; or leave it out and give devices="A,B" and link: the planner
    picks the split that minimizes `minimize` ("latency", "device-energy", "link-bytes").
    """
    from .partition.split import split as _split
    return _split(model, out_dir, at=at, devices=devices, link=link, minimize=minimize,
                  max_crossing=max_crossing, kernels=kernels, name=name, force=force)


def plan_split(model, devices, link="uart-921600", minimize="latency", max_crossing=2, kernels="auto"):
    """Every two-part split of a model between devices "A,B" over a link, costed; the choice has .chosen."""
    from .partition.split import plan_split as _plan
    return _plan(model, devices, link, minimize, max_crossing, kernels)


__all__ = ["compile", "emulate", "split", "plan_split", "TinyedgeError", "__version__"]
