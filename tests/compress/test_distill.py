"""Distillation on the digits: a student a quarter of the teacher's size or less,
trained with soft targets, beats the same student trained on labels alone."""

import sys

import numpy as np
import pytest

from support import REPO, tf
from tinyedge.compress.data import DataError
from tinyedge.compress.distill import distill
from tinyedge.errors import UsageError

sys.path.insert(0, str(REPO / "examples" / "digits"))
import digits  # noqa: E402

N_TRAIN, EPOCHS, LR = 100, 60, 3e-3  # little labelled data, where soft targets help most


@pytest.fixture(scope="module")
def teacher_and_data():
    tf()
    xt, yt, xv, yv = digits.load_digits_split()
    teacher = digits.train(digits.make_teacher(), xt, yt, epochs=10, seed=0)
    return teacher, xt, yt, xv, yv


def test_distilled_student_beats_plain_student(teacher_and_data, tmp_path):
    import keras
    teacher, xt, yt, xv, yv = teacher_and_data
    plain_acc, dist_acc = [], []
    for seed in (0, 1, 2):
        idx = np.random.default_rng(seed).choice(len(xt), N_TRAIN, replace=False)
        keras.utils.set_random_seed(seed)
        plain = digits.make_student()
        start = plain.get_weights()
        assert plain.count_params() * 4 <= teacher.count_params()
        digits.train(plain, xt[idx], yt[idx], epochs=EPOCHS, seed=seed, learning_rate=LR)
        student = digits.make_student()
        student.set_weights(start)
        distill(teacher, student, xt[idx], yt[idx], temperature=4.0, alpha=0.3, epochs=EPOCHS,
                learning_rate=LR, seed=seed, verbose=0)
        plain_acc.append(digits.accuracy(plain, xv, yv))
        dist_acc.append(digits.accuracy(student, xv, yv))
    print(f"teacher {teacher.count_params()} params, {digits.accuracy(teacher, xv, yv):.4f}; student "
          f"{plain.count_params()} params; plain {plain_acc}, distilled {dist_acc}")
    assert np.mean(dist_acc) > np.mean(plain_acc)
    student.save(tmp_path / "s.keras")
    again = keras.models.load_model(tmp_path / "s.keras")
    assert np.allclose(again.predict(xv[:8], verbose=0), student.predict(xv[:8], verbose=0))


@pytest.mark.parametrize("kwargs,err,text", [
    ({"temperature": 0.0}, UsageError, "--temperature"),
    ({"alpha": 1.5}, UsageError, "--alpha"),
    ({"alpha": -0.1}, UsageError, "--alpha"),
])
def test_bad_hyperparameters(teacher_and_data, kwargs, err, text):
    teacher, xt, yt, _, _ = teacher_and_data
    with pytest.raises(err, match=text):
        distill(teacher, digits.make_student(), xt[:10], yt[:10], epochs=1, verbose=0, **kwargs)


def test_mismatched_outputs_and_labels(teacher_and_data):
    import keras
    teacher, xt, yt, _, _ = teacher_and_data
    other = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    with pytest.raises(UsageError, match="outputs"):
        distill(teacher, other, xt[:10], yt[:10], epochs=1, verbose=0)
    with pytest.raises(DataError, match="class ids"):
        distill(teacher, digits.make_student(), xt[:10], yt[:10] + 20, epochs=1, verbose=0)
