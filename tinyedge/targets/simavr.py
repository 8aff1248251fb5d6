"""Run a build on an emulated AVR: export the Arduino library with the input as its sample,
build the demo with the real Arduino builder, run it under simavr, read Serial back.

The builder needs a hardware folder holding both the AVR core and its own
platform.txt; Debian's packages install them apart, so one is assembled from
links (recipe in ../shared/TOOLCHAINS.md).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ToolchainError
from ..progress import status
from .arduino import arduino_files, library_name
from .host import load, read_manifest
from .project import read_outputs

ARDUINO_HW = Path("/usr/share/arduino/hardware/arduino")
BUILDER_DIR = Path("/usr/share/arduino-builder")
INSTALL = "apt-get install arduino-builder arduino-core-avr arduino-ctags gcc-avr avr-libc simavr"
# Debian's avr-gcc 5.4 lacks C11 float macros that the AVR core's WString.cpp uses.
CORE_FLAGS = "compiler.cpp.extra_flags=-DFLT_DECIMAL_DIG=9 -DDBL_DECIMAL_DIG=17 -DDECIMAL_DIG=17"
TIMEOUT_S = 600
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class AvrRun:
    outputs: list[np.ndarray]
    micros: int  # micros() around the invoke, at the board's clock
    flash_bytes: int
    ram_bytes: int


def _check_tools() -> None:
    for exe in ("arduino-builder", "avr-gcc", "simavr"):
        if shutil.which(exe) is None:
            raise ToolchainError(f"'{exe}' not found; install the Arduino builder and simavr ({INSTALL})")
    if not ARDUINO_HW.is_dir() or not (BUILDER_DIR / "platform.txt").is_file():
        raise ToolchainError(f"the Arduino AVR core is not installed ({INSTALL})")


def _call(cmd: list[str], what: str) -> str:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"{what} did not finish in {TIMEOUT_S} s") from None
    if r.returncode != 0:
        text = r.stderr + r.stdout
        lines = [ln for ln in text.splitlines() if "error" in ln.lower()] or text.strip().splitlines() or ["?"]
        raise ToolchainError(f"{what} failed (exit {r.returncode}): {lines[0].strip()[:200]}")
    return r.stdout + r.stderr


def build_sketch(library: Path, sketch: Path, fqbn: str, work: Path) -> Path:
    """Compile ``sketch`` (a folder) against the library folder with arduino-builder; the .elf."""
    hw, build = work / "hardware", work / "build"
    for d in (hw, build):
        d.mkdir(parents=True, exist_ok=True)
    (hw / "arduino").symlink_to(ARDUINO_HW)
    for f in ("platform.txt", "platform.keys.rewrite.txt"):
        (hw / f).symlink_to(BUILDER_DIR / f)
    _call(["arduino-builder", "-hardware", str(hw), "-tools", "/usr/bin", "-libraries", str(library.parent),
           "-fqbn", fqbn, "-build-path", str(build), f"-prefs={CORE_FLAGS}", "-compile",
           str(sketch / f"{sketch.name}.ino")], "arduino-builder")
    return build / f"{sketch.name}.ino.elf"


def parse_serial(text: str, manifest: dict) -> tuple[list[np.ndarray], int]:
    lines = [ANSI.sub("", ln).rstrip(". \r") for ln in text.splitlines()]
    micros = None
    for ln in lines:
        parts = ln.split()
        if len(parts) == 2 and parts[0] == "micros":
            micros = int(parts[1])
    if "end" not in lines or micros is None:
        raise ToolchainError(f"the sketch stopped before it finished: {' | '.join(lines[-3:]) or 'no output'}")
    return read_outputs(lines, manifest), micros


def run_on_simavr(out_dir: str | Path, board, inputs=None) -> AvrRun:
    out_dir = Path(out_dir)
    _check_tools()
    manifest = read_manifest(out_dir)
    hm = load(out_dir)
    prepared = hm.prepare_inputs(inputs) if inputs is not None else None
    files = {f: (out_dir / f).read_bytes() for f in manifest["files"]
             if f == f"{manifest['prefix']}_model.c" or f == f"{manifest['prefix']}_model.h"
             or f.startswith("runtime/")}
    name = library_name(manifest["prefix"])
    with tempfile.TemporaryDirectory(prefix="tinyedge-avr-") as tmp:
        work = Path(tmp)
        for f, data in arduino_files(board, manifest, files, prepared, "the input given to tinyedge run").items():
            if f.endswith(".zip"):
                continue
            p = work / "libraries" / f[len("arduino/"):]
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        library = work / "libraries" / name
        sketch = work / "sketch" / f"{name}Demo"
        shutil.copytree(library / "examples" / f"{name}Demo", sketch)
        status(f"building the Arduino library and its demo for {board.arduino_fqbn} (arduino-builder)")
        elf = build_sketch(library, sketch, board.arduino_fqbn, work)
        status(f"running it under simavr ({board.machine})")
        text = _call(["timeout", str(TIMEOUT_S), "simavr", "-m", board.machine, "-f", str(board.clock_hz), str(elf)],
                     "simavr")
        outputs, micros = parse_serial(text, manifest)
        size = _call(["avr-size", str(elf)], "avr-size").strip().splitlines()[-1].split()
        flash, ram = int(size[0]) + int(size[1]), int(size[1]) + int(size[2])
    return AvrRun(outputs, micros, flash, ram)
