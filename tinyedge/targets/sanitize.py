"""The generated C as a host program under AddressSanitizer and UndefinedBehaviorSanitizer.

Host emulation loads a shared library into Python, where ASan cannot run
without preloading its runtime; a small program (firmware/host/main.c) can.
Any out-of-bounds access, misaligned load, signed overflow or shift out of
range aborts it with a report.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ToolchainError
from ..resources import resource_dir
from .host import load, read_manifest, sources
from .project import harness_header, input_source, read_outputs

FLAGS = ["-std=c99", "-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
         "-fno-sanitize-recover=all", "-Wall", "-Wextra", "-Werror"]


def run_sanitized(out_dir: str | Path, inputs) -> list[np.ndarray]:
    """Outputs of one sanitized run; ToolchainError with the sanitizer's first report line on a finding."""
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    prepared = load(out_dir).prepare_inputs(inputs)
    cc = shutil.which("gcc") or "gcc"
    with tempfile.TemporaryDirectory(prefix="tinyedge-asan-") as tmp:
        tmp = Path(tmp)
        (tmp / "te_harness.h").write_bytes(harness_header(manifest))
        (tmp / "te_input.c").write_bytes(input_source(manifest, prepared, "a sanitizer run"))
        exe = tmp / "model"
        cmd = [cc, *FLAGS, f"-I{tmp}", f"-I{out_dir}", f"-I{out_dir / 'runtime/include'}",
               f"-I{out_dir / 'runtime/src'}", *map(str, sources(out_dir, manifest)), str(tmp / "te_input.c"),
               str(resource_dir("firmware") / "host" / "main.c"), "-o", str(exe)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise ToolchainError(f"sanitized build failed: {(r.stderr.strip().splitlines() or ['?'])[0]}")
        r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600,
                           env={"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0", "UBSAN_OPTIONS": "print_stacktrace=1"})
        report = [ln for ln in r.stderr.splitlines() if "runtime error" in ln or "ERROR: AddressSanitizer" in ln]
        if r.returncode != 0 or report:
            raise ToolchainError(f"sanitizer report: {(report or r.stderr.strip().splitlines() or ['?'])[0]}")
    return read_outputs(r.stdout.splitlines(), manifest)
