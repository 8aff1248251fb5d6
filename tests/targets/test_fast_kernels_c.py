"""The optimized kernels against the reference ones, in C: each driver in tests/c draws hundreds of
random configurations and compares outputs byte for byte, on the host and on Cortex-M cores under
QEMU (where the DSP paths run). Missing cross tools skip locally and fail under CI."""

import shutil
import subprocess

import pytest

from support import IN_CI, REPO

RT = REPO / "runtime_c"
DRIVERS = {
    "fast_conv_fc_check.c": ["te_conv2d_s8.c", "te_conv2d_fast_s8.c", "te_fully_connected_s8.c",
                             "te_fully_connected_fast_s8.c"],
    "fast_depthwise_check.c": ["te_depthwise_conv2d_s8.c", "te_depthwise_conv2d_fast_s8.c",
                               "te_depthwise_conv2d_inplace_fast_s8.c"],
    "fast_add_check.c": ["te_add_sub_s8.c", "te_add_sub_fast_s8.c", "te_broadcast_s8.c"],
}
CORES = {  # QEMU machine, flags
    "cortex-m4": ("mps2-an386", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]),
    "cortex-m3": ("mps2-an385", ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]),
    "cortex-m55": ("mps3-an547", ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=soft"]),
}


def sources(driver):
    return [str(REPO / "tests" / "c" / driver), *(str(RT / "src" / s) for s in DRIVERS[driver])]


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_host(driver, tmp_path):
    exe = tmp_path / "check"
    cc = subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{RT / 'include'}",
                         f"-I{RT / 'src'}", *sources(driver), "-o", str(exe)], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600)
    print(r.stdout[-600:])
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]


@pytest.mark.parametrize("core", sorted(CORES))
@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_qemu(driver, core, tmp_path):
    missing = [t for t in ("arm-none-eabi-gcc", "qemu-system-arm") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{missing} missing") if IN_CI else pytest.skip(f"{missing} not installed")
    machine, flags = CORES[core]
    fw = REPO / "firmware" / "cortex-m"
    elf = tmp_path / "check.elf"
    cc = subprocess.run(["arm-none-eabi-gcc", *flags, "-O2", "-std=c99", "-Wall", "-Wextra", "-Werror",
                         f"-I{RT / 'include'}", f"-I{RT / 'src'}", "-DTE_QEMU", *sources(driver), str(fw / "startup.c"),
                         f"-T{fw / (machine + '.ld')}", f"-L{fw}", "--specs=rdimon.specs", "-Wl,--gc-sections",
                         "-o", str(elf)], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    r = subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-semihosting-config",
                        "enable=on,target=native", "-icount", "shift=0", "-kernel", str(elf)],
                       capture_output=True, text=True, timeout=900)
    print(r.stdout[-1500:])
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
