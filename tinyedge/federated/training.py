"""Keras on one client: the model, a local training loop with FedProx's proximal term, evaluation.

The loop is a `tf.function` train step rather than `model.fit`, because
FedProx adds (mu / 2) * ||w - w_global||^2 to the loss, and because one
compiled step per worker process can serve every client and round: only
the weights, the anchor (the global weights) and mu change, as variables
and tensors, so nothing is traced twice.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelFormatError, UsageError


def _threads_once() -> None:
    """One TF thread per process: Ray already runs a client per core."""
    import tensorflow as tf
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TF already running in this process: keep its setting
        pass


def load_model(source: Any):
    """An uncompiled Keras model from a .keras file, a callable, or "package.module:function"."""
    import keras
    if callable(source) and not isinstance(source, (str, Path)):
        model = source()
    elif isinstance(source, str) and ":" in source and not Path(source).exists():
        model = _factory(source)()
    else:
        path = Path(source)
        if not path.exists():
            raise UsageError(f"model '{path}' does not exist; check the path")
        try:
            model = keras.models.load_model(path, compile=False)
        except Exception as e:  # Keras raises many types for unreadable files
            raise ModelFormatError(f"cannot load Keras model '{path}' ({type(e).__name__}); "
                                   "save it with model.save('model.keras') from Keras 3") from None
    if not isinstance(model, keras.Model):
        raise UsageError(f"the model factory returned {type(model).__name__}, not a Keras model")
    return model


def _factory(spec: str):
    """The callable named by "package.module:function" or "path/to/file.py:function"."""
    module, _, fn = spec.rpartition(":")
    try:
        if module.endswith(".py"):
            loc = importlib.util.spec_from_file_location(Path(module).stem, module)
            if loc is None or not Path(module).is_file():
                raise ImportError(f"no file {module}")
            mod = importlib.util.module_from_spec(loc)
            loc.loader.exec_module(mod)
        else:
            mod = importlib.import_module(module)
        return getattr(mod, fn)
    except (ImportError, AttributeError) as e:
        raise UsageError(f"cannot import the model factory '{spec}' ({e}); give 'package.module:function', "
                         "'file.py:function' or a .keras file") from None


def model_from_json(text: str):
    import keras
    return keras.models.model_from_json(text)


def weight_keys(model) -> list[str]:
    """One name per weight, in get_weights() order (Keras 3 variable paths are unique in a model)."""
    keys = [v.path for v in model.weights]
    return keys if len(set(keys)) == len(keys) else [f"{i}:{k}" for i, k in enumerate(keys)]


def get_arrays(model) -> dict[str, np.ndarray]:
    return dict(zip(weight_keys(model), model.get_weights()))


def set_arrays(model, arrays: dict[str, np.ndarray] | list[np.ndarray]) -> None:
    if isinstance(arrays, dict):
        arrays = [arrays[k] for k in weight_keys(model)]
    model.set_weights(list(arrays))


def ends_in_softmax(model) -> bool:
    act = getattr(model.layers[-1], "activation", None) if model.layers else None
    return getattr(act, "__name__", "") == "softmax" or type(model.layers[-1]).__name__ == "Softmax"


def is_classification(model, y: np.ndarray) -> bool:
    n_out = int(model.outputs[0].shape[-1] or 1)
    y = np.asarray(y)
    return n_out > 1 and y.dtype.kind in "iu" and y.reshape(len(y), -1).shape[1] == 1


def compile_model(model, y: np.ndarray, lr: float = 1e-3, optimizer: str = "adam"):
    """Compile with the loss the labels call for (sparse cross-entropy on logits or softmax; else MSE)."""
    import keras
    opt = keras.optimizers.Adam(lr) if optimizer == "adam" else keras.optimizers.SGD(lr)
    if is_classification(model, y):
        model.compile(opt, keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(model)),
                      metrics=["accuracy"])
    else:
        model.compile(opt, keras.losses.MeanSquaredError(), metrics=["mse"])
    return model


class LocalTrainer:
    """Trains and evaluates one model architecture, reused across clients and rounds in a process."""

    def __init__(self, model, classification: bool, optimizer: str = "adam"):
        import keras
        import tensorflow as tf
        self.model, self.classification = model, classification
        self.loss_fn = (keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(model))
                        if classification else keras.losses.MeanSquaredError())
        self.opt = keras.optimizers.Adam(1e-3) if optimizer == "adam" else keras.optimizers.SGD(1e-3)
        self.opt.build(model.trainable_variables)
        self.anchors = [tf.Variable(v, trainable=False) for v in model.trainable_variables]
        self._step = tf.function(self._train_step, reduce_retracing=True)

    def _train_step(self, x, y, mu):
        import tensorflow as tf
        with tf.GradientTape() as tape:
            pred = self.model(x, training=True)
            loss = self.loss_fn(y, pred)
            if self.model.losses:
                loss += tf.add_n(self.model.losses)
            prox = tf.add_n([tf.reduce_sum(tf.square(w - a))
                             for w, a in zip(self.model.trainable_variables, self.anchors)])
            total = loss + 0.5 * mu * prox
        grads = tape.gradient(total, self.model.trainable_variables)
        self.opt.apply_gradients(zip(grads, self.model.trainable_variables))
        return loss

    def _reset_optimizer(self, lr: float) -> None:
        """A fresh optimizer each round (moments, step count), without re-tracing the step."""
        for v in self.opt.variables:
            if not v.path.endswith("learning_rate"):
                v.assign(np.zeros(v.shape, v.dtype))
        self.opt.learning_rate = lr

    def fit(self, weights, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, lr: float,
            mu: float = 0.0, seed: int = 0) -> tuple[list[np.ndarray], dict[str, float]]:
        """Train from `weights` on (x, y); (new weights, {"train-loss", "train-accuracy"?})."""
        import tensorflow as tf
        set_arrays(self.model, weights)
        for a, w in zip(self.anchors, self.model.trainable_variables):
            a.assign(w)
        self._reset_optimizer(lr)
        x = np.asarray(x, np.float32)
        y = np.asarray(y).reshape(len(y), -1)[:, 0] if self.classification else np.asarray(y, np.float32)
        rng = np.random.default_rng(seed)
        mu_t = tf.constant(float(mu), tf.float32)
        losses = []
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                b = order[start:start + batch_size]
                losses.append(float(self._step(tf.constant(x[b]), tf.constant(y[b]), mu_t)))
        metrics = {"train-loss": float(np.mean(losses)) if losses else 0.0}
        return self.model.get_weights(), metrics

    def evaluate(self, weights, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """{"loss", "accuracy" (classification)} of `weights` on (x, y)."""
        if weights is not None:
            set_arrays(self.model, weights)
        return evaluate_model(self.model, x, y, self.classification, self.loss_fn)


def evaluate_model(model, x, y, classification: bool, loss_fn=None) -> dict[str, float]:
    import keras
    if len(x) == 0:
        return {"loss": 0.0, "accuracy": 0.0} if classification else {"loss": 0.0}
    loss_fn = loss_fn or (keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(model))
                          if classification else keras.losses.MeanSquaredError())
    pred = np.asarray(model.predict(np.asarray(x, np.float32), batch_size=256, verbose=0))
    if classification:
        yy = np.asarray(y).reshape(-1)
        return {"loss": float(loss_fn(yy, pred)), "accuracy": float(np.mean(np.argmax(pred, -1) == yy))}
    return {"loss": float(loss_fn(np.asarray(y, np.float32), pred))}


_MODELS: dict[str, object] = {}
_TRAINERS: dict[tuple[str, bool, str], LocalTrainer] = {}


def trainer_for(model_json: str, y: np.ndarray, optimizer: str = "adam") -> LocalTrainer:
    """This process's trainer for an architecture and kind of labels (built once, its step traced once)."""
    h = hashlib.sha256(model_json.encode()).hexdigest()
    if h not in _MODELS:
        _threads_once()
        _MODELS[h] = model_from_json(model_json)
    classification = is_classification(_MODELS[h], y)
    key = (h, classification, optimizer)
    if key not in _TRAINERS:
        model = _MODELS[h] if not any(k[0] == h for k in _TRAINERS) else model_from_json(model_json)
        _TRAINERS[key] = LocalTrainer(model, classification, optimizer)
    return _TRAINERS[key]
