"""`tinyedge emulate --compare`: names the first layer that differs from TFLM."""

import re
import subprocess
import sys

import numpy as np

import tinyedge
from support import shared_models_dir
from tinyedge.targets.tflm import compare_with_tflm


def test_equal_model_reports_equal(tmp_path):
    model = shared_models_dir() / "kws_ref_model.tflite"
    tinyedge.compile(model, tmp_path / "out", name="kws")
    x = np.random.default_rng(3).integers(-128, 128, (1, 49, 10, 1), dtype=np.int8)
    r = compare_with_tflm(model, tmp_path / "out", [x])
    assert r["equal"] and r["layers"] == 12 and r["first_difference"] is None


def test_tampered_layer_is_found(tmp_path):
    model = shared_models_dir() / "kws_ref_model.tflite"
    out = tmp_path / "out"
    r = tinyedge.compile(model, out, name="kws")
    third = [op for op in r.manifest["ops"] if op["kernel"]][3]
    src = out / "kws_model.c"
    text = src.read_text()
    # shift the output zero point of the fourth kernel call by one: a one-layer bug
    block = re.search(r"static const te_conv_params_t kws_p3 = \{.*?\};", text, re.S).group(0)
    zp = int(re.search(r"\.out_offset = (-?\d+)", block).group(1))
    src.write_text(text.replace(block, block.replace(f".out_offset = {zp},", f".out_offset = {zp + 1},")))
    np.save(tmp_path / "x.npy", np.random.default_rng(3).integers(-128, 128, (1, 49, 10, 1), dtype=np.int8))
    p = subprocess.run([sys.executable, "-m", "tinyedge.cli", "emulate", str(out), "-i", str(tmp_path / "x.npy"),
                        "--compare", str(model)], capture_output=True, text=True)
    assert p.returncode == 1, p.stderr
    assert f"first at op {third['index']} " in p.stdout, p.stdout
