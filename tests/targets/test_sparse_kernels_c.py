"""The sparse kernels (te_conv2d_sparse_1x1_s8, te_conv2d_sparse_s8, te_fully_connected_sparse_s8 and
their engine te_sparse_rows.c) against the dense reference kernels, in C: tests/c/sparse_conv_check.c draws
random configurations and densities and compares outputs byte for byte, on the host under ASan/UBSan (also
with a list of 8 entries, so that most rows take the chunked path, and with 4 taps, so that most k x k
filters take the plain walk) and on Cortex-M cores under QEMU (where the inline-assembly loop runs). Missing
cross tools skip locally and fail under CI."""

import subprocess

import pytest

from c_driver import CORES, INCLUDES, assert_passed, build_and_run_host, build_and_run_qemu, require, sources

SOURCES = sources("sparse_conv_check.c", ["te_conv2d_s8.c", "te_conv2d_fast_s8.c", "te_conv2d_sparse_s8.c",
                                          "te_conv2d_sparse_1x1_s8.c", "te_sparse_rows.c", "te_fully_connected_s8.c",
                                          "te_fully_connected_fast_s8.c", "te_fully_connected_sparse_s8.c"])
FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", *INCLUDES]


@pytest.mark.parametrize("defines", [[], ["-DTE_SPARSE_LIST=8"], ["-DTE_SPARSE_TAPS=4"]])
def test_host(defines, tmp_path):
    r = build_and_run_host(SOURCES, ["-O2", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", *FLAGS,
                                     *defines], tmp_path, timeout=900)
    assert_passed(r, "ok", "end")


@pytest.mark.parametrize("defines", [[], ["-DTE_SPARSE_LIST=8"]])
@pytest.mark.parametrize("core", sorted(CORES))
def test_qemu(core, defines, tmp_path):
    assert_passed(build_and_run_qemu(SOURCES, core, ["-O2", *FLAGS, *defines, "-DTE_CHECK_CONFIGS=150"], tmp_path),
                  "ok", "end")


@pytest.mark.parametrize("cc", [["arm-none-eabi-gcc", "-mcpu=cortex-m0plus", "-mthumb", "-O2"],
                                ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os"],
                                ["avr-gcc", "-mmcu=atmega2560", "-Os"]])
def test_compiles_for_small_cores(cc, tmp_path):
    """The sparse kernels build warning-free for M0+ (no CLZ, no DSP), M4 at -Os and AVR (16-bit int)."""
    require(cc[0])
    for src in SOURCES[1:]:
        if "sparse" in src:
            r = subprocess.run([*cc, *FLAGS, "-c", src, "-o", str(tmp_path / "k.o")], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
