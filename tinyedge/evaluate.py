"""Accuracy (classification) or MSE (regression) of a built model, side by side:
the float Keras model, the int8 model under TFLM, and tinyedge's C under host emulation."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .compress.data import DataError, load_xy
from .errors import UsageError
from .progress import progress
from .targets.host import load


def _is_classification(y: np.ndarray, out_shape: list[int]) -> bool:
    return (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)) and np.issubdtype(y.dtype, np.integer) \
        and int(np.prod(out_shape[1:])) > 1


def _dequantize(q: np.ndarray, spec: dict) -> np.ndarray:
    if spec["scale"] is None:
        return q.astype(np.float64)
    return (q.astype(np.float64) - spec["zero_point"]) * spec["scale"]


def _score(pred: np.ndarray, y: np.ndarray, classification: bool) -> float:
    if classification:
        return float(np.mean(pred.reshape(len(y), -1).argmax(axis=1) == y.reshape(-1)))
    return float(np.mean((pred.reshape(len(y), -1) - y.reshape(len(y), -1)) ** 2))


def evaluate(out_dir: str | Path, data: str | Path, keras_model: str | Path | None = None,
             quiet: bool = True) -> dict:
    """Scores of the float, TFLM and tinyedge models on (x, y) from `data` (.npz with x and y)."""
    out_dir = Path(out_dir)
    x, y = load_xy(data)
    hm = load(out_dir)
    spec_in, spec_out = hm.manifest["inputs"][0], hm.manifest["outputs"][0]
    if len(hm.manifest["inputs"]) != 1 or len(hm.manifest["outputs"]) != 1:
        raise UsageError("evaluate handles models with one input and one output")
    if tuple(x.shape[1:]) != tuple(spec_in["shape"][1:]):
        raise DataError(f"samples have shape {list(x.shape[1:])}, the model's input is {spec_in['shape'][1:]}")
    classification = _is_classification(y, spec_out["shape"])
    from .targets.tflm import run_tflm
    tflm_bytes = (out_dir / hm.manifest["tflite"]).read_bytes()
    ours, ref, same, it = [], [], 0, None
    for i in progress(range(len(x)), "evaluating", length=len(x), quiet=quiet):
        xi = hm.prepare_inputs([x[i:i + 1]])
        a = hm.run(xi)[0]
        if it is None:
            it = run_tflm(tflm_bytes, xi)
        else:
            it.set_input(xi[0], 0)
            it.invoke()
        b = np.asarray(it.get_output(0))
        same += a.tobytes() == b.tobytes()
        ours.append(_dequantize(a, spec_out))
        ref.append(_dequantize(b, spec_out))
    result = {"metric": "accuracy" if classification else "mse", "samples": len(x),
              "tinyedge": _score(np.stack(ours), y, classification),
              "tflm": _score(np.stack(ref), y, classification),
              "equal_to_tflm": same, "float": None}
    if keras_model is not None:
        from .frontend.keras import load_keras
        model = load_keras(keras_model)
        pred = np.asarray(model.predict(x.astype(np.float32), verbose=0, batch_size=256))
        result["float"] = _score(pred, y, classification)
    return result
