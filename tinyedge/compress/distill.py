"""Knowledge distillation (Hinton, Vinyals and Dean, 2015) with a Keras 3 custom training step.

The loss, per sample, with ``z_t`` and ``z_s`` the teacher's and the student's logits::

    loss = alpha * CE(y, softmax(z_s)) + (1 - alpha) * T^2 * KL(softmax(z_t / T) || softmax(z_s / T))

**alpha weighs the hard labels** (alpha = 1: labels only, plain training;
alpha = 0: soft targets only). ``T^2`` keeps the gradients of the soft term on
the scale of the hard term's as T grows, as in the paper.

Both terms work on logits. A model whose last layer applies softmax (a Dense
or Conv with ``activation="softmax"``, or a final ``Softmax``/``Activation``
layer) is trained through a view of it that stops before the softmax: the
model up to the input of a final softmax layer (same layers, same weights), or
a clone whose last layer is linear, whose weights are copied back into the
model after training. A model that can be neither cut nor cloned (a
subclassed model) is used through ``log(max(p, 1e-12))``: log-probabilities
differ from logits by a per-sample constant that softmax ignores, so the loss
is the same wherever no probability falls below 1e-12.

The teacher runs in inference mode (``training=False``) inside the step, and
only the student's weights change. ``Distiller`` is built on first use
(``from tinyedge.compress.distill import Distiller``), so this module imports
without TensorFlow.
"""

from __future__ import annotations

import functools

import numpy as np

from ..errors import UsageError
from .data import DataError
from .finetune import interruptible

__all__ = ["distill", "Distiller"]

_EPS = 1e-12  # floor for probabilities before log, for models that cannot give logits


def __getattr__(name: str):
    if name == "Distiller":
        return _distiller_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _distiller_class():
    import keras
    import tensorflow as tf
    from keras import ops

    class Distiller(keras.Model):
        """A student trained on a frozen teacher's soft targets and the labels.

        Both models must output logits (``distill`` takes care of softmax
        outputs). Fit it with integer class ids as ``y``; ``call`` runs the
        student. Metrics: ``loss`` (the distillation loss), ``hard_loss``,
        ``soft_loss`` and ``accuracy`` (the student's, on the labels); on
        validation data, ``loss`` is the labels' cross-entropy alone.
        """

        def __init__(self, teacher, student, temperature: float = 4.0, alpha: float = 0.1, **kwargs):
            super().__init__(**kwargs)
            self.teacher = teacher
            self.student = student
            self.temperature = float(temperature)
            self.alpha = float(alpha)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.hard_tracker = keras.metrics.Mean(name="hard_loss")
            self.soft_tracker = keras.metrics.Mean(name="soft_loss")
            self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

        def call(self, x, training=False):
            return self.student(x, training=training)

        def _terms(self, x, y, y_pred):
            """(hard, soft) per-sample losses."""
            T = self.temperature
            hard = keras.losses.sparse_categorical_crossentropy(y, y_pred, from_logits=True)
            z_t = ops.stop_gradient(self.teacher(x, training=False)) / T
            z_s = y_pred / T
            p_t = ops.softmax(z_t, axis=-1)
            kl = ops.sum(p_t * (ops.log_softmax(z_t, axis=-1) - ops.log_softmax(z_s, axis=-1)), axis=-1)
            return hard, kl * (T * T)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            hard, soft = self._terms(x, y, y_pred)
            per_sample = self.alpha * hard + (1.0 - self.alpha) * soft
            if sample_weight is not None:
                w = ops.reshape(ops.cast(sample_weight, per_sample.dtype), ops.shape(per_sample))
                per_sample, hard, soft = per_sample * w, hard * w, soft * w
            self.hard_tracker.update_state(ops.mean(hard))
            self.soft_tracker.update_state(ops.mean(soft))
            return ops.mean(per_sample)

        def train_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            variables = self.student.trainable_variables
            with tf.GradientTape() as tape:
                y_pred = self.student(x, training=True)
                loss = self.compute_loss(x, y, y_pred, sample_weight)
            self.optimizer.apply(tape.gradient(loss, variables), variables)
            self.loss_tracker.update_state(loss)
            self.accuracy.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            y_pred = self.student(x, training=False)
            hard = keras.losses.sparse_categorical_crossentropy(y, y_pred, from_logits=True)
            self.loss_tracker.update_state(hard, sample_weight=sample_weight)
            self.accuracy.update_state(y, y_pred, sample_weight=sample_weight)
            return {"loss": self.loss_tracker.result(), "accuracy": self.accuracy.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.hard_tracker, self.soft_tracker, self.accuracy]

    return Distiller


# ---------------------------------------------------------------- logits views

def _is_softmax(fn) -> bool:
    import keras
    return fn is keras.activations.softmax or getattr(fn, "__name__", "") == "softmax"


def _ends_in_softmax(model) -> bool:
    import keras
    layers = getattr(model, "layers", None)
    if not layers:
        return False
    last = layers[-1]
    return isinstance(last, keras.layers.Softmax) or _is_softmax(getattr(last, "activation", None))


def logits_view(model):
    """(view, sync): a model giving ``model``'s logits, and a function that
    copies trained weights back into ``model`` (None when they are shared)."""
    import keras
    if not _ends_in_softmax(model):
        return model, None
    last = model.layers[-1]
    if isinstance(last, (keras.layers.Softmax, keras.layers.Activation)):
        try:  # everything before the softmax layer: the same layers and weights
            return keras.Model(model.inputs, last.input, name=f"{model.name}_logits"), None
        except Exception:  # noqa: BLE001 - not a graph model: try the next ways
            pass
    else:
        def clone_layer(layer):
            cfg = layer.get_config()
            if layer is last:
                cfg["activation"] = "linear"
            return layer.__class__.from_config(cfg)
        try:
            clone = keras.models.clone_model(model, clone_function=clone_layer)
            clone.set_weights(model.get_weights())
            return clone, lambda: model.set_weights(clone.get_weights())
        except Exception:  # noqa: BLE001 - subclassed or custom layers: fall back to log-probabilities
            pass
    inp = keras.Input(tuple(model.inputs[0].shape[1:]))
    probs = model(inp)
    logp = keras.layers.Lambda(lambda p: keras.ops.log(keras.ops.maximum(p, _EPS)), name="log_probs")(probs)
    return keras.Model(inp, logp, name=f"{model.name}_log_probs"), None


# ---------------------------------------------------------------- checks

def _io(model, role: str) -> tuple[tuple, int]:
    inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not inputs or not outputs:
        raise UsageError(f"the {role} has no known inputs and outputs; build it (model.build or a call) "
                         f"or save it as a functional/Sequential .keras model")
    if len(inputs) != 1 or len(outputs) != 1:
        raise UsageError(f"the {role} has {len(inputs)} inputs and {len(outputs)} outputs; "
                         f"distillation takes single-input classifiers with one output of class scores")
    return tuple(inputs[0].shape[1:]), int(outputs[0].shape[-1] or 0)


def _labels(y, n_classes: int, n: int | None, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == n_classes and n_classes > 1:
        raise DataError(f"{what} labels are one-hot ({list(y.shape)}); pass integer class ids (y.argmax(axis=1))")
    y = y.reshape(len(y), -1) if y.ndim > 1 else y
    if y.ndim > 1 and y.shape[1] != 1:
        raise DataError(f"{what} labels have shape {list(y.shape)}; pass one integer class id per sample")
    y = y.reshape(-1)
    if n is not None and len(y) != n:
        raise DataError(f"{len(y)} {what} labels for {n} samples; pass one label per sample")
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise DataError(f"{what} labels are {y.dtype}, not class ids; pass integers in [0, {n_classes - 1}]")
    if len(y) and (y.min() < 0 or y.max() >= n_classes):
        raise DataError(f"{what} labels run from {y.min()} to {y.max()}; the models have {n_classes} "
                        f"outputs, so pass integer class ids in [0, {n_classes - 1}]")
    return y.astype(np.int64)


def _samples(x, shape: tuple, what: str) -> np.ndarray:
    x = np.asarray(x, np.float32)
    if len(x) == 0:
        raise DataError(f"the {what} data holds no samples")
    if len(x.shape[1:]) != len(shape) or any(d is not None and d != e for d, e in zip(shape, x.shape[1:])):
        raise DataError(f"{what} samples have shape {list(x.shape[1:])}, the models take {list(shape)}; "
                        f"pass an array of shape (n, {', '.join(map(str, shape))})")
    return x


def check(teacher, student, temperature: float, alpha: float) -> tuple[tuple, int]:
    """Validate the pair and the hyperparameters; return (input shape, classes)."""
    try:
        temperature = float(temperature)
        alpha = float(alpha)
    except (TypeError, ValueError):
        raise UsageError(f"--temperature and --alpha must be numbers, not {temperature!r} and {alpha!r}") from None
    if not temperature > 0 or not np.isfinite(temperature):
        raise UsageError(f"--temperature must be above 0, not {temperature:g}; 2 to 10 is usual (try 4)")
    if not 0.0 <= alpha <= 1.0:
        raise UsageError(f"--alpha weighs the hard labels and must be within [0, 1], not {alpha:g}; try 0.1 to 0.5")
    t_in, t_out = _io(teacher, "teacher")
    s_in, s_out = _io(student, "student")
    if t_in != s_in:
        raise UsageError(f"the teacher takes inputs of shape {list(t_in)} and the student {list(s_in)}; "
                         f"give them the same input shape")
    if t_out != s_out:
        raise UsageError(f"the teacher has {t_out} outputs and the student {s_out}; "
                         f"give the student one output per class of the teacher")
    if s_out < 2:
        raise UsageError(f"the models have {s_out} output; distillation needs one score per class (2 or more)")
    return s_in, s_out


# ---------------------------------------------------------------- API

def distill(teacher, student, x, y, temperature: float = 4.0, alpha: float = 0.1, epochs: int = 10,
            batch_size: int = 32, learning_rate: float = 1e-3, validation=None, seed: int = 0,
            verbose: int = 1):
    """Train ``student`` on ``teacher``'s soft targets and the labels ``y``; return the student.

    ``x``: samples of the models' input shape; ``y``: integer class ids.
    ``alpha`` weighs the hard labels, ``1 - alpha`` the soft targets at
    temperature ``temperature`` (module docstring). ``validation``: optional
    ``(x_val, y_val)``; its accuracy is shown each epoch and printed at the
    end when ``verbose``. The student is trained in place (Adam, shuffled
    batches, seeded by ``seed``) and returned as the plain Keras model it
    was, ready for ``save("s.keras")`` and TF's converter; the teacher does
    not change.
    """
    shape, n_classes = check(teacher, student, temperature, alpha)
    if int(epochs) < 1 or int(batch_size) < 1:
        raise UsageError(f"--epochs and the batch size must be at least 1, not {epochs} and {batch_size}")
    if not learning_rate > 0:
        raise UsageError(f"the learning rate must be above 0, not {learning_rate}; try 1e-3")
    x = _samples(x, shape, "training")
    y = _labels(y, n_classes, len(x), "training")
    val = None
    if validation is not None:
        try:
            xv, yv = validation
        except (TypeError, ValueError):
            raise UsageError("validation must be a pair (x_val, y_val)") from None
        xv = _samples(xv, shape, "validation")
        val = (xv, _labels(yv, n_classes, len(xv), "validation"))

    import keras
    keras.utils.set_random_seed(int(seed))
    t_logits, _ = logits_view(teacher)
    s_logits, sync = logits_view(student)
    d = _distiller_class()(t_logits, s_logits, temperature=temperature, alpha=alpha)
    d.compile(optimizer=keras.optimizers.Adam(learning_rate))
    with interruptible() as stop:
        history = d.fit(x, y, epochs=int(epochs), batch_size=int(batch_size), validation_data=val,
                        shuffle=True, callbacks=[stop], verbose=verbose)
    if sync is not None:
        sync()
    if val is not None and verbose:
        acc = history.history.get("val_accuracy", [float("nan")])[-1]
        print(f"distilled student: validation accuracy {acc:.4f} ({len(val[0])} samples)")
    return student
