"""Test helpers: convert Keras models to int8 .tflite, run TFLM, compare with tinyedge.

Reference: the `tflite_micro` package (TFLM's reference kernels, host build).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import tinyedge
from tinyedge.targets.host import load

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def shared_models_dir() -> Path:
    """../shared/models; skipped locally when absent, a failure under CI."""
    d = Path(os.environ.get("TINYEDGE_SHARED", REPO.parent / "shared")) / "models"
    if not d.is_dir():
        if IN_CI:
            pytest.fail(f"{d} is missing under CI: the shared model set is required")
        pytest.skip(f"{d} not present (shared models are for CI and developers)")
    return d


def tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow
    tensorflow.get_logger().setLevel("ERROR")
    return tensorflow


def tf_function(fn, *shapes):
    """A concrete tf.function over fixed-shape float inputs, for to_int8_tflite.

    Some TF ops (tf.nn.conv2d with dilations) convert to the native TFLite op,
    where the Keras layer converts to a SPACE_TO_BATCH_ND sandwich.
    """
    t = tf()
    specs = [t.TensorSpec([1, *s], t.float32) for s in shapes]
    return t.function(fn, input_signature=specs).get_concrete_function()


def to_int8_tflite(model, rng: np.random.Generator, n_calib: int = 24, per_channel: bool = True,
                   calib_scale: float = 1.0, calib=None) -> bytes:
    """Full-integer int8 conversion with TF's converter (the recipe in TOOLCHAINS.md)."""
    t = tf()
    shapes = [tuple(int(d) for d in i.shape[1:]) for i in model.inputs]
    if calib is None:
        calib = [[(rng.normal(size=(1, *s)) * calib_scale).astype(np.float32) for s in shapes]
                 for _ in range(n_calib)]

    def gen():
        yield from calib

    if isinstance(model, t.types.experimental.ConcreteFunction):
        conv = t.lite.TFLiteConverter.from_concrete_functions([model])
    else:
        conv = t.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [t.lite.Optimize.DEFAULT]
    conv.representative_dataset = gen
    conv.target_spec.supported_ops = [t.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = t.int8
    conv.inference_output_type = t.int8
    if not per_channel:
        conv._experimental_disable_per_channel = True
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return conv.convert()


class Tflm:
    """TFLM's reference interpreter on one model."""

    def __init__(self, model: bytes, arena_size: int | None = None):
        from tflite_micro.python.tflite_micro import runtime
        # The package's default arena (10x the model's bytes) is too small for
        # tiny models with large activations; pass arena_size for those.
        self.it = runtime.Interpreter.from_bytes(model, arena_size=arena_size)

    def run(self, inputs: list[np.ndarray], n_outputs: int) -> list[np.ndarray]:
        for k, x in enumerate(inputs):
            self.it.set_input(x, k)
        self.it.invoke()
        return [np.array(self.it.get_output(k)) for k in range(n_outputs)]


def arena_report(model: bytes) -> dict[str, int]:
    """TFLM's arena use (tinyedge.targets.tflm.tflm_arena)."""
    from tinyedge.targets.tflm import tflm_arena
    return tflm_arena(model)


def random_inputs(manifest: dict, rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.integers(-128, 128, size=s["shape"], dtype=np.int8) if s["dtype"] == "int8"
            else rng.normal(size=s["shape"]).astype(np.float32) for s in manifest["inputs"]]


def assert_same_as_tflm(hm, ref: "Tflm", seed: int, n_inputs: int, label: str) -> None:
    """Random inputs (from `seed`) through tinyedge and TFLM: every output byte equal."""
    rng = np.random.default_rng(seed)
    n_out = len(hm.manifest["outputs"])
    for trial in range(n_inputs):
        xs = random_inputs(hm.manifest, rng)
        want = ref.run(xs, n_out)
        got = hm.run(xs)
        for k in range(n_out):
            assert want[k].dtype == got[k].dtype, f"{label} seed={seed}: output {k} dtype"
            if want[k].reshape(got[k].shape).tobytes() != got[k].tobytes():
                diff = np.abs(want[k].astype(np.float64) - got[k].astype(np.float64)).reshape(-1)
                raise AssertionError(
                    f"{label} seed={seed} trial={trial} output {k}: {int((diff > 0).sum())} of {diff.size} "
                    f"elements differ (max {diff.max()}); reproduce with seed={seed}")


def assert_bitexact(model: bytes, tmp_path: Path, seed: int, n_inputs: int = 3, label: str = "") -> dict:
    """Build `model` with tinyedge and compare with TFLM on random inputs, byte for byte."""
    path = tmp_path / "model.tflite"
    path.write_bytes(model)
    tinyedge.compile(path, tmp_path / "out", name="m")
    hm = load(tmp_path / "out")
    assert_same_as_tflm(hm, Tflm(model), seed + 1000, n_inputs, label)
    return hm.manifest
