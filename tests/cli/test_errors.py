"""Bad input ends in one clear line and a non-zero exit, never a traceback."""

import subprocess
import sys

import numpy as np
import pytest

from support import REPO, shared_models_dir, tf, to_int8_tflite


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "tinyedge.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def assert_one_line_error(p, code, rc=1):
    assert p.returncode == rc, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"error[{code}]: ")
    assert "Traceback" not in p.stderr + p.stdout


def test_truncated_file(tmp_path):
    data = (shared_models_dir() / "kws_ref_model.tflite").read_bytes()
    for n in (4, 100, 5000, len(data) // 2):
        bad = tmp_path / f"trunc{n}.tflite"
        bad.write_bytes(data[:n])
        p = run_cli("build", bad, "-o", tmp_path / f"out{n}")
        assert_one_line_error(p, "E101")
        assert not (tmp_path / f"out{n}").exists(), "no half-written output folder"


def test_not_a_tflite_file(tmp_path):
    bad = tmp_path / "notes.tflite"
    bad.write_text("hello, this is not a model\n" * 10)
    p = run_cli("build", bad, "-o", tmp_path / "out")
    assert_one_line_error(p, "E101")
    assert "not a .tflite model" in p.stderr


def test_missing_file(tmp_path):
    p = run_cli("build", tmp_path / "nope.tflite", "-o", tmp_path / "out")
    assert_one_line_error(p, "E001", rc=2)


def test_float_model(tmp_path):
    k = tf().keras
    m = k.Sequential([k.Input((4,)), k.layers.Dense(3)])
    conv = tf().lite.TFLiteConverter.from_keras_model(m)
    path = tmp_path / "float.tflite"
    path.write_bytes(conv.convert())
    p = run_cli("build", path, "-o", tmp_path / "out")
    assert_one_line_error(p, "E102")
    assert "--calib" in p.stderr


def test_unsupported_op_lists_every_one(tmp_path):
    k = tf().keras
    inp = k.Input((8, 8, 2))
    x = k.layers.Conv2DTranspose(2, 3)(inp)
    x = k.layers.Conv2D(2, 3)(x)
    y = k.layers.Conv2DTranspose(2, 3)(x)
    path = tmp_path / "unsupported.tflite"
    path.write_bytes(to_int8_tflite(k.Model(inp, y), np.random.default_rng(0)))
    p = run_cli("build", path, "-o", tmp_path / "out")
    assert_one_line_error(p, "E103")
    assert p.stderr.count("TRANSPOSE_CONV") == 2
    assert "#3 TRANSPOSE_CONV" in p.stderr and "#8 TRANSPOSE_CONV" in p.stderr


def test_refuses_foreign_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    p = run_cli("build", shared_models_dir() / "hello_world_int8.tflite", "-o", tmp_path / "mine")
    assert_one_line_error(p, "E002", rc=2)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_wrong_input_shape(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", shared_models_dir() / "kws_ref_model.tflite", "-o", out).returncode == 0
    np.save(tmp_path / "x.npy", np.zeros((3, 3), np.int8))
    p = run_cli("emulate", out, "-i", tmp_path / "x.npy")
    assert_one_line_error(p, "E201")
    assert "[1, 49, 10, 1]" in p.stderr


def test_emulate_prints_outputs(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", REPO / "examples/sine/sine_int8.tflite", "-o", out).returncode == 0
    np.save(tmp_path / "x.npy", np.array([[0.5]], np.float32))
    p = run_cli("emulate", out, "-i", tmp_path / "x.npy", "--save", tmp_path / "y.npz")
    assert p.returncode == 0, p.stderr
    assert "output 0" in p.stdout
    assert np.load(tmp_path / "y.npz")["out0"].shape == (1, 1)


def test_error_catalogue_lists_codes():
    p = run_cli("errors")
    assert p.returncode == 0
    for code in ("E001", "E002", "E101", "E102", "E103", "E201"):
        assert code in p.stdout


@pytest.mark.parametrize("args", [["build"], ["nosuch"], ["build", "m.tflite", "-o", "o", "--arena", "nope"],
                                  ["emulate", ".", "-i", "/dev/null"], ["prune", "m.keras"]])
def test_usage_errors_are_one_line(args, tmp_path):
    p = subprocess.run([sys.executable, "-m", "tinyedge.cli", *args], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error[E001]: ") and "Traceback" not in p.stderr
