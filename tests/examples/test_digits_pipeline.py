"""The digits example end to end (examples/digits/pipeline.py): issue 3's acceptance on a fresh run,
and the committed int8 model that the README's first command builds."""

import sys

import numpy as np
import pytest

from support import REPO

sys.path.insert(0, str(REPO / "examples" / "digits"))
import digits  # noqa: E402
import pipeline  # noqa: E402


def test_pipeline_train_distill_prune_quantize_build_evaluate(tmp_path):
    fig = pipeline.run(tmp_path / "digits", seed=0)
    print("\n" + pipeline.report(fig))
    t, s, p, b, e = fig["teacher"], fig["student"], fig["pruned"], fig["build"], fig["evaluate"]
    assert s["params"] * 4 <= t["params"]
    # 80% unstructured: every pruned layer at 80% zeros, accuracy within 2 points of the unpruned student
    assert p["zeros"]["conv1"] == 0.0
    assert all(v == pytest.approx(0.8, abs=2e-3) for k, v in p["zeros"].items() if k != "conv1")
    assert p["accuracy"] >= s["accuracy"] - 0.02
    # the pruned layers are stored sparse, in at most 40% of their dense bytes
    assert len(b["sparse"]) == 3
    assert all(r["sparse_bytes"] <= 0.40 * r["dense_bytes"] for r in b["sparse"])
    assert all(r["sparse_macs"] <= 0.25 * r["dense_macs"] for r in b["sparse"])
    # int8 under tinyedge's emulation: within 1.5 points of float, every output equal to TFLM's
    assert e["samples"] == 360 and e["equal_to_tflm"] == 360
    assert e["tinyedge"] == e["tflm"]
    assert abs(e["tinyedge"] - e["float"]) <= 0.015
    assert e["float"] >= 0.95


def test_committed_model_is_the_readme_default(tmp_path):
    """examples/digits/digits_int8.tflite: builds sparse, equals TFLM on all 360 validation images."""
    import tinyedge
    from tinyedge.evaluate import evaluate
    _, _, xv, yv = digits.load_digits_split(0)
    np.savez(tmp_path / "val.npz", x=xv, y=yv)
    r = tinyedge.compile(REPO / "examples" / "digits" / "digits_int8.tflite", tmp_path / "out")
    assert [op["kernel"] for op in r.manifest["ops"]].count("te_conv2d_sparse_s8") == 1
    assert [op["kernel"] for op in r.manifest["ops"]].count("te_fully_connected_sparse_s8") == 2
    e = evaluate(tmp_path / "out", tmp_path / "val.npz")
    print(f"\ncommitted digits_int8: accuracy {e['tinyedge']:.4f}, {e['equal_to_tflm']}/360 equal to TFLM")
    assert e["equal_to_tflm"] == 360 and e["tinyedge"] >= 0.95
    x = np.load(REPO / "examples" / "digits" / "input.npy")
    assert x.shape == (1, 8, 8, 1) and x.dtype == np.float32


def test_readme_main_command(tmp_path):
    """The README's first set-up command, after its `pip install .`, run as written (out/ moved to tmp)."""
    import subprocess
    text = (REPO / "README.md").read_text()
    line = next(ln.strip() for ln in text.splitlines() if ln.strip().startswith("pip install . && tinyedge build"))
    cmd = " && ".join(part.strip() for part in line.split("&&")[1:]).replace(" out/", f" {tmp_path}/out/")
    assert "examples/digits/digits_int8.tflite" in cmd
    p = subprocess.run(cmd, shell=True, cwd=REPO, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "sparse 3 layers" in p.stdout and "argmax: 7" in p.stdout  # input.npy is a 7
