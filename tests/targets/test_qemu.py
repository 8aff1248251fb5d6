"""Boards under QEMU (issue 4): every shared model on qemu-cortex-m4 equal to host emulation and
TFLM byte for byte, hello_world and kws on the other emulated cores, deterministic profiles,
and the project folder building from its own Makefile anywhere.

Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm and make (.ci/run installs
them): missing tools skip locally with the reason and fail under CI.
"""

import json
import shutil
import subprocess

import numpy as np
import pytest

import tinyedge
from support import IN_CI, REPO, Tflm, random_inputs
from tinyedge.targets.qemu import run_and_check, run_firmware

TOOLS = ("arm-none-eabi-gcc", "qemu-system-arm", "make")
MODELS = ("hello_world_int8", "micro_speech_quantized", "ad01_int8", "kws_ref_model",
          "pretrainedResnet_quant", "vww_96_int8")
OTHER_CORES = ("qemu-cortex-m3", "qemu-cortex-m7", "qemu-cortex-m33", "qemu-cortex-m55")


@pytest.fixture(autouse=True)
def toolchain():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        msg = (f"{', '.join(missing)} not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
               "qemu-system-arm make)")
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)


def check_model(shared_models, name, board, tmp_path, seed=0):
    model = shared_models / f"{name}.tflite"
    r = tinyedge.compile(model, tmp_path / "out", board=board)
    x = random_inputs(r.manifest, np.random.default_rng(seed))
    fw, host = run_and_check(tmp_path / "out", x)
    ref = Tflm(model.read_bytes())
    tflm = ref.run(x, len(fw.outputs))
    for k, (a, b, c) in enumerate(zip(fw.outputs, host, tflm)):
        assert a.tobytes() == b.tobytes(), f"{name} on {board}: output {k} differs from host emulation"
        assert a.tobytes() == np.asarray(c).tobytes(), f"{name} on {board}: output {k} differs from TFLM"
    print(f"\n{name} on {board}: {fw.instructions:,} instructions, flash {fw.flash_bytes:,}, RAM {fw.ram_bytes:,}")
    return fw


@pytest.mark.parametrize("name", MODELS)
def test_shared_model_on_cortex_m4(shared_models, name, tmp_path):
    check_model(shared_models, name, "qemu-cortex-m4", tmp_path)


@pytest.mark.parametrize("board", OTHER_CORES)
@pytest.mark.parametrize("name", ("hello_world_int8", "kws_ref_model"))
def test_other_cores(shared_models, name, board, tmp_path):
    check_model(shared_models, name, board, tmp_path)


def test_profile_is_deterministic_and_adds_up(shared_models, tmp_path):
    tinyedge.compile(shared_models / "kws_ref_model.tflite", tmp_path / "out", board="qemu-cortex-m4")
    a = run_firmware(tmp_path / "out", profile=True)
    b = run_firmware(tmp_path / "out", profile=True)
    assert a.instructions == b.instructions and a.steps == b.steps
    manifest = json.loads((tmp_path / "out" / "tinyedge.json").read_text())
    assert len(a.steps) == sum(1 for op in manifest["ops"] if op["kernel"]) and all(n > 0 for n in a.steps)
    overhead = a.instructions - sum(a.steps)  # the hook's own clock reads, and the copies after the last layer
    print(f"\nkws on m4: total {a.instructions:,}, layers {sum(a.steps):,}, overhead {overhead:,}")
    assert 0 <= overhead <= 0.001 * a.instructions + 200 * len(a.steps)


def test_profile_command_json(shared_models, tmp_path):
    tinyedge.compile(shared_models / "hello_world_int8.tflite", tmp_path / "out", board="qemu-cortex-m3")
    p = subprocess.run(["tinyedge", "profile", str(tmp_path / "out"), "--json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    prof = json.loads(p.stdout)
    assert prof["board"] == "qemu-cortex-m3" and len(prof["layers"]) == 3
    assert prof["flash_bytes"] > 0 and prof["ram_bytes"] > 0
    assert sum(r["instructions"] for r in prof["layers"]) <= prof["instructions"]


def test_project_builds_elsewhere_with_its_makefile(shared_models, tmp_path):
    """Acceptance 4: copy the folder away from tinyedge and run `make` with nothing but the toolchain."""
    tinyedge.compile(shared_models / "micro_speech_quantized.tflite", tmp_path / "out", board="qemu-cortex-m4")
    elsewhere = tmp_path / "copied" / "project"
    shutil.copytree(tmp_path / "out", elsewhere)
    env = {"PATH": "/usr/bin:/bin"}
    p = subprocess.run(["make", "-s"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert (elsewhere / "micro_speech_quantized.elf").is_file()
    p = subprocess.run(["make", "-s", "run"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip().endswith("end"), p.stdout + p.stderr


@pytest.mark.parametrize("board, lib_tool", [("nucleo-f401re", "arm-none-eabi-gcc"), ("arduino-mega-2560", "avr-gcc")])
def test_bare_metal_project_builds_a_library(board, lib_tool, tmp_path):
    if shutil.which(lib_tool) is None:
        pytest.fail(f"{lib_tool} missing") if IN_CI else pytest.skip(f"{lib_tool} not installed")
    tinyedge.compile(REPO / "examples" / "digits" / "digits_int8.tflite", tmp_path / "out", board=board)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(tmp_path / "out", elsewhere)
    p = subprocess.run(["make", "-s"], cwd=elsewhere, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert (elsewhere / "libdigits_int8.a").is_file()
    assert "firmware" not in {f.name for f in elsewhere.iterdir()}
