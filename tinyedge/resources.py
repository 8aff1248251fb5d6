"""Where the non-Python folders are: inside the wheel, or at the repository top."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """templates, runtime_c, firmware or boards."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tinyedge installation is missing its '{name}' folder")
