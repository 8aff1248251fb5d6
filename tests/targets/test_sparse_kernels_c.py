"""The sparse kernels (te_conv2d_sparse_1x1_s8, te_conv2d_sparse_s8, te_fully_connected_sparse_s8 and
their engine te_sparse_rows.c) against the dense reference kernels, in C: tests/c/sparse_conv_check.c draws
random configurations and densities and compares outputs byte for byte, on the host under ASan/UBSan (also
with a list of 8 entries, so that most rows take the chunked path, and with 4 taps, so that most k x k
filters take the plain walk) and on Cortex-M cores under QEMU (where the inline-assembly loop runs). Missing
cross tools skip locally and fail under CI."""

import shutil
import subprocess

import pytest

from support import IN_CI, REPO

RT = REPO / "runtime_c"
SOURCES = [str(REPO / "tests" / "c" / "sparse_conv_check.c"),
           *(str(RT / "src" / s) for s in ("te_conv2d_s8.c", "te_conv2d_fast_s8.c", "te_conv2d_sparse_s8.c",
                                           "te_conv2d_sparse_1x1_s8.c", "te_sparse_rows.c", "te_fully_connected_s8.c",
                                           "te_fully_connected_fast_s8.c", "te_fully_connected_sparse_s8.c"))]
CORES = {  # QEMU machine, flags
    "cortex-m4": ("mps2-an386", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]),
    "cortex-m3": ("mps2-an385", ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]),
    "cortex-m55": ("mps3-an547", ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=soft"]),
}
FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{RT / 'include'}", f"-I{RT / 'src'}"]


@pytest.mark.parametrize("defines", [[], ["-DTE_SPARSE_LIST=8"], ["-DTE_SPARSE_TAPS=4"]])
def test_host(defines, tmp_path):
    exe = tmp_path / "check"
    cc = subprocess.run(["gcc", "-O2", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", *FLAGS,
                         *defines, *SOURCES, "-o", str(exe)], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=900)
    print(r.stdout[-1500:])
    assert r.returncode == 0 and "ok" in r.stdout and "end" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]


@pytest.mark.parametrize("defines", [[], ["-DTE_SPARSE_LIST=8"]])
@pytest.mark.parametrize("core", sorted(CORES))
def test_qemu(core, defines, tmp_path):
    missing = [t for t in ("arm-none-eabi-gcc", "qemu-system-arm") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{missing} missing") if IN_CI else pytest.skip(f"{missing} not installed")
    machine, flags = CORES[core]
    fw = REPO / "firmware" / "cortex-m"
    elf = tmp_path / "check.elf"
    cc = subprocess.run(["arm-none-eabi-gcc", *flags, "-O2", *FLAGS, *defines, "-DTE_QEMU", "-DTE_CHECK_CONFIGS=150",
                         *SOURCES, str(fw / "startup.c"), f"-T{fw / (machine + '.ld')}", f"-L{fw}",
                         "--specs=rdimon.specs", "-Wl,--gc-sections", "-o", str(elf)], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    r = subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-semihosting-config",
                        "enable=on,target=native", "-icount", "shift=0", "-kernel", str(elf)],
                       capture_output=True, text=True, timeout=900)
    print(r.stdout[-1500:])
    assert r.returncode == 0 and "ok" in r.stdout and "end" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]


@pytest.mark.parametrize("cc", [["arm-none-eabi-gcc", "-mcpu=cortex-m0plus", "-mthumb", "-O2"],
                                ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os"],
                                ["avr-gcc", "-mmcu=atmega2560", "-Os"]])
def test_compiles_for_small_cores(cc, tmp_path):
    """The sparse kernels build warning-free for M0+ (no CLZ, no DSP), M4 at -Os and AVR (16-bit int)."""
    if shutil.which(cc[0]) is None:
        pytest.fail(f"{cc[0]} missing") if IN_CI else pytest.skip(f"{cc[0]} not installed")
    for src in SOURCES[1:]:
        if "sparse" in src:
            r = subprocess.run([*cc, *FLAGS, "-c", src, "-o", str(tmp_path / "k.o")], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
