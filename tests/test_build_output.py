"""Build outputs: reproducible bytes, warning-free C, the wheel carries its data."""

import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinyedge
from support import REPO, shared_models_dir

EXAMPLE = REPO / "examples" / "sine" / "sine_int8.tflite"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c"]


def folder_bytes(d: Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_build_is_reproducible(tmp_path):
    model = shared_models_dir() / "kws_ref_model.tflite"
    tinyedge.compile(model, tmp_path / "a")
    tinyedge.compile(model, tmp_path / "b")
    a, b = folder_bytes(tmp_path / "a"), folder_bytes(tmp_path / "b")
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k] == b[k], f"{k} differs between two builds"


@pytest.mark.parametrize("name", ["hello_world_int8", "kws_ref_model", "pretrainedResnet_quant",
                                  "micro_speech_quantized"])
@pytest.mark.parametrize("arena", ["static", "caller"])
def test_generated_c_compiles_strict(name, arena, tmp_path):
    out = tmp_path / "out"
    r = tinyedge.compile(shared_models_dir() / f"{name}.tflite", out, arena=arena)
    srcs = [str(p) for p in sorted(out.rglob("*.c"))]
    for trace in ([], ["-DTE_TRACE"]):
        for src in srcs:
            cmd = ["gcc", *STRICT, *trace, f"-I{out}", f"-I{out}/runtime/include", f"-I{out}/runtime/src",
                   src, "-o", str(tmp_path / "x.o")]
            p = subprocess.run(cmd, capture_output=True, text=True)
            assert p.returncode == 0, f"{src}: {p.stderr}"
    header = (out / f"{r.prefix}_model.h").read_text()
    assert f"#define {r.prefix.upper()}_ARENA_SIZE {r.arena_bytes}" in header


def test_runtime_compiles_strict(tmp_path):
    for src in sorted((REPO / "runtime_c" / "src").glob("*.c")):
        cmd = ["gcc", *STRICT, f"-I{REPO}/runtime_c/include", f"-I{REPO}/runtime_c/src", str(src),
               "-o", str(tmp_path / "x.o")]
        p = subprocess.run(cmd, capture_output=True, text=True)
        assert p.returncode == 0, f"{src.name}: {p.stderr}"


def test_example_model_runs(tmp_path):
    r = tinyedge.compile(EXAMPLE, tmp_path / "out")
    x = np.array([[1.0]], np.float32)  # sin(1.0) = 0.84
    (y,) = tinyedge.emulate(tmp_path / "out", [x])
    out = r.manifest["outputs"][0]
    real = (int(y.reshape(-1)[0]) - out["zero_point"]) * out["scale"]
    assert abs(real - np.sin(1.0)) < 0.15


def test_trace_returns_every_layer(tmp_path):
    model = shared_models_dir() / "kws_ref_model.tflite"
    r = tinyedge.compile(model, tmp_path / "out")
    x = np.zeros(r.manifest["inputs"][0]["shape"], np.int8)
    outs, trace = tinyedge.emulate(tmp_path / "out", [x], trace=True)
    kernels = [op for op in r.manifest["ops"] if op["kernel"]]
    assert [t["op"] for t in trace] == [op["index"] for op in kernels]
    assert np.array_equal(trace[-1]["data"].reshape(outs[0].shape), outs[0])


def test_wheel_carries_data_folders(tmp_path):
    p = subprocess.run(["pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
                       capture_output=True, text=True)
    if p.returncode != 0:  # no hatchling in this environment: build it isolated
        p = subprocess.run(["pip", "wheel", "--no-deps", "-w", str(tmp_path), str(REPO)],
                           capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    (whl,) = tmp_path.glob("tinyedge-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    for folder in ("templates/model.c.j2", "runtime_c/include/tinyedge/te_kernels.h",
                   "runtime_c/src/te_conv2d_s8.c"):
        assert f"tinyedge/_data/{folder}" in names
    for folder in ("firmware", "boards"):
        assert any(n.startswith(f"tinyedge/_data/{folder}/") for n in names)
