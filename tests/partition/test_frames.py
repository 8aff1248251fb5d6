"""Issue 9, acceptance 4: frames between parts. Every single-bit flip, every truncation, bursts
and random garbage are rejected, each with its code, by the generated C running under ASan and
UBSan (a read past a buffer would abort it); the Python side (relaying between QEMU processes)
gives the same verdicts and the same bytes as the C."""

import json
import os
import shutil
import subprocess
import zlib

import numpy as np
import pytest

from support import IN_CI, REPO, shared_models_dir
from tinyedge.errors import FrameError
from tinyedge.partition import frame
from tinyedge.partition.split import split
from tinyedge.targets.host import load


@pytest.fixture(scope="module")
def kws_split(tmp_path_factory):
    # Cut after the average pool: the crossing tensor is 64 bytes, so every bit can be flipped.
    out = tmp_path_factory.mktemp("frames") / "split"
    split(shared_models_dir() / "kws_ref_model.tflite", out, at="9")
    return out


def test_c_rejects_every_corruption_under_asan(kws_split, tmp_path):
    if shutil.which("gcc") is None:
        (pytest.fail if IN_CI else pytest.skip)("gcc not installed")
    part = kws_split / "part1"
    manifest = load(part).manifest
    (t,) = json.loads((kws_split / "split.json").read_text())["boundaries"][0]["tensors"]
    srcs = [part / f for f in manifest["files"] if f.endswith(".c") and (f.startswith("runtime/src/") or
                                                                       f.endswith("_model.c"))]
    exe = tmp_path / "frame_check"
    cmd = ["gcc", "-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
           "-fno-sanitize-recover=all", f"-I{part}", f"-I{part / 'runtime/include'}", f"-I{part / 'runtime/src'}",
           f"-DUNPACK={manifest['prefix']}_unpack_input", f"-DTENSOR={t['nbytes']}", f"-DTENSOR_ID={t['tensor']}",
           "-DPART_FROM=0", str(REPO / "tests/c/frame_check.c"), *map(str, srcs), "-o", str(exe)]
    subprocess.run(cmd, check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "ASAN_OPTIONS": "detect_leaks=1"})
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.split()
    assert "valid" in lines and lines[-1] == "end"
    counts = {}
    for line in r.stdout.splitlines():
        kind, code, n = (line.split() + ["", "", ""])[:3]
        if kind in ("flip", "truncate", "random"):
            counts.setdefault(kind, {})[int(code)] = int(n)
    n = t["nbytes"] + 14
    assert 0 not in counts["flip"] and sum(counts["flip"].values()) == n * 8  # every flip caught
    # header fields by their own codes: magic 16 bits, version 8, part+tensor 24, length 32
    assert counts["flip"][-2] == 16 and counts["flip"][-3] == 8 and counts["flip"][-4] == 24
    assert counts["flip"][-5] == 32 and counts["flip"][-6] == (t["nbytes"] + 4) * 8
    assert counts["truncate"] == {-1: 14, -5: t["nbytes"]}  # short header, then length past the end
    assert 0 not in counts["random"] and sum(counts["random"].values()) > 19000


def test_python_frames_equal_the_c(kws_split):
    hm = load(kws_split / "part0")
    info = json.loads((kws_split / "split.json").read_text())
    t = info["boundaries"][0]["tensors"][0]
    x = np.random.default_rng(0).integers(-128, 128, t["shape"], dtype=np.int8)
    c_frame = hm.pack_output(0, x)
    assert c_frame == frame.pack(0, t["tensor"], x.tobytes())
    assert int.from_bytes(c_frame[-4:], "little") == zlib.crc32(c_frame[:-4])
    receiver = load(kws_split / "part1")
    for bit in range(len(c_frame) * 8):
        bad = bytearray(c_frame)
        bad[bit // 8] ^= 1 << (bit % 8)
        why = frame.check(bytes(bad), 0, t["tensor"], t["nbytes"])
        assert why != "ok"
        with pytest.raises(FrameError) as e:
            receiver.unpack_input(0, bytes(bad))
        assert e.value.reason == why, f"bit {bit}"
    for cut in range(len(c_frame)):
        assert frame.check(c_frame[:cut], 0, t["tensor"], t["nbytes"]) in ("short", "length")
    assert np.array_equal(receiver.unpack_input(0, c_frame).reshape(-1), x.reshape(-1))
