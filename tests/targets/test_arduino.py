"""Arduino library and PlatformIO exports (issue 5): built by the real Arduino builder for the
ATmega2560 and run under simavr equal to host emulation; the library's C warning-free for the
Nano 33 BLE's Cortex-M4F; the .zip found by the builder once unpacked; PlatformIO projects parsed
by PlatformIO's own config reader.

Needs arduino-builder, arduino-core-avr, gcc-avr, simavr and gcc-arm-none-eabi (.ci/run
installs them): missing tools skip locally with the reason and fail under CI.
"""

import shutil
import subprocess
import zipfile

import numpy as np
import pytest

import tinyedge
from support import IN_CI, REPO, shared_models_dir
from tinyedge.boards import get_board
from tinyedge.targets.qemu import run_and_check
from tinyedge.targets.simavr import build_sketch, parse_serial

DIGITS = REPO / "examples" / "digits"


def need(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        msg = f"{', '.join(missing)} not installed (see ../shared/TOOLCHAINS.md; .ci/run installs them)"
        pytest.fail(msg) if IN_CI else pytest.skip(msg)


def model_path(name):
    return DIGITS / "digits_int8.tflite" if name == "digits" else shared_models_dir() / f"{name}.tflite"


@pytest.mark.parametrize("name", ["hello_world_int8", "digits", "micro_speech_quantized"])
def test_runs_on_atmega2560_under_simavr(name, tmp_path):
    need("arduino-builder", "avr-gcc", "simavr")
    r = tinyedge.compile(model_path(name), tmp_path / "out")
    rng = np.random.default_rng(0)
    x = [rng.integers(-128, 128, size=s["shape"], dtype=np.int8) for s in r.manifest["inputs"]]
    avr, host = run_and_check(tmp_path / "out", x, board="simavr-mega2560")
    for k, (a, b) in enumerate(zip(avr.outputs, host)):
        assert a.tobytes() == b.tobytes(), f"{name}: output {k} on the ATmega2560 differs from host emulation"
    print(f"\n{name} on simavr-mega2560: {avr.micros:,} us, flash {avr.flash_bytes:,}, RAM {avr.ram_bytes:,}")
    assert avr.ram_bytes < 8192 and avr.micros > 0


@pytest.mark.parametrize("name", ["hello_world_int8", "digits"])
def test_library_compiles_for_nano33ble_core(name, tmp_path):
    need("arm-none-eabi-gcc", "arm-none-eabi-g++")
    r = tinyedge.compile(model_path(name), tmp_path / "out", board="arduino-nano-33-ble-sense", fmt="arduino")
    lib = next((tmp_path / "out" / "arduino").glob("*/library.properties")).parent
    flags = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os", "-Wall", "-Wextra",
             "-Werror", f"-I{lib / 'src'}", "-c", "-o", str(tmp_path / "x.o")]
    for src in sorted((lib / "src").glob("*.c")):
        p = subprocess.run(["arm-none-eabi-gcc", "-std=c99", *flags, str(src)], capture_output=True, text=True)
        assert p.returncode == 0, f"{src.name}:\n{p.stderr}"
    # the header from C++ (a sketch): extern "C" linkage for the invoke function
    cpp = tmp_path / "use.cpp"
    cpp.write_text(f'#include "{lib.name}.h"\nint8_t i[{r.prefix.upper()}_INPUT0_SIZE], '
                   f'o[{r.prefix.upper()}_OUTPUT0_SIZE];\nint run() {{ return {r.prefix}_invoke(i, o); }}\n')
    p = subprocess.run(["arm-none-eabi-g++", "-std=c++17", *flags, str(cpp)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    nm = subprocess.run(["arm-none-eabi-nm", str(tmp_path / "x.o")], capture_output=True, text=True).stdout
    assert f" U {r.prefix}_invoke" in nm  # unmangled: the C symbol


def test_zip_is_found_by_the_builder(tmp_path):
    need("arduino-builder", "avr-gcc", "simavr")
    tinyedge.compile(DIGITS / "digits_int8.tflite", tmp_path / "out", board="simavr-mega2560", fmt="arduino")
    (zip_path,) = (tmp_path / "out" / "arduino").glob("*.zip")
    libraries = tmp_path / "unpacked" / "libraries"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(libraries)
    (lib,) = libraries.iterdir()
    assert (lib / "library.properties").is_file() and (lib / "src" / f"{lib.name}.h").is_file()
    sketch = tmp_path / "sketch" / f"{lib.name}Demo"
    shutil.copytree(lib / "examples" / sketch.name, sketch)
    elf = build_sketch(lib, sketch, "arduino:avr:mega:cpu=atmega2560", tmp_path / "work")
    run = subprocess.run(["simavr", "-m", "atmega2560", "-f", "16000000", str(elf)], capture_output=True,
                         text=True, timeout=300)
    import json
    manifest = json.loads((tmp_path / "out" / "tinyedge.json").read_text())
    outputs, micros = parse_serial(run.stdout + run.stderr, manifest)
    assert outputs[0].shape == (1, 10) and micros > 0


def test_zip_is_reproducible(tmp_path):
    a = tinyedge.compile(DIGITS / "digits_int8.tflite", tmp_path / "a", board="arduino-uno", fmt="arduino")
    b = tinyedge.compile(DIGITS / "digits_int8.tflite", tmp_path / "b", board="arduino-uno", fmt="arduino")
    za, zb = (next((r.out_dir / "arduino").glob("*.zip")).read_bytes() for r in (a, b))
    assert za == zb


@pytest.mark.parametrize("board", ["raspberry-pi-pico", "esp32-devkitc", "nucleo-f401re"])
def test_platformio_project_parses(board, tmp_path):
    pytest.importorskip("platformio", reason="pip install platformio (the test extra has it)")
    from platformio.project.config import ProjectConfig
    b = get_board(board)
    tinyedge.compile(DIGITS / "digits_int8.tflite", tmp_path / "out", board=board, fmt="platformio")
    project = tmp_path / "out" / "platformio"
    cfg = ProjectConfig(str(project / "platformio.ini"), parse_extra=False)
    env = f"env:{board}"
    assert cfg.envs() == [board] and cfg.get("platformio", "default_envs") == [board]
    assert cfg.get(env, "board") == b.platformio["board"]
    assert cfg.get(env, "platform") == b.platformio["platform"]
    assert cfg.get(env, "framework") == [b.platformio["framework"]]
    lib = project / "lib" / "DigitsInt8"
    assert (lib / "library.json").is_file() and (lib / "src" / "DigitsInt8.h").is_file()
    assert "digits_int8_invoke(" in (project / "src" / "main.cpp").read_text()


def test_arduino_format_needs_an_arduino_board(tmp_path):
    from tinyedge.errors import UsageError
    with pytest.raises(UsageError, match="no Arduino core"):
        tinyedge.compile(DIGITS / "digits_int8.tflite", tmp_path / "out", board="qemu-cortex-m4", fmt="arduino")
    assert not (tmp_path / "out").exists()
