"""The optimized kernels against the reference ones, in C: each driver in tests/c draws hundreds of
random configurations and compares outputs byte for byte, on the host and on Cortex-M cores under
QEMU (where the DSP paths run). Missing cross tools skip locally and fail under CI."""

import pytest

from c_driver import CORES, INCLUDES, assert_passed, build_and_run_host, build_and_run_qemu, sources

DRIVERS = {
    "fast_conv_fc_check.c": ["te_conv2d_s8.c", "te_conv2d_fast_s8.c", "te_fully_connected_s8.c",
                             "te_fully_connected_fast_s8.c"],
    "fast_depthwise_check.c": ["te_depthwise_conv2d_s8.c", "te_depthwise_conv2d_fast_s8.c",
                               "te_depthwise_conv2d_inplace_fast_s8.c"],
    "fast_add_check.c": ["te_add_sub_s8.c", "te_add_sub_fast_s8.c", "te_broadcast_s8.c"],
}
FLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", *INCLUDES]


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_host(driver, tmp_path):
    assert_passed(build_and_run_host(sources(driver, DRIVERS[driver]), FLAGS, tmp_path, timeout=600), "ok")


@pytest.mark.parametrize("core", sorted(CORES))
@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_qemu(driver, core, tmp_path):
    assert_passed(build_and_run_qemu(sources(driver, DRIVERS[driver]), core, FLAGS, tmp_path), "ok")
