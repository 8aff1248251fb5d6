"""Pruning (tinyedge/compress/prune.py): the schedule, the masks, structured rewiring, and the
digits teacher pruned both ways. The 80% unstructured acceptance on the deployed model is in
tests/examples/test_digits_pipeline.py."""

import sys

import numpy as np
import pytest

from support import REPO, tf
from tinyedge.compress.prune import (count_params_and_macs, first_and_last_prunable, magnitude_mask,
                                     polynomial_sparsity, prunable_layers, prune_structured, prune_unstructured)
from tinyedge.errors import UsageError

sys.path.insert(0, str(REPO / "examples" / "digits"))
import digits  # noqa: E402


@pytest.fixture(scope="module")
def teacher():
    xt, yt, xv, yv = digits.load_digits_split(0)
    m = digits.train(digits.make_teacher(), xt, yt, epochs=10, seed=0)
    return m, m.get_weights(), xt, yt, xv, yv


def test_polynomial_schedule():
    assert polynomial_sparsity(0, 100, 0.8) == 0.0
    assert polynomial_sparsity(100, 100, 0.8) == pytest.approx(0.8)
    assert polynomial_sparsity(500, 100, 0.8) == pytest.approx(0.8)
    assert polynomial_sparsity(50, 100, 0.8) == pytest.approx(0.8 * (1 - 0.5 ** 3))
    steps = [polynomial_sparsity(s, 100, 0.8) for s in range(101)]
    assert all(a <= b for a, b in zip(steps, steps[1:]))


def test_magnitude_mask_exact_and_monotone():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 3, 4, 8)).astype(np.float32)
    m1 = magnitude_mask(w, 0.3)
    assert int((m1 == 0).sum()) == round(0.3 * w.size)
    assert np.abs(w[m1 == 0]).max() <= np.abs(w[m1 == 1]).min()
    w2 = w * m1 + rng.normal(scale=5.0, size=w.shape).astype(np.float32) * (m1 == 0)  # dead weights grow back
    m2 = magnitude_mask(w2, 0.6, alive=m1)
    assert int((m2 == 0).sum()) == round(0.6 * w.size)
    assert np.all(m2[m1 == 0] == 0), "a pruned weight came back"


def test_unstructured_80_percent_on_teacher(teacher):
    m, w0, xt, yt, xv, yv = teacher
    m.set_weights(w0)
    base = digits.accuracy(m, xv, yv)
    before = count_params_and_macs(m)
    conv1, conv2, fc1, fc2 = (layer.name for layer in prunable_layers(m))  # Keras numbers names per process
    prune_unstructured(m, xt, yt, sparsity=0.8, epochs=3, overrides={fc1: 0.9}, exclude=[conv1], verbose=0)
    acc = digits.accuracy(m, xv, yv)
    zeros = {layer.name: float(np.mean(layer.kernel.numpy() == 0)) for layer in prunable_layers(m)}
    print(f"\nteacher {base:.4f}, 80% unstructured {acc:.4f}; zeros {zeros}")
    assert zeros[conv1] == 0.0
    assert zeros[fc1] == pytest.approx(0.9, abs=1e-3)
    assert zeros[conv2] == pytest.approx(0.8, abs=1e-3) and zeros[fc2] == pytest.approx(0.8, abs=1e-3)
    assert count_params_and_macs(m) == before  # the same shapes: zeros, not fewer weights
    assert acc >= base - 0.02


def test_structured_50_percent_on_teacher(teacher, tmp_path):
    import keras
    m, w0, xt, yt, xv, yv = teacher
    m.set_weights(w0)
    base = digits.accuracy(m, xv, yv)
    (p0, c0) = count_params_and_macs(m)
    pruned = prune_structured(m, xt, yt, fraction=0.5, epochs=4, verbose=0)
    pruned.save(tmp_path / "s.keras")
    saved = keras.models.load_model(tmp_path / "s.keras", compile=False)
    p1, c1 = count_params_and_macs(saved)
    acc = digits.accuracy(saved, xv, yv)
    widths = [layer.kernel.shape[-1] for layer in prunable_layers(saved)]
    print(f"\nteacher {p0:,} params {c0:,} MACs {base:.4f}; 50% of filters removed: {p1:,} params "
          f"({p1 / p0:.1%}), {c1:,} MACs ({c1 / c0:.1%}), accuracy {acc:.4f}; widths {widths}")
    assert widths == [16, 32, 64, 10]
    assert p1 <= 0.55 * p0 and c1 <= 0.55 * c0
    assert acc >= base - 0.03


def test_structured_rewiring_keeps_outputs():
    """Filters that are exactly zero are the ones removed; without fine-tuning, the smaller
    model computes the same function through batch norm, depthwise, pooling and Flatten."""
    k = tf().keras
    k.utils.set_random_seed(1)
    m = k.Sequential([
        k.Input((8, 8, 3)),
        k.layers.Conv2D(8, 3, padding="same", name="c1"),
        k.layers.BatchNormalization(name="bn"),
        k.layers.ReLU(),
        k.layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw"),
        k.layers.MaxPooling2D(),
        k.layers.Conv2D(6, 1, activation="relu", name="c2"),
        k.layers.Flatten(),
        k.layers.Dense(5, name="d1"),
        k.layers.Dense(3, name="out"),
    ])
    rng = np.random.default_rng(1)
    for layer in m.layers:  # random batch-norm statistics, so slicing them matters
        if isinstance(layer, k.layers.BatchNormalization):
            layer.set_weights([rng.uniform(0.5, 2, 8), rng.normal(size=8), rng.normal(size=8),
                               rng.uniform(0.5, 2, 8)])
    dead = {"c1": [1, 4, 6, 7], "c2": [0, 3, 5], "d1": [2, 3]}
    for name, idx in dead.items():
        ws = m.get_layer(name).get_weights()
        ws[0][..., idx] = 0.0
        ws[1][idx] = 0.0
        m.get_layer(name).set_weights(ws)
    # a zero c1 filter still feeds batch norm's shift; make that shift 0 too, so the channel is truly dead
    bn = m.get_layer("bn").get_weights()
    bn[1][dead["c1"]] = bn[0][dead["c1"]] * bn[2][dead["c1"]] / np.sqrt(bn[3][dead["c1"]] + 1e-3)
    m.get_layer("bn").set_weights(bn)
    x = rng.normal(size=(16, 8, 8, 3)).astype(np.float32)
    y = rng.integers(0, 3, 16)
    want = m.predict(x, verbose=0)
    pruned = prune_structured(m, x, y, fraction=0.5, epochs=0, verbose=0)
    widths = {layer.name: layer.get_weights()[0].shape[-1] for layer in pruned.layers if layer.get_weights()}
    assert widths["c1"] == 4 and widths["c2"] == 3 and widths["d1"] == 3 and widths["out"] == 3
    assert widths["dw"] == 2  # depth multiplier; its channels follow c1's
    np.testing.assert_allclose(pruned.predict(x, verbose=0), want, rtol=1e-4, atol=1e-4)


def test_structured_refuses_branches():
    k = tf().keras
    inp = k.Input((8,))
    h = k.layers.Dense(8, name="a")(inp)
    out = k.layers.Dense(2, name="b")(k.layers.Add()([h, k.layers.Dense(8, name="c")(inp)]))
    m = k.Model(inp, out)
    with pytest.raises(UsageError, match="chain of layers"):
        prune_structured(m, np.zeros((4, 8), np.float32), np.zeros(4, np.int64), fraction=0.5, epochs=0)


def test_one_shot_and_layer_names():
    k = tf().keras
    k.utils.set_random_seed(0)
    m = k.Sequential([k.Input((10,)), k.layers.Dense(20, name="h"), k.layers.Dense(4, name="o")])
    assert first_and_last_prunable(m) == ("h", "o")
    x, y = np.zeros((8, 10), np.float32), np.zeros(8, np.int64)
    prune_unstructured(m, x, y, sparsity=0.5, epochs=0, overrides={"o": 0.25})
    assert np.mean(m.get_layer("h").kernel.numpy() == 0) == 0.5
    assert np.mean(m.get_layer("o").kernel.numpy() == 0) == 0.25
    with pytest.raises(UsageError, match=r"choose from \['h', 'o'\]"):
        prune_unstructured(m, x, y, sparsity=0.5, epochs=0, exclude=["nope"])
    with pytest.raises(UsageError, match="in \\(0, 1\\)"):
        prune_unstructured(m, x, y, sparsity=0.5, epochs=0, overrides={"h": 1.0})
