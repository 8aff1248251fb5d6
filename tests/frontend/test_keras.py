"""Keras models in: .keras, .h5 and SavedModel, calibration from files, arrays,
iterables, callables and image folders; bit-exact with TFLM on the converted model;
bad calibration and unconvertible layers end in one line."""

import subprocess
import sys

import numpy as np
import pytest

import tinyedge
from support import Tflm, random_inputs, tf
from tinyedge.compress.data import DataError
from tinyedge.targets.host import load


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small CNN saved three ways, and calibration data."""
    d = tmp_path_factory.mktemp("keras")
    k = tf().keras
    k.utils.set_random_seed(1)
    m = k.Sequential([k.Input((8, 8, 1)), k.layers.Conv2D(6, 3, activation="relu"),
                      k.layers.MaxPooling2D(), k.layers.Flatten(), k.layers.Dense(10, activation="softmax")])
    m.save(d / "m.keras")
    m.save(d / "m.h5")
    m.export(str(d / "saved"), verbose=False)
    x = np.random.default_rng(0).random((64, 8, 8, 1)).astype(np.float32)
    np.savez(d / "calib.npz", x=x)
    np.save(d / "calib.npy", x)
    return d, m, x


def check_against_tflm(out):
    hm = load(out)
    ref = Tflm((out / hm.manifest["tflite"]).read_bytes())
    rng = np.random.default_rng(5)
    for _ in range(10):
        xs = random_inputs(hm.manifest, rng)
        assert hm.run(xs)[0].tobytes() == ref.run(xs, 1)[0].tobytes()


@pytest.mark.parametrize("fmt", ["m.keras", "m.h5", "saved"])
def test_build_keras_formats_bitexact(small, fmt, tmp_path):
    d, _, _ = small
    r = tinyedge.compile(d / fmt, tmp_path / "out", calib=d / "calib.npz", name="digits")
    kinds = [op["kind"] for op in r.manifest["ops"]]
    assert kinds[:2] == ["CONV_2D", "MAX_POOL_2D"] and "SHAPE" not in kinds  # batch fixed to 1
    assert r.manifest["inputs"][0]["dtype"] == "int8" and r.manifest["outputs"][0]["dtype"] == "int8"
    check_against_tflm(tmp_path / "out")


def test_calibration_sources_agree(small, tmp_path):
    """An .npy, an array, an iterable and a callable of the same samples give the same model."""
    d, m, x = small
    builds = []
    for k, calib in enumerate([d / "calib.npy", x, list(x), lambda: x]):
        tinyedge.compile(m if k % 2 else d / "m.keras", tmp_path / f"o{k}", calib=calib, name="m")
        builds.append((tmp_path / f"o{k}" / "m.tflite").read_bytes())
    assert all(len(b) == len(builds[0]) for b in builds)
    for k in range(1, 4):
        assert (tmp_path / f"o{k}" / "m_model.c").read_bytes() == (tmp_path / "o0" / "m_model.c").read_bytes()


def test_calibration_from_image_folder(small, tmp_path):
    from PIL import Image
    d, _, x = small
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for i in range(20):
        Image.fromarray((x[i, :, :, 0] * 255).astype(np.uint8)).save(imgs / f"{i:02d}.png")
    r = tinyedge.compile(d / "m.keras", tmp_path / "out", calib=imgs)
    assert r.manifest["ops"][0]["kind"] == "CONV_2D"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "tinyedge.cli", *map(str, args)], capture_output=True, text=True)


def one_line(p, code):
    assert p.returncode == 1, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error[{code}]"), p.stderr
    return lines[0]


def test_missing_calibration(small, tmp_path):
    d, _, _ = small
    line = one_line(run_cli("build", d / "m.keras", "-o", tmp_path / "out"), "E202")
    assert "--calib" in line
    assert not (tmp_path / "out").exists()


def test_calibration_file_missing(small, tmp_path):
    d, _, _ = small
    one_line(run_cli("build", d / "m.keras", "--calib", tmp_path / "nope.npz", "-o", tmp_path / "out"), "E202")


def test_wrong_calibration_shape(small, tmp_path):
    d, _, x = small
    np.save(tmp_path / "bad.npy", x[:, :, :4])
    line = one_line(run_cli("build", d / "m.keras", "--calib", tmp_path / "bad.npy", "-o", tmp_path / "out"), "E202")
    assert "[8, 4, 1]" in line and "[8, 8, 1]" in line


def test_too_few_calibration_samples(small):
    d, m, x = small
    with pytest.raises(DataError, match="at least"):
        tinyedge.compile(m, d / "never", calib=x[:3])


def test_layer_the_converter_cannot_make_int8(tmp_path):
    k = tf().keras
    k.Sequential([k.Input((6, 4)), k.layers.GRU(3)]).save(tmp_path / "gru.keras")
    np.save(tmp_path / "c.npy", np.zeros((20, 6, 4), np.float32))
    line = one_line(run_cli("build", tmp_path / "gru.keras", "--calib", tmp_path / "c.npy",
                            "-o", tmp_path / "out"), "E103")
    assert "converter" in line
    assert not (tmp_path / "out").exists()


def test_calib_with_tflite_is_a_usage_error(small, tmp_path):
    d, _, _ = small
    r = tinyedge.compile(d / "m.keras", tmp_path / "a", calib=d / "calib.npz", name="m")
    p = run_cli("build", tmp_path / "a" / "m.tflite", "--calib", d / "calib.npz", "-o", tmp_path / "b")
    assert p.returncode == 2 and "drop --calib" in p.stderr
    assert r.manifest["tflite"] == "m.tflite"
