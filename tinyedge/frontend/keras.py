"""Quantize a Keras model (.keras, .h5, SavedModel folder) to a full-integer int8 .tflite.

TF's converter does the quantization (per-channel weights, int8 input and
output, TFLite's int8 scheme) so that TFLM is the reference for the result;
the bytes then go through the same reader as any .tflite. TensorFlow is
imported only here, and only when a Keras model is built.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


from ..compress.data import DataError, load_calibration
from .. import errors
from ..errors import ModelFormatError, TinyedgeError, UnsupportedOpError, UsageError
from ..progress import progress

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
MIN_CALIBRATION = 10
ERROR_CLASSES = {c.code: c for c in vars(errors).values()
                 if isinstance(c, type) and issubclass(c, TinyedgeError)} | {DataError.code: DataError}


def is_keras_source(path: str | Path) -> bool:
    p = Path(path)
    return p.suffix.lower() in KERAS_SUFFIXES or (p.is_dir() and (p / "saved_model.pb").is_file())


def _tf():
    try:
        import tensorflow as tf
    except ImportError:
        raise UsageError("Keras models need TensorFlow: pip install 'tinyedge[keras]'") from None
    tf.get_logger().setLevel("ERROR")
    return tf


def load_keras(path: str | Path):
    """A Keras model from .keras/.h5 (not compiled: only inference is needed)."""
    tf = _tf()
    path = Path(path)
    if not path.exists():
        raise UsageError(f"model '{path}' does not exist; check the path")
    try:
        return tf.keras.models.load_model(path, compile=False)
    except Exception as e:  # Keras raises many types for unreadable files
        why = " ".join(str(e).split())[:160]
        raise ModelFormatError(f"cannot load Keras model '{path}' ({type(e).__name__}: {why}); "
                               "save it with model.save('model.keras') from Keras 3") from None


def _with_batch_one(tf, model, shapes):
    """The same model with inputs of batch 1 (same weights), where Keras can clone it."""
    try:
        inputs = [tf.keras.Input(batch_shape=(1, *s)) for s in shapes]
        fixed = tf.keras.models.clone_model(model, input_tensors=inputs if len(inputs) > 1 else inputs[0])
        fixed.set_weights(model.get_weights())
        return fixed
    except Exception:  # subclassed models cannot be cloned: convert them as they are
        return model


def _input_shapes(model) -> list[tuple[int, ...]]:
    return [tuple(int(d) for d in i.shape[1:]) for i in model.inputs]


def quantize(model_or_path, calib, quiet: bool = False) -> bytes:
    """Full-integer int8 .tflite bytes for a Keras model or SavedModel, calibrated on `calib`.

    calib: a path (.npy, .npz, image folder), an array of samples, an iterable
    of samples, or a callable returning one of those; several inputs: a dict
    {input position: source}.

    TF's converter runs in a child process: it can crash outright on layers it
    cannot quantize (GRU is one), and a crash there becomes an error here.
    """
    if calib is None:
        raise DataError("a Keras model needs calibration data for int8 quantization: pass --calib data.npz "
                        "(a few hundred representative inputs)")
    with tempfile.TemporaryDirectory(prefix="tinyedge-quantize-") as tmp:
        tmp = Path(tmp)
        if isinstance(model_or_path, (str, Path)):
            model_path = Path(model_or_path).resolve()
            if not model_path.exists():
                raise UsageError(f"model '{model_or_path}' does not exist; check the path")
        else:
            model_path = tmp / "model.keras"
            model_or_path.save(model_path)
        sources = [calib[k] for k in sorted(calib)] if isinstance(calib, dict) else [calib]
        calib_args = []
        for k, src in enumerate(sources):
            if isinstance(src, (str, Path)):
                calib_args.append(str(Path(src).resolve()))
            else:  # arrays, iterables, callables: materialise for the child
                arr = load_calibration(src, None)
                np.save(tmp / f"calib{k}.npy", arr)
                calib_args.append(str(tmp / f"calib{k}.npy"))
        request = {"model": str(model_path), "calib": calib_args, "quiet": quiet,
                   "out": str(tmp / "model.tflite"), "result": str(tmp / "result.json")}
        (tmp / "request.json").write_text(json.dumps(request))
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        proc = subprocess.run([sys.executable, "-m", "tinyedge.frontend.keras", str(tmp / "request.json")],
                              env=env, stdout=subprocess.DEVNULL)
        result_path = tmp / "result.json"
        if proc.returncode != 0 and not result_path.exists():
            how = f"crashed (signal {-proc.returncode})" if proc.returncode < 0 else f"failed (exit {proc.returncode})"
            raise UnsupportedOpError(
                f"TF's converter {how} while making this model int8; a layer it cannot quantize is the usual "
                "cause (recurrent layers such as GRU/LSTM): replace it with int8-capable layers")
        result = json.loads(result_path.read_text())
        if not result["ok"]:
            cls = ERROR_CLASSES.get(result["code"], TinyedgeError)
            raise cls(result["message"], code=result["code"])
        return (tmp / "model.tflite").read_bytes()


def _convert(request: dict) -> bytes:
    """In the child: load, check calibration, convert with batch 1, quietly."""
    tf = _tf()
    src = Path(request["model"])
    # Trace with batch 1: a dynamic batch makes the converter compute shapes at
    # run time (SHAPE, STRIDED_SLICE, PACK ops) that no microcontroller needs.
    if src.is_dir():
        loaded = tf.saved_model.load(str(src))
        sig = loaded.signatures["serving_default"]
        names, specs = zip(*sorted(sig.structured_input_signature[1].items()))
        shapes = [tuple(int(d) for d in s.shape[1:]) for s in specs]

        def call(*xs):
            out = sig(**dict(zip(names, xs)))
            return [out[k] for k in sorted(out)]
        fixed = [tf.TensorSpec([1, *shape], tf.float32) for shape in shapes]
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [tf.function(call).get_concrete_function(*fixed)], loaded)
    else:
        model = load_keras(src)
        shapes = _input_shapes(model)
        converter = tf.lite.TFLiteConverter.from_keras_model(_with_batch_one(tf, model, shapes))
    sources = request["calib"]
    if len(sources) != len(shapes):
        raise DataError(f"the model has {len(shapes)} inputs and {len(sources)} calibration source(s); pass "
                        "one per input (API: calib={0: x0, 1: x1})")
    arrays = [load_calibration(s, shape) for s, shape in zip(sources, shapes)]
    n = min(len(a) for a in arrays)
    if n < MIN_CALIBRATION:
        raise DataError(f"only {n} calibration samples; pass at least {MIN_CALIBRATION} (a few hundred is better)")

    with _silenced() as console:
        def representative():
            for i in progress(range(n), "calibrating", length=n, quiet=request["quiet"], file=console):
                yield [a[i:i + 1] for a in arrays]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        try:
            return bytes(converter.convert())
        except Exception as e:
            raise UnsupportedOpError(
                f"TF's converter cannot make this model full-integer int8 ({_first_line(e)}); replace the "
                "layers it names with int8-capable ones (Conv2D, Dense, pooling, ReLU, ...)") from None


@contextlib.contextmanager
def _silenced():
    """The converter logs from C++ straight to file descriptors 1 and 2: park them."""
    saved = [os.dup(1), os.dup(2)]
    console = os.fdopen(os.dup(2), "w")  # where progress still reaches the user
    with open(os.devnull, "wb") as null:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield console
        finally:
            console.close()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def _first_line(e: Exception) -> str:
    text = " ".join(str(e).split())
    for marker in ("error: ", "Error: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text[:200] or type(e).__name__




def _main(request_path: str) -> int:
    """The child process: convert, then report through result.json."""
    request = json.loads(Path(request_path).read_text())
    result = {"ok": True}
    try:
        Path(request["out"]).write_bytes(_convert(request))
    except TinyedgeError as e:
        result = {"ok": False, "code": e.code, "message": str(e)}
    Path(request["result"]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
