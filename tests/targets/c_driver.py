"""Build and run the C check drivers of tests/c: on the host with gcc, and on Cortex-M cores under QEMU
(firmware/cortex-m's startup code and linker scripts, output through semihosting, -icount shift=0 so that
instruction counts are exact). Missing cross tools skip locally and fail under CI."""

import shutil
import subprocess

import pytest

from support import IN_CI, REPO

RT = REPO / "runtime_c"
FW = REPO / "firmware" / "cortex-m"
INCLUDES = [f"-I{RT / 'include'}", f"-I{RT / 'src'}"]
CORES = {  # QEMU machine, flags
    "cortex-m4": ("mps2-an386", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]),
    "cortex-m3": ("mps2-an385", ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]),
    "cortex-m55": ("mps3-an547", ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=soft"]),
}


def sources(driver, kernels):
    """tests/c/<driver> and the runtime's kernel sources it checks."""
    return [str(REPO / "tests" / "c" / driver), *(str(RT / "src" / k) for k in kernels)]


def require(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{missing} missing") if IN_CI else pytest.skip(f"{missing} not installed")


def _build(cmd):
    cc = subprocess.run(cmd, capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr


def build_and_run_host(srcs, flags, tmp_path, timeout):
    """gcc flags srcs, then the program; its CompletedProcess."""
    exe = tmp_path / "check"
    _build(["gcc", *flags, *srcs, "-o", str(exe)])
    return subprocess.run([str(exe)], capture_output=True, text=True, timeout=timeout)


def build_and_run_qemu(srcs, core, flags, tmp_path, timeout=900):
    """arm-none-eabi-gcc for core (a CORES key) with -DTE_QEMU, then the ELF on the core's QEMU board."""
    require("arm-none-eabi-gcc", "qemu-system-arm")
    machine, cpu = CORES[core]
    elf = tmp_path / "check.elf"
    _build(["arm-none-eabi-gcc", *cpu, *flags, "-DTE_QEMU", *srcs, str(FW / "startup.c"),
            f"-T{FW / (machine + '.ld')}", f"-L{FW}", "--specs=rdimon.specs", "-Wl,--gc-sections", "-o", str(elf)])
    return subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-semihosting-config",
                           "enable=on,target=native", "-icount", "shift=0", "-kernel", str(elf)],
                          capture_output=True, text=True, timeout=timeout)


def assert_passed(r, *words):
    """Exit status 0 and every word ("ok": all compared equal; "end": the timings ran too) in stdout."""
    print(r.stdout[-1500:])
    assert r.returncode == 0 and all(w in r.stdout for w in words), r.stdout[-2000:] + r.stderr[-3000:]
