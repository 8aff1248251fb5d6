"""tinyedge report: one self-contained HTML file (no external references) that headless Chromium
renders with its plots; the test keeps a screenshot and checks it is not blank."""

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import tinyedge
from support import IN_CI, shared_models_dir


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "tinyedge.cli", *map(str, args)], capture_output=True, text=True)


def test_report_renders_in_headless_chromium(tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.fail("chromium missing") if IN_CI else pytest.skip("chromium not installed (apt-get install chromium)")
    tinyedge.compile(shared_models_dir() / "kws_ref_model.tflite", tmp_path / "out", board="qemu-cortex-m4")
    args = []
    if shutil.which("qemu-system-arm"):
        prof = run_cli("profile", tmp_path / "out", "--json")
        assert prof.returncode == 0, prof.stderr
        (tmp_path / "p.json").write_text(prof.stdout)
        args = ["--profile", tmp_path / "p.json"]
    p = run_cli("report", tmp_path / "out", "-o", tmp_path / "report.html", *args)
    assert p.returncode == 0, p.stderr
    page = (tmp_path / "report.html").read_text()
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == (4 if args else 3)
    assert not re.search(r'(src|href)="(http|//)', page)  # self-contained: nothing to fetch
    arena = json.loads((tmp_path / "out" / "tinyedge.json").read_text())["arena_bytes"]
    assert "te_conv2d" in page and f"arena {arena:,} bytes" in page
    shot = tmp_path / "report.png"
    r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--screenshot={shot}", "--window-size=1200,2600", f"file://{tmp_path / 'report.html'}"],
                       capture_output=True, text=True, timeout=120)
    assert shot.is_file(), r.stderr[-500:]
    from PIL import Image
    img = np.asarray(Image.open(shot).convert("RGB"))
    non_white = np.mean(np.any(img < 235, axis=2))
    colours = len(np.unique(img.reshape(-1, 3), axis=0))
    print(f"\nscreenshot {img.shape[1]}x{img.shape[0]}: {non_white:.1%} non-white, {colours} colours")
    assert non_white > 0.05 and colours > 100  # the table and the plots, not an empty page
    shutil.copy(shot, tmp_path / "kept.png")


def test_report_of_a_missing_folder(tmp_path):
    p = run_cli("report", tmp_path / "nope", "-o", tmp_path / "r.html")
    assert p.returncode in (1, 2) and p.stderr.startswith("error[") and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()
