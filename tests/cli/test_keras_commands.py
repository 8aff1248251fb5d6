"""evaluate scores the three models side by side; prune refuses a sparsity outside (0, 1)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from support import tf


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "tinyedge.cli", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small classifier trained on a separable toy problem, saved and built."""
    d = tmp_path_factory.mktemp("eval")
    k = tf().keras
    k.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 6)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    m = k.Sequential([k.Input((6,)), k.layers.Dense(16, activation="relu"), k.layers.Dense(2)])
    m.compile("adam", k.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    m.fit(x[:300], y[:300], epochs=30, verbose=0)
    m.save(d / "m.keras")
    np.savez(d / "train.npz", x=x[:300], y=y[:300])
    np.savez(d / "val.npz", x=x[300:], y=y[300:])
    p = run_cli("build", d / "m.keras", "--calib", d / "train.npz", "-o", d / "out")
    assert p.returncode == 0, p.stderr
    return d


def test_evaluate_side_by_side(trained):
    d = trained
    p = run_cli("evaluate", d / "out", "--data", d / "val.npz", "--keras", d / "m.keras", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    print(r)
    assert r["metric"] == "accuracy" and r["samples"] == 100
    assert r["equal_to_tflm"] == 100 and r["tinyedge"] == r["tflm"]
    assert r["float"] > 0.85 and abs(r["tinyedge"] - r["float"]) <= 0.05
    text = run_cli("evaluate", d / "out", "--data", d / "val.npz").stdout
    assert "int8 (tinyedge)" in text and "100/100" in text


def test_evaluate_wrong_data(trained, tmp_path):
    np.savez(tmp_path / "bad.npz", x=np.zeros((5, 3), np.float32), y=np.zeros(5, np.int64))
    p = run_cli("evaluate", trained / "out", "--data", tmp_path / "bad.npz")
    assert p.returncode == 1 and p.stderr.startswith("error[E202]") and len(p.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("sparsity", ["0", "1", "-0.1", "1.5"])
def test_prune_sparsity_outside_0_1(trained, sparsity, tmp_path):
    p = run_cli("prune", trained / "m.keras", "--data", trained / "train.npz", "--sparsity", sparsity,
                "-o", tmp_path / "p.keras")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error[E001]") and "--sparsity" in lines[0]
    assert not (tmp_path / "p.keras").exists()


def test_prune_unstructured_command(trained, tmp_path):
    k = tf().keras
    p = run_cli("prune", trained / "m.keras", "--data", trained / "train.npz", "--val", trained / "val.npz",
                "--sparsity", "0.75", "--epochs", "2", "--exclude-last", "-q", "-o", tmp_path / "p.keras")
    assert p.returncode == 0, p.stderr
    m = k.models.load_model(tmp_path / "p.keras", compile=False)
    assert np.mean(m.layers[0].kernel.numpy() == 0) == 0.75
    assert np.mean(m.layers[1].kernel.numpy() == 0) == 0.0
    assert "params 146 -> 146" in p.stdout and "validation accuracy: before" in p.stdout


def test_prune_structured_command(trained, tmp_path):
    k = tf().keras
    p = run_cli("prune", trained / "m.keras", "--data", trained / "train.npz", "--sparsity", "0.5",
                "--structured", "--epochs", "1", "-q", "-o", tmp_path / "s.keras")
    assert p.returncode == 0, p.stderr
    m = k.models.load_model(tmp_path / "s.keras", compile=False)
    assert m.layers[0].kernel.shape == (6, 8) and m.count_params() == 74
    assert "params 146 -> 74" in p.stdout


@pytest.mark.parametrize("args, words", [
    (["--exclude", "nope"], "choose from"),
    (["--layer", "dense=x"], "NAME=SPARSITY"),
])
def test_prune_bad_layer_options(trained, tmp_path, args, words):
    p = run_cli("prune", trained / "m.keras", "--data", trained / "train.npz", "--sparsity", "0.5", *args,
                "-o", tmp_path / "p.keras")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error[E001]") and words in lines[0]
    assert not (tmp_path / "p.keras").exists()
