"""--board: the fit check refuses, in one line with both figures, a model the board cannot hold
(a test per case); `tinyedge boards` lists the boards and a typo gets the closest names."""

import subprocess
import sys

import pytest

from support import shared_models_dir
from tinyedge.boards import load_boards


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "tinyedge.cli", *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("model, board, over", [
    ("vww_96_int8", "arduino-uno", ("flash", "RAM")),     # both
    ("ad01_int8", "arduino-mega-2560", ("flash",)),       # 271 kB of weights, 248 KiB of flash
    ("kws_ref_model", "arduino-mega-2560", ("RAM",)),     # a 9 kB arena, 8 KiB of RAM
    ("micro_speech_quantized", "arduino-uno", ("RAM",)),
])
def test_model_too_big_for_board(model, board, over, tmp_path):
    p = run_cli("build", shared_models_dir() / f"{model}.tflite", "--board", board, "-o", tmp_path / "out")
    assert p.returncode == 1, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error[E105]") and board in lines[0], p.stderr
    b = load_boards()[board]
    for what in ("flash", "RAM"):
        limit = f"{(b.flash_bytes if what == 'flash' else b.ram_bytes):,}"
        assert (f"{what} " in lines[0] and f"of {limit}" in lines[0] and "over" in lines[0]) == (what in over), lines[0]
    assert "--force" in lines[0]
    assert not (tmp_path / "out").exists()


def test_force_builds_anyway(tmp_path):
    p = run_cli("build", shared_models_dir() / "kws_ref_model.tflite", "--board", "arduino-mega-2560", "--force",
                "-o", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    import re
    ram = int(re.search(r"RAM ([\d,]+) of 8,192", p.stdout).group(1).replace(",", ""))
    assert ram > 8192  # built anyway, and the overshoot is still shown
    assert (tmp_path / "out" / "Makefile").is_file()


def test_fits_and_reports(tmp_path):
    p = run_cli("build", shared_models_dir() / "hello_world_int8.tflite", "--board", "arduino-uno",
                "-o", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    assert "arduino-uno: flash" in p.stdout and "of 32,256 bytes" in p.stdout and "of 2,048" in p.stdout


def test_boards_lists_every_board():
    p = run_cli("boards")
    assert p.returncode == 0, p.stderr
    for name in load_boards():
        assert name in p.stdout
    assert "mps2-an386" in p.stdout and "simavr" in p.stdout


@pytest.mark.parametrize("typo, suggestion", [("nucleo-f401", "nucleo-f401re"), ("qemu-cortex-m5", "qemu-cortex-m55"),
                                              ("arduino-unoo", "arduino-uno")])
def test_unknown_board_suggests(typo, suggestion, tmp_path):
    p = run_cli("build", shared_models_dir() / "hello_world_int8.tflite", "--board", typo, "-o", tmp_path / "out")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error[E001]") and suggestion in lines[0]
    assert not (tmp_path / "out").exists()


def test_format_make_needs_a_board(tmp_path):
    p = run_cli("build", shared_models_dir() / "hello_world_int8.tflite", "--format", "make", "-o", tmp_path / "out")
    assert p.returncode == 2 and "--board" in p.stderr
