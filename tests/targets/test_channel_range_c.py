"""Output channel ranges of the conv, depthwise and fully connected kernels (te_kernels.h: oc_begin /
oc_end, o_begin / o_end), in C: tests/c/channel_range_check.c draws random layers and checks, for
the reference and the fast kernels, that two calls on complementary ranges (split at a multiple of 4)
give the full call's output and that a range call leaves every other output byte alone. On the host
under AddressSanitizer and UndefinedBehaviorSanitizer, and on Cortex-M cores under QEMU (M4: the
DSP paths; M3: the fast kernels' plain C). Missing cross tools skip locally and fail under CI."""

import shutil
import subprocess

import pytest

from support import IN_CI, REPO

RT = REPO / "runtime_c"
DRIVER = REPO / "tests" / "c" / "channel_range_check.c"
KERNELS = ["te_conv2d_s8.c", "te_conv2d_fast_s8.c", "te_depthwise_conv2d_s8.c", "te_depthwise_conv2d_fast_s8.c",
           "te_fully_connected_s8.c", "te_fully_connected_fast_s8.c"]
CORES = {  # QEMU machine, flags
    "cortex-m4": ("mps2-an386", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]),
    "cortex-m3": ("mps2-an385", ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]),
}


def sources():
    return [str(DRIVER), *(str(RT / "src" / s) for s in KERNELS)]


@pytest.mark.parametrize("variant", [[], ["-DTE_DW_VECTOR=0"]], ids=["default", "scalar-dw"])
def test_host_sanitized(variant, tmp_path):
    exe = tmp_path / "check"
    cc = subprocess.run(["gcc", "-std=c99", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
                         "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", *variant, f"-I{RT / 'include'}",
                         f"-I{RT / 'src'}", *sources(), "-o", str(exe)], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600)
    print(r.stdout[-1000:])
    assert r.returncode == 0 and "ok" in r.stdout and "end" in r.stdout, r.stdout[-2000:] + r.stderr[-3000:]
    assert "runtime error" not in r.stderr, r.stderr[-3000:]


@pytest.mark.parametrize("core", sorted(CORES))
def test_qemu(core, tmp_path):
    missing = [t for t in ("arm-none-eabi-gcc", "qemu-system-arm") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{missing} missing") if IN_CI else pytest.skip(f"{missing} not installed")
    machine, flags = CORES[core]
    fw = REPO / "firmware" / "cortex-m"
    elf = tmp_path / "check.elf"
    cc = subprocess.run(["arm-none-eabi-gcc", *flags, "-O2", "-std=c99", "-Wall", "-Wextra", "-Werror",
                         f"-I{RT / 'include'}", f"-I{RT / 'src'}", "-DTE_QEMU", *sources(), str(fw / "startup.c"),
                         f"-T{fw / (machine + '.ld')}", f"-L{fw}", "--specs=rdimon.specs", "-Wl,--gc-sections",
                         "-o", str(elf)], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    r = subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-semihosting-config",
                        "enable=on,target=native", "-icount", "shift=0", "-kernel", str(elf)],
                       capture_output=True, text=True, timeout=900)
    print(r.stdout[-1500:])
    assert r.returncode == 0 and "ok" in r.stdout and "end" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
