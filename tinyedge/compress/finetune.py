"""Fine-tuning shared by pruning: the loss a model's labels call for, and Keras's verbosity.

tinyedge loads models uncompiled, so the loss is chosen from the data:
integer class ids with several outputs mean cross-entropy (on logits, or on
probabilities when the last layer applies softmax); anything else is
regression (mean squared error).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

import numpy as np


def ends_in_softmax(model) -> bool:
    import keras
    layers = getattr(model, "layers", None)
    if not layers:
        return False
    last = layers[-1]
    act = getattr(last, "activation", None)
    return (isinstance(last, keras.layers.Softmax) or act is keras.activations.softmax
            or getattr(act, "__name__", "") == "softmax")


def is_classification(model, y) -> bool:
    y = np.asarray(y)
    n_out = int(model.outputs[0].shape[-1] or 1)
    return n_out > 1 and y.dtype.kind in "iu" and y.reshape(len(y), -1).shape[1] == 1


def compile_for(model, y, learning_rate: float = 1e-3) -> None:
    """Compile ``model`` with Adam and the loss (and metric) its labels call for."""
    import keras
    if is_classification(model, y):
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(model))
        metrics = ["accuracy"]
    else:
        loss, metrics = keras.losses.MeanSquaredError(), ["mse"]
    model.compile(keras.optimizers.Adam(learning_rate), loss, metrics=metrics)


def score(model, x, y) -> float:
    """Accuracy (classification) or mean squared error (regression) of ``model`` on (x, y)."""
    pred = np.asarray(model.predict(np.asarray(x, np.float32), batch_size=256, verbose=0))
    if is_classification(model, y):
        return float(np.mean(np.argmax(pred, axis=-1) == np.asarray(y).reshape(-1)))
    return float(np.mean((pred.reshape(len(pred), -1) - np.asarray(y, np.float32).reshape(len(pred), -1)) ** 2))


def keras_verbose(verbose: int | None) -> int:
    """Keras's verbosity: a progress bar on a terminal, a line per epoch in logs, or silence."""
    if verbose is not None:
        return verbose
    return 1 if sys.stdout.isatty() else 2


@contextlib.contextmanager
def interruptible():
    """A Keras callback under which Ctrl-C stops ``fit`` at the next batch, as KeyboardInterrupt.

    An interrupt that lands inside TF's C++ step can crash the process
    (``free(): invalid next size`` seen with TF 2.21), so the signal only sets
    a flag and the callback raises between steps. A second Ctrl-C acts at once.
    """
    import keras
    hit = []

    class StopOnInterrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if hit:
                raise KeyboardInterrupt

        on_test_batch_end = on_predict_batch_end = on_train_batch_end

    if threading.current_thread() is not threading.main_thread():
        yield StopOnInterrupt()
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        hit.append(signum)
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield StopOnInterrupt()
    finally:
        signal.signal(signal.SIGINT, previous)
