"""Run a board build's firmware under QEMU: outputs checked against host emulation, and
deterministic per-layer instruction counts (-icount shift=0; firmware/cortex-m/main.c)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..boards import get_board
from ..errors import ToolchainError, UsageError
from ..progress import status
from .host import load, read_manifest
from .project import (
    input_source,
    project_files,
    qemu_command,
    read_outputs,
    runs_here,
    tools,
)

TIMEOUT_S = 600
INSTALL = "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm make"


@dataclass
class FirmwareRun:
    outputs: list[np.ndarray]
    instructions: int  # the whole invoke
    steps: list[int] = field(default_factory=list)  # per kernel call, with --profile
    flash_bytes: int = 0  # text + data of the linked ELF
    ram_bytes: int = 0  # data + bss (the arena included; stack and heap excluded)
    board: str = ""


def _board_of(manifest: dict, name: str | None = None):
    name = name or manifest.get("board")
    if not name:
        raise UsageError("this folder was built without --board; rebuild with e.g. --board qemu-cortex-m4 "
                         "(tinyedge boards lists the emulated ones)")
    board = get_board(name)
    if not runs_here(board):
        raise UsageError(f"board {name} is not emulated here; build with --board qemu-cortex-m4 (or m3, m7, m33, "
                         f"m55) to run, or flash {name} with its own tools")
    return board


def _check_tools(board) -> None:
    t = tools(board)
    for exe in (t["cc"], "make", qemu_command(board, "x")[0]):
        if shutil.which(exe) is None:
            raise ToolchainError(f"'{exe}' not found; install the Cortex-M toolchain and QEMU ({INSTALL})")


def _run(cmd: list[str], cwd: Path, what: str) -> str:
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"{what} did not finish in {TIMEOUT_S} s") from None
    if r.returncode != 0:
        lines = [ln for ln in (r.stderr + r.stdout).splitlines() if "error" in ln.lower()] or \
            (r.stderr + r.stdout).strip().splitlines() or ["no output"]
        raise ToolchainError(f"{what} failed (exit {r.returncode}): {lines[0].strip()[:200]}")
    return r.stdout


def _parse(text: str, manifest: dict, profile: bool) -> tuple[list[np.ndarray], int, list[int]]:
    ticks, steps, calib = None, {}, None
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "ticks":
            ticks = int(parts[1])
        elif parts[0] == "calibration":
            calib = (int(parts[1]), int(parts[2]))
        elif parts[0] == "step":
            steps[int(parts[1])] = int(parts[2])
    if ticks is None or calib is None or "end" not in text.split():
        raise ToolchainError(f"the firmware stopped before it finished: {text.strip()[-200:] or 'no output'}")
    per_tick = calib[0] / calib[1]  # instructions per SysTick tick, measured on this very run
    arrays = read_outputs(text.splitlines(), manifest)
    n_steps = sum(1 for op in manifest["ops"] if op["kernel"])
    step_counts = [round(steps.get(i, 0) * per_tick) for i in range(n_steps)] if profile else []
    return arrays, round(ticks * per_tick), step_counts


def _size(board, elf: Path) -> tuple[int, int]:
    text = _run([tools(board)["size"], str(elf)], elf.parent, "size")
    t, d, b = (int(v) for v in text.strip().splitlines()[-1].split()[:3])
    return t + d, d + b


def run_firmware(out_dir: str | Path, inputs=None, profile: bool = False, board: str | None = None) -> FirmwareRun:
    """Build the folder's firmware with its own Makefile (in a temporary copy), run it
    under QEMU on ``inputs`` (float arrays are quantized; None: the zero points).
    ``board``: another emulated Cortex-M board than the one the folder was built for."""
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    board = _board_of(manifest, board)
    _check_tools(board)
    prepared = load(out_dir).prepare_inputs(inputs) if inputs is not None else None
    with tempfile.TemporaryDirectory(prefix="tinyedge-run-") as tmp:
        work = Path(tmp) / "project"
        shutil.copytree(out_dir, work, ignore=shutil.ignore_patterns("build", "*.elf", "*.a"))
        if board.name != manifest.get("board") or manifest.get("format") != "make":
            files = {f: (out_dir / f).read_bytes() for f in manifest["files"] if (out_dir / f).is_file()}
            for f, data in project_files(board, manifest, files).items():
                (work / f).parent.mkdir(parents=True, exist_ok=True)
                (work / f).write_bytes(data)
        what = "the input given to tinyedge run" if prepared is not None else "the inputs' zero points"
        (work / "te_input.c").write_bytes(input_source(manifest, prepared, what))
        status(f"building the firmware for {board.name} (make)")
        _run(["make", "-s", *(["PROFILE=1"] if profile else [])], work, "make (the project's Makefile)")
        elf = work / f"{manifest['prefix']}.elf"
        status(f"running it under QEMU ({board.machine})")
        text = _run(qemu_command(board, elf.name), work, f"QEMU ({board.machine})")
        outputs, total, steps = _parse(text, manifest, profile)
        flash, ram = _size(board, elf)
    return FirmwareRun(outputs, total, steps, flash, ram, board.name)


def run_and_check(out_dir: str | Path, inputs=None, board: str | None = None):
    """The emulated board's run (QEMU, or simavr for AVR) and host emulation's outputs, same inputs."""
    hm = load(out_dir)
    prepared = hm.prepare_inputs(inputs) if inputs is not None else [
        np.full(spec["shape"], spec["zero_point"] or 0, np.dtype(spec["dtype"])) for spec in hm.manifest["inputs"]]
    if board and get_board(board).emulator == "simavr":
        from .simavr import run_on_simavr
        return run_on_simavr(out_dir, get_board(board), prepared), hm.run(prepared)
    return run_firmware(out_dir, prepared, board=board), hm.run(prepared)
