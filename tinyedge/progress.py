"""Progress for long steps: a bar on a terminal, silence elsewhere or with quiet."""

from __future__ import annotations

import os
import sys
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def enabled(quiet: bool = False, file=None) -> bool:
    f = file or sys.stderr
    return not quiet and not os.environ.get("TINYEDGE_QUIET") and f.isatty()


def progress(items: Iterable[T], label: str, length: int | None = None, quiet: bool = False,
             file=None) -> Iterator[T]:
    """Yield items, drawing a bar on `file` (stderr) when it is a terminal."""
    if not enabled(quiet, file):
        yield from items
        return
    import click
    with click.progressbar(items, length=length, label=label, file=file or sys.stderr) as bar:
        yield from bar


def status(message: str, quiet: bool = False, file=None) -> None:
    """One line saying what a long step without a count is doing (a build, an emulator run)."""
    if enabled(quiet, file):
        print(f"{message} ...", file=file or sys.stderr, flush=True)
