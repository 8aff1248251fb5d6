"""Distillation on the digits: a student with at most a quarter of the teacher's
parameters, trained with soft targets, beats the same student trained on the
labels alone; plus softmax outputs, saving, and the errors a user can cause."""

import sys

import numpy as np
import pytest

from support import REPO, tf
from tinyedge.compress.data import DataError
from tinyedge.compress.distill import distill
from tinyedge.errors import UsageError

sys.path.insert(0, str(REPO / "examples" / "digits"))
import digits  # noqa: E402

# A small labelled budget, where soft targets help most: with all 1437 samples
# the plain student reaches ~97% as well. The teacher still sees all of them.
N_TRAIN, EPOCHS, LR = 100, 60, 3e-3
TEMPERATURE, ALPHA = 4.0, 0.3
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def teacher_and_data():
    tf()
    xt, yt, xv, yv = digits.load_digits_split()
    teacher = digits.train(digits.make_teacher(), xt, yt, epochs=10, seed=0)
    return teacher, xt, yt, xv, yv


def test_distilled_student_beats_plain_student(teacher_and_data):
    import keras
    teacher, xt, yt, xv, yv = teacher_and_data
    before = [w.copy() for w in teacher.get_weights()]
    plain_acc, dist_acc = [], []
    for seed in SEEDS:
        xs, ys = digits.subset(xt, yt, N_TRAIN, seed)
        keras.utils.set_random_seed(seed)
        plain = digits.make_student()
        start = plain.get_weights()
        digits.train(plain, xs, ys, epochs=EPOCHS, seed=seed, learning_rate=LR)
        student = digits.make_student()
        student.set_weights(start)  # the same initial weights, the same seed
        out = distill(teacher, student, xs, ys, temperature=TEMPERATURE, alpha=ALPHA, epochs=EPOCHS,
                      learning_rate=LR, seed=seed, verbose=0)
        assert out is student
        plain_acc.append(digits.accuracy(plain, xv, yv))
        dist_acc.append(digits.accuracy(student, xv, yv))
        print(f"\nseed {seed}: plain {plain_acc[-1]:.4f}, distilled {dist_acc[-1]:.4f}", end="")
    t_params, s_params = teacher.count_params(), student.count_params()
    print(f"\nteacher {t_params:,} params, validation accuracy {digits.accuracy(teacher, xv, yv):.4f}; "
          f"student {s_params:,} params ({s_params / t_params:.1%}); {N_TRAIN} labelled samples, "
          f"{EPOCHS} epochs, T={TEMPERATURE}, alpha={ALPHA}: plain {np.mean(plain_acc):.4f}, "
          f"distilled {np.mean(dist_acc):.4f} (mean of {len(SEEDS)} seeds)")
    assert s_params * 4 <= t_params
    assert np.mean(dist_acc) > np.mean(plain_acc)
    assert all(np.array_equal(a, b) for a, b in zip(before, teacher.get_weights())), "the teacher changed"


def test_distilled_student_saves_and_reloads(teacher_and_data, tmp_path):
    import keras
    teacher, xt, yt, xv, yv = teacher_and_data
    student = distill(teacher, digits.make_student(), xt[:64], yt[:64], epochs=1, verbose=0,
                      validation=(xv[:32], yv[:32]))
    assert type(student) is keras.Sequential
    student.save(tmp_path / "s.keras")
    again = keras.models.load_model(tmp_path / "s.keras")
    assert np.allclose(again.predict(xv[:8], verbose=0), student.predict(xv[:8], verbose=0))


def _softmax_student():
    import keras
    m = digits.make_student()
    layers = [keras.Input(digits.INPUT_SHAPE)] + [l.__class__.from_config(l.get_config()) for l in m.layers]
    layers[-1] = keras.layers.Dense(10, activation="softmax")
    sm = keras.Sequential(layers)
    sm.set_weights(m.get_weights())
    return m, sm


def test_softmax_outputs_train_as_logits(teacher_and_data):
    """A student ending in Dense(softmax) and a teacher ending in a Softmax layer
    train exactly as their logits versions do."""
    import keras
    teacher, xt, yt, _, _ = teacher_and_data
    keras.utils.set_random_seed(7)
    logits_student, softmax_student = _softmax_student()
    softmax_teacher = keras.Sequential([keras.Input(digits.INPUT_SHAPE), teacher, keras.layers.Softmax()])
    x, y = xt[:64], yt[:64]
    distill(teacher, logits_student, x, y, epochs=2, seed=3, verbose=0)
    out = distill(softmax_teacher, softmax_student, x, y, epochs=2, seed=3, verbose=0)
    assert out is softmax_student and softmax_student.layers[-1].activation is keras.activations.softmax
    for a, b in zip(logits_student.get_weights(), softmax_student.get_weights()):
        assert np.allclose(a, b, atol=1e-5)
    p = softmax_student.predict(x[:4], verbose=0)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("kwargs,text", [
    ({"temperature": 0.0}, "--temperature must be above 0"),
    ({"temperature": -2.0}, "--temperature must be above 0"),
    ({"alpha": 1.5}, "--alpha .* within \\[0, 1\\]"),
    ({"alpha": -0.1}, "--alpha .* within \\[0, 1\\]"),
    ({"epochs": 0}, "--epochs"),
])
def test_bad_hyperparameters(teacher_and_data, kwargs, text):
    teacher, xt, yt, _, _ = teacher_and_data
    with pytest.raises(UsageError, match=text) as e:
        distill(teacher, digits.make_student(), xt[:10], yt[:10], verbose=0, **kwargs)
    assert "\n" not in str(e.value) and e.value.exit_code == 2


def test_mismatched_models(teacher_and_data):
    import keras
    teacher, xt, yt, _, _ = teacher_and_data
    three = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    with pytest.raises(UsageError, match="teacher has 10 outputs and the student 3"):
        distill(teacher, three, xt[:10], yt[:10], verbose=0)
    wide = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(UsageError, match="same input shape"):
        distill(teacher, wide, xt[:10], yt[:10], verbose=0)


@pytest.mark.parametrize("make,text", [
    (lambda x, y: (x, y + 20), "class ids in \\[0, 9\\]"),
    (lambda x, y: (x, np.eye(10)[y]), "one-hot"),
    (lambda x, y: (x, y + 0.5), "not class ids"),
    (lambda x, y: (x, y[:5]), "5 training labels for 10 samples"),
    (lambda x, y: (x[..., 0], y), "samples have shape \\[8, 8\\]"),
])
def test_bad_data(teacher_and_data, make, text):
    teacher, xt, yt, _, _ = teacher_and_data
    x, y = make(xt[:10], yt[:10])
    with pytest.raises(DataError, match=text) as e:
        distill(teacher, digits.make_student(), x, y, verbose=0)
    assert "\n" not in str(e.value)
