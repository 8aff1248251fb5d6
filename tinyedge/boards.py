"""Boards tinyedge knows: one TOML file each in boards/, checked when loaded."""

from __future__ import annotations

import difflib
import functools
try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .resources import resource_dir

BOARDS_DIR = resource_dir("boards")

CORES = ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55",
         "avr", "riscv32", "xtensa", "host")
_ARCH = {"avr": "avr", "xtensa": "xtensa", "riscv32": "riscv", "host": "host"}  # else arm

# Every key a board file may have, with its TOML type.
_TYPES = {"name": str, "description": str, "vendor": str, "mcu": str, "core": str, "fpu": str,
          "dsp": bool, "flash_bytes": int, "ram_bytes": int, "clock_hz": int, "cflags": list,
          "toolchain": str, "arduino_fqbn": str, "platformio": dict, "emulated": bool,
          "emulator": str, "machine": str, "cpu": str, "aliases": list}
_REQUIRED = ("name", "description", "core", "cflags", "toolchain", "emulated")
# The host board has no fixed chip: its memory and clock are whatever the computer has.
_REQUIRED_CHIP = ("vendor", "mcu", "fpu", "dsp", "flash_bytes", "ram_bytes", "clock_hz")
_EMULATORS = {"qemu": ("machine", "cpu"), "simavr": ("machine",), "cffi": ()}
_PLATFORMIO = ("board", "platform", "framework")


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    core: str
    cflags: tuple[str, ...]
    toolchain: str
    emulated: bool
    vendor: str | None = None
    mcu: str | None = None
    fpu: str | None = None
    dsp: bool | None = None
    flash_bytes: int | None = None
    ram_bytes: int | None = None
    clock_hz: int | None = None
    arduino_fqbn: str | None = None
    # Left out of ==/hash: a dict is unhashable and Board is frozen.
    platformio: dict | None = field(default=None, compare=False)
    emulator: str | None = None
    machine: str | None = None
    cpu: str | None = None
    aliases: tuple[str, ...] = ()  # other names --board accepts (the Arduino or PlatformIO ones)

    @property
    def arch(self) -> str:
        """arm, avr, xtensa, riscv or host."""
        return _ARCH.get(self.core, "arm")


def _check(path: Path, data: dict) -> Board:
    def fail(what: str):
        raise UsageError(f"board file {path}: {what}")

    for key, value in data.items():
        kind = _TYPES.get(key)
        if kind is None:
            fail(f"unknown key '{key}' (a typo?)")
        # bool is an int in Python, but `flash_bytes = true` is a mistake.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            fail(f"key '{key}' must be a {kind.__name__}, not {value!r}")
    needed = _REQUIRED + (_REQUIRED_CHIP if data.get("core") != "host" else ())
    if data.get("emulated"):
        needed += ("emulator",) + _EMULATORS.get(data.get("emulator"), ())
    for key in needed:
        if key not in data:
            fail(f"missing required key '{key}'")
    if data["core"] not in CORES:
        fail(f"key 'core' is {data['core']!r}, not one of {', '.join(CORES)}")
    if data["name"] != path.stem:
        fail(f"key 'name' is {data['name']!r} but must match the file name {path.stem!r}")
    if "emulator" in data and data["emulator"] not in _EMULATORS:
        fail(f"key 'emulator' is {data['emulator']!r}, not one of {', '.join(_EMULATORS)}")
    if not all(isinstance(flag, str) for flag in data["cflags"]):
        fail("key 'cflags' must be a list of strings")
    for key in _PLATFORMIO:
        if "platformio" in data and key not in data["platformio"]:
            fail(f"missing required key 'platformio.{key}'")
    return Board(**{**data, "cflags": tuple(data["cflags"]), "aliases": tuple(data.get("aliases", ()))})


@functools.cache
def _load(directory: Path) -> dict[str, Board]:
    boards = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"board file {path}: not valid TOML: {e}") from None
        boards[path.stem] = _check(path, data)
    return boards


def load_boards(directory: Path | str | None = None) -> dict[str, Board]:
    """Every board, by name (sorted). ``directory`` defaults to BOARDS_DIR."""
    return dict(_load(Path(directory or BOARDS_DIR).resolve()))


def _fold(name: str) -> str:
    return name.lower().replace("_", "-")


def get_board(name: str, directory: Path | str | None = None) -> Board:
    """The board called ``name``; case and ``_`` for ``-`` do not matter."""
    boards = load_boards(directory)
    folded = {_fold(a): n for n, b in boards.items() for a in b.aliases}
    folded.update({_fold(n): n for n in boards})
    if _fold(name) in folded:
        return boards[folded[_fold(name)]]
    close = difflib.get_close_matches(_fold(name), list(folded), n=3, cutoff=0.5)
    message = f"unknown board {name!r}"
    if close:
        message += f"; did you mean {', '.join(dict.fromkeys(folded[c] for c in close))}?"
    raise UsageError(f"{message} (tinyedge boards lists all)")


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{round(n / scale, 2):g} {unit}"
    return f"{n} B"


def board_table(boards: dict[str, Board] | None = None) -> str:
    """An aligned text table of the boards (all of them by default)."""
    boards = load_boards() if boards is None else boards
    rows = [("name", "core", "flash", "RAM", "clock", "emulated")]
    for b in (boards.values() if isinstance(boards, dict) else boards):
        emulated = " ".join(filter(None, (b.emulator, b.machine))) if b.emulated else "-"
        clock = f"{b.clock_hz / 1e6:g} MHz" if b.clock_hz else "-"
        rows.append((b.name, b.core, _size(b.flash_bytes), _size(b.ram_bytes), clock, emulated))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    # Numbers right-aligned so their units line up.
    lines = ["  ".join(cell.rjust(w) if i in (2, 3, 4) else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
             for row in rows]
    return "\n".join(lines)
