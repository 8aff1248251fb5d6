"""Issue 9, acceptance 3: --cores 2. The heavy layers' output channels are divided between two
workers; run on two host threads (the pthread runner) every shared model equals the single-core
build and TFLM byte for byte; the workers' MACs are within 10% on kws and vww; the generated C
compiles warning-free for Cortex-M and AVR."""

import shutil
import subprocess

import numpy as np
import pytest

import tinyedge
from support import IN_CI, Tflm, random_inputs, shared_models_dir
from tinyedge.targets.host import load, read_manifest

MODELS = ("hello_world_int8", "micro_speech_quantized", "ad01_int8", "kws_ref_model", "pretrainedResnet_quant",
          "vww_96_int8")


@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("name", MODELS)
def test_two_workers_equal_single_core_and_tflm(name, kernels, tmp_path):
    model = shared_models_dir() / f"{name}.tflite"
    two = tinyedge.compile(model, tmp_path / "two", cores=2, kernels=kernels)
    one = tinyedge.compile(model, tmp_path / "one", kernels=kernels)
    h2, h1 = load(tmp_path / "two"), load(tmp_path / "one")
    ref = Tflm(model.read_bytes())
    rng = np.random.default_rng(7)
    for trial in range(4):
        xs = random_inputs(two.manifest, rng)
        got = h2.run_threads(xs)
        n = len(got)
        for a, b, c in zip(got, h1.run(xs), ref.run(xs, n)):
            assert a.tobytes() == b.tobytes() == c.reshape(a.shape).tobytes(), f"{name} trial {trial}"
        assert [a.tobytes() for a in h2.run(xs)] == [a.tobytes() for a in got]  # one core, same C
    m0, m1 = two.manifest["worker_macs"]
    assert m0 + m1 == two.macs
    if name in ("kws_ref_model", "vww_96_int8"):
        assert abs(m0 - m1) <= 0.10 * max(m0, m1), (m0, m1)
        assert sum(1 for op in two.manifest["ops"] if op.get("worker_ranges")) >= 9


@pytest.mark.parametrize("cc,flags", [
    ("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-O2"]),
    ("avr-gcc", ["-mmcu=atmega2560", "-Os"]),
])
def test_two_worker_c_compiles_for_mcus(cc, flags, tmp_path):
    if shutil.which(cc) is None:
        (pytest.fail if IN_CI else pytest.skip)(f"{cc} not installed (see .ci/run)")
    out = tmp_path / "out"
    tinyedge.compile(shared_models_dir() / "kws_ref_model.tflite", out, cores=2,
                     kernels="reference" if cc == "avr-gcc" else "fast")
    m = read_manifest(out)
    srcs = [str(out / f) for f in m["files"] if f.endswith(".c")]
    for src in srcs:
        subprocess.run([cc, *flags, "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{out}",
                        f"-I{out / 'runtime/include'}", f"-I{out / 'runtime/src'}", "-c", src, "-o",
                        str(tmp_path / "x.o")], check=True)
