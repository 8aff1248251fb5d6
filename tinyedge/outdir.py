"""Write an output folder all at once: into a temporary sibling, then rename.

A folder is ours when it holds tinyedge.json (a build) or split.json (a split). Anything else that is not
empty is refused unless force is set, so a typo in -o never wipes a user's
folder, and a failed build never leaves half a folder behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import OutputDirError

MANIFEST = "tinyedge.json"
SPLIT_MANIFEST = "split.json"


def check_writable(out_dir: Path, force: bool) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise OutputDirError(f"'{out_dir}' exists and is not a folder; choose another -o")
        if any(out_dir.iterdir()) and not force \
                and not any((out_dir / m).is_file() for m in (MANIFEST, SPLIT_MANIFEST)):
            raise OutputDirError(
                f"'{out_dir}' is not empty and was not made by tinyedge; choose another -o or pass --force")


def write_folder(out_dir: Path, files: dict[str, bytes], force: bool = False) -> None:
    """Replace out_dir with exactly `files` (relative path -> bytes)."""
    out_dir = Path(out_dir)
    check_writable(out_dir, force)
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
    try:
        for rel, data in sorted(files.items()):
            p = tmp / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        os.chmod(tmp, 0o755)
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=parent))
            os.rmdir(old)
            os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
