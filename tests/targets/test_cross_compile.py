"""The runtime and generated models compile warning-free for Cortex-M and AVR.

Toolchains come from Debian (gcc-arm-none-eabi, gcc-avr + avr-libc; .ci/run
installs them). Locally a missing compiler skips with the reason; under CI it fails.
"""

import shutil
import subprocess

import pytest

import tinyedge
from support import IN_CI, REPO, shared_models_dir

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Os", "-c"]
TARGETS = {
    "cortex-m4": ("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]),
    "cortex-m0plus": ("arm-none-eabi-gcc", ["-mcpu=cortex-m0plus", "-mthumb"]),
    "avr": ("avr-gcc", ["-mmcu=atmega2560"]),
}


def compiler(target):
    cc, flags = TARGETS[target]
    if shutil.which(cc) is None:
        msg = f"{cc} not installed (apt-get install {'gcc-arm-none-eabi' if 'arm' in cc else 'gcc-avr avr-libc'})"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return cc, flags


def compile_all(cc, flags, sources, includes, tmp_path):
    for src in sources:
        cmd = [cc, *STRICT, *flags, *(f"-I{i}" for i in includes), str(src), "-o", str(tmp_path / "x.o")]
        p = subprocess.run(cmd, capture_output=True, text=True)
        assert p.returncode == 0, f"{cc} {src.name}:\n{p.stderr}"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_runtime_cross_compiles(target, tmp_path):
    cc, flags = compiler(target)
    rt = REPO / "runtime_c"
    compile_all(cc, flags, sorted((rt / "src").glob("*.c")), [rt / "include", rt / "src"], tmp_path)


# AVR objects are limited to 32 KiB: ResNet-8's 48 KiB arena cannot exist there (nor in its 8 KiB of RAM).
CASES = [(t, n) for t in sorted(TARGETS) for n in ("hello_world_int8", "micro_speech_quantized", "kws_ref_model",
                                                   "pretrainedResnet_quant") if not (t == "avr" and "Resnet" in n)]


@pytest.mark.parametrize("target,name", CASES)
def test_generated_model_cross_compiles(target, name, tmp_path):
    cc, flags = compiler(target)
    out = tmp_path / "out"
    r = tinyedge.compile(shared_models_dir() / f"{name}.tflite", out)
    compile_all(cc, flags, [out / f"{r.prefix}_model.c"], [out, out / "runtime/include", out / "runtime/src"],
                tmp_path)
