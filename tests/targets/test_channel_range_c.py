"""Output channel ranges of the conv, depthwise and fully connected kernels (te_kernels.h: oc_begin /
oc_end, o_begin / o_end), in C: tests/c/channel_range_check.c draws random layers and checks, for
the reference and the fast kernels, that two calls on complementary ranges (split at a multiple of 4)
give the full call's output and that a range call leaves every other output byte alone. On the host
under AddressSanitizer and UndefinedBehaviorSanitizer, and on Cortex-M cores under QEMU (M4: the
DSP paths; M3: the fast kernels' plain C). Missing cross tools skip locally and fail under CI."""

import pytest

from c_driver import INCLUDES, assert_passed, build_and_run_host, build_and_run_qemu, sources

SOURCES = sources("channel_range_check.c", ["te_conv2d_s8.c", "te_conv2d_fast_s8.c", "te_depthwise_conv2d_s8.c",
                                            "te_depthwise_conv2d_fast_s8.c", "te_fully_connected_s8.c",
                                            "te_fully_connected_fast_s8.c"])
FLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", *INCLUDES]


@pytest.mark.parametrize("variant", [[], ["-DTE_DW_VECTOR=0"]], ids=["default", "scalar-dw"])
def test_host_sanitized(variant, tmp_path):
    r = build_and_run_host(SOURCES, [*FLAGS, "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                                     "-fno-omit-frame-pointer", *variant], tmp_path, timeout=600)
    assert_passed(r, "ok", "end")
    assert "runtime error" not in r.stderr, r.stderr[-3000:]


@pytest.mark.parametrize("core", ["cortex-m3", "cortex-m4"])
def test_qemu(core, tmp_path):
    assert_passed(build_and_run_qemu(SOURCES, core, FLAGS, tmp_path), "ok", "end")
