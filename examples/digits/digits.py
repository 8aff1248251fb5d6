"""The digits example's data and models: scikit-learn's bundled 8x8 digits (no download).

Models output logits (no softmax layer): losses use from_logits, and the
argmax of the int8 output is the predicted class.
"""

from __future__ import annotations

import numpy as np


def load_digits_split(seed: int = 0, val_fraction: float = 0.2):
    """(x_train, y_train, x_val, y_val): float32 images in [0, 1], shape (n, 8, 8, 1), stratified split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    x_tr, x_va, y_tr, y_va = train_test_split(x, d.target.astype(np.int64), test_size=val_fraction,
                                              random_state=seed, stratify=d.target)
    return x_tr, y_tr, x_va, y_va


def make_teacher():
    import keras
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10),
    ], name="teacher")


def make_student():
    import keras
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(8, 3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ], name="student")


def train(model, x, y, epochs: int, seed: int = 0, learning_rate: float = 1e-3, verbose: int = 0):
    import keras
    keras.utils.set_random_seed(seed)
    model.compile(keras.optimizers.Adam(learning_rate), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=verbose)
    return model


def accuracy(model, x, y) -> float:
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))
