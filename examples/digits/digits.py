"""The digits example's data and models: scikit-learn's bundled 8x8 digits (no download).

Convention: the models output **logits** (their last layer is a linear Dense,
no softmax). Losses use ``from_logits=True``, the predicted class is the
argmax, and the int8 model's argmax is the same class. ``tinyedge distill``
accepts softmax outputs too, but everything here uses logits.

Reused by the example pipeline, the tests (``tests/compress/test_distill.py``)
and the CLI docs. Run it to write the files the CLI examples use::

    python examples/digits/digits.py out/digits [--n-train 100]
    tinyedge distill --teacher out/digits/teacher.keras --student out/digits/student.keras \\
        --data out/digits/train.npz --val out/digits/val.npz --temperature 4 --alpha 0.3 \\
        -o out/digits/student_distilled.keras
"""

from __future__ import annotations

import numpy as np

INPUT_SHAPE = (8, 8, 1)
N_CLASSES = 10


def load_digits_split(seed: int = 0, val_fraction: float = 0.2):
    """(x_train, y_train, x_val, y_val): float32 images in [0, 1] of shape (n, 8, 8, 1), int64
    labels 0-9; a stratified split, fixed by ``seed`` (1437 training and 360 validation samples)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    x_tr, x_va, y_tr, y_va = train_test_split(x, d.target.astype(np.int64), test_size=val_fraction,
                                              random_state=seed, stratify=d.target)
    return x_tr, y_tr, x_va, y_va


def subset(x, y, n: int, seed: int = 0):
    """``n`` samples drawn without replacement, fixed by ``seed`` (a small labelled budget)."""
    idx = np.random.default_rng(seed).choice(len(x), n, replace=False)
    return x[idx], y[idx]


def make_teacher():
    """A CNN of 93,962 parameters (logits out)."""
    import keras
    return keras.Sequential([
        keras.Input(INPUT_SHAPE),
        keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(N_CLASSES),
    ], name="teacher")


def make_student():
    """A CNN of 1,898 parameters, 2% of the teacher's (logits out)."""
    import keras
    return keras.Sequential([
        keras.Input(INPUT_SHAPE),
        keras.layers.Conv2D(8, 3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(N_CLASSES),
    ], name="student")


def train(model, x, y, epochs: int, seed: int = 0, learning_rate: float = 1e-3, batch_size: int = 32,
          verbose: int = 0):
    """Plain training on the labels (Adam, cross-entropy on logits), seeded; returns the model."""
    import keras
    keras.utils.set_random_seed(seed)
    model.compile(keras.optimizers.Adam(learning_rate), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=verbose)
    return model


def accuracy(model, x, y) -> float:
    """Share of samples whose argmax output is the label."""
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == np.asarray(y).reshape(-1)))


def main(argv=None) -> None:
    """Write train.npz, val.npz, calib.npz, teacher.keras (trained) and student.keras (untrained)."""
    import argparse
    from pathlib import Path
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--n-train", type=int, default=None, help="labelled samples in train.npz (default: all 1437)")
    p.add_argument("--epochs", type=int, default=10, help="teacher's training epochs")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    import keras
    a.out.mkdir(parents=True, exist_ok=True)
    xt, yt, xv, yv = load_digits_split(a.seed)
    teacher = train(make_teacher(), xt, yt, epochs=a.epochs, seed=a.seed)
    xs, ys = (xt, yt) if a.n_train is None else subset(xt, yt, a.n_train, a.seed)
    np.savez(a.out / "train.npz", x=xs, y=ys)
    np.savez(a.out / "val.npz", x=xv, y=yv)
    np.savez(a.out / "calib.npz", x=xt[:200])
    teacher.save(a.out / "teacher.keras")
    keras.utils.set_random_seed(a.seed)
    make_student().save(a.out / "student.keras")
    print(f"teacher: {teacher.count_params():,} params, validation accuracy {accuracy(teacher, xv, yv):.4f}; "
          f"wrote {', '.join(sorted(f.name for f in a.out.iterdir()))} to {a.out}")


if __name__ == "__main__":
    main()
