"""Knowledge distillation (Hinton et al., 2015) with a Keras 3 custom training step.

loss = alpha * CE(labels, student) + (1 - alpha) * T^2 * KL(softmax(teacher / T) || softmax(student / T))

alpha weighs the hard labels; T^2 keeps the soft term's gradients on the scale
of the hard term's. The teacher's logits are computed once, before training.
A model whose last layer applies softmax is handled through log-probabilities,
which differ from its logits by a per-sample constant that softmax ignores.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .data import DataError


def _logits(model, x, batch_size: int = 256) -> np.ndarray:
    out = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), np.float32)
    return np.log(np.clip(out, 1e-12, 1.0)) if _ends_in_softmax(model) else out


def _ends_in_softmax(model) -> bool:
    import keras
    act = getattr(model.layers[-1], "activation", None)
    return act is keras.activations.softmax or getattr(act, "__name__", "") == "softmax"


def _check(teacher, student, x, y, temperature, alpha) -> None:
    if not temperature > 0:
        raise UsageError(f"--temperature must be above 0, not {temperature}; 2 to 10 is usual")
    if not 0.0 <= alpha <= 1.0:
        raise UsageError(f"--alpha weighs the hard labels and must be within [0, 1], not {alpha}")
    if tuple(teacher.inputs[0].shape[1:]) != tuple(student.inputs[0].shape[1:]):
        raise UsageError(f"teacher input {list(teacher.inputs[0].shape[1:])} and student input "
                         f"{list(student.inputs[0].shape[1:])} differ; both must read the same data")
    n_t, n_s = int(teacher.outputs[0].shape[-1]), int(student.outputs[0].shape[-1])
    if n_t != n_s:
        raise UsageError(f"teacher has {n_t} outputs and student {n_s}; they must predict the same classes")
    y = np.asarray(y).reshape(-1)
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_s:
        raise DataError(f"labels must be integer class ids in [0, {n_s - 1}]")
    if tuple(x.shape[1:]) != tuple(student.inputs[0].shape[1:]):
        raise DataError(f"samples have shape {list(x.shape[1:])}, the models take {list(student.inputs[0].shape[1:])}")


def distill(teacher, student, x, y, temperature: float = 4.0, alpha: float = 0.1, epochs: int = 10,
            batch_size: int = 32, learning_rate: float = 1e-3, validation=None, seed: int = 0, verbose: int = 1):
    """Train `student` on the teacher's soft targets and the labels; return it (a plain Keras model)."""
    import keras
    import tensorflow as tf

    x = np.asarray(x, np.float32)
    _check(teacher, student, x, y, temperature, alpha)
    keras.utils.set_random_seed(seed)
    soft = _logits(teacher, x)
    from_probs = _ends_in_softmax(student)
    T = float(temperature)

    class Distiller(keras.Model):
        def __init__(self):
            super().__init__()
            self.student = student
            self.tracker = keras.metrics.Mean(name="loss")

        def call(self, inputs, training=False):
            return self.student(inputs, training=training)

        def train_step(self, data):
            xb, (yb, tb) = data
            with tf.GradientTape() as tape:
                out = self.student(xb, training=True)
                s = tf.math.log(tf.clip_by_value(out, 1e-12, 1.0)) if from_probs else out
                hard = keras.losses.sparse_categorical_crossentropy(yb, s, from_logits=True)
                p_t = tf.nn.softmax(tb / T)
                soft_loss = tf.reduce_sum(p_t * (tf.nn.log_softmax(tb / T) - tf.nn.log_softmax(s / T)), axis=-1)
                loss = tf.reduce_mean(alpha * hard + (1.0 - alpha) * T * T * soft_loss)
            variables = self.student.trainable_variables
            self.optimizer.apply(tape.gradient(loss, variables), variables)
            self.tracker.update_state(loss)
            return {"loss": self.tracker.result()}

        @property
        def metrics(self):
            return [self.tracker]

    d = Distiller()
    d.compile(optimizer=keras.optimizers.Adam(learning_rate))
    d.fit(x, (np.asarray(y).reshape(-1), soft), epochs=epochs, batch_size=batch_size, verbose=verbose)
    if validation is not None and verbose:
        xv, yv = validation
        acc = float(np.mean(np.argmax(student.predict(xv, verbose=0), axis=1) == np.asarray(yv).reshape(-1)))
        print(f"student validation accuracy {acc:.4f}")
    return student
