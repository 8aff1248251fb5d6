"""Does a built model fit a board? Flash and RAM estimated before any compiler runs.

flash = code (the runtime kernels the model uses, its invoke function) + weights and constants
RAM   = arena + input and output buffers + stack

Code sizes are the kernels' object sizes measured with arm-none-eabi-gcc 12
-Os for a Cortex-M4 (runtime_c/src, text + data), scaled per core: AVR code is
about 4x larger (8-bit registers doing 32-bit arithmetic, measured with
avr-gcc 5.4), Thumb-1 (M0+) and the others a little larger. The estimate is
for a verdict before building; `tinyedge profile` reports the linked ELF's
real figures on emulated boards.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BoardFitError

KERNEL_CODE_BYTES = {  # runtime_c/src/<name>.c, Cortex-M4, -Os
    "te_logistic_s8": 28, "te_tanh_s8": 28, "te_relu6_s8": 36, "te_dequantize_s8": 44, "te_max_pool2d_s8": 72,
    "te_maximum_minimum_s8": 118, "te_concatenation_s8": 132, "te_quantize_s8": 152,
    "te_batch_to_space_nd_s8": 162, "te_space_to_batch_nd_s8": 174, "te_requantize_s8": 188,
    "te_broadcast_s8": 200, "te_leaky_relu_s8": 202, "te_pool2d_s8": 230, "te_mul_s8": 236, "te_pad_s8": 240,
    "te_sigmoid_s8": 260, "te_fully_connected_s8": 284, "te_add_sub_s8": 288,
    "te_fully_connected_sparse_s8": 434, "te_softmax_s8": 372, "te_hard_swish_s8": 412,
    "te_depthwise_conv2d_s8": 444, "te_conv2d_s8": 472, "te_mean_s8": 504, "te_avg_pool2d_s8": 674,
    "te_conv2d_sparse_s8": 1334, "te_fixedpoint_math": 712, "te_add_sub_fast_s8": 1760,
    "te_conv2d_sparse_1x1_s8": 338, "te_sparse_rows": 1790,
}
UNKNOWN_KERNEL_BYTES = 512
CALL_BYTES = 24  # one kernel call with its arguments in invoke()
LIBC_BYTES = 512  # memcpy, integer division helpers
CODE_SCALE = {"avr": 4.0, "cortex-m0plus": 1.3, "xtensa": 1.5, "riscv32": 1.3}
STACK_BYTES = {"avr": 256}  # kernels keep a few scalars on the stack; interrupts need the rest
DEFAULT_STACK_BYTES = 3072  # fast kernels, M4 -O2: conv ~2.1 KB (columns, channel constants), depthwise ~1.7 KB


@dataclass(frozen=True)
class Fit:
    flash_bytes: int
    ram_bytes: int
    code_bytes: int
    data_bytes: int
    stack_bytes: int

    def overshoot(self, board) -> list[str]:
        over = []
        if self.flash_bytes > board.flash_bytes:
            over.append(f"flash {self.flash_bytes:,} bytes of {board.flash_bytes:,} "
                        f"({self.flash_bytes - board.flash_bytes:,} over)")
        if self.ram_bytes > board.ram_bytes:
            over.append(f"RAM {self.ram_bytes:,} bytes of {board.ram_bytes:,} "
                        f"({self.ram_bytes - board.ram_bytes:,} over)")
        return over


def estimate(manifest: dict, board) -> Fit:
    sources = sorted({f.rsplit("/", 1)[-1][:-2] for f in manifest["files"]
                      if f.startswith("runtime/src/") and f.endswith(".c")})
    calls = sum(1 for op in manifest["ops"] if op["kernel"])
    base = sum(KERNEL_CODE_BYTES.get(s, UNKNOWN_KERNEL_BYTES) for s in sources) + CALL_BYTES * calls + LIBC_BYTES
    code = int(base * CODE_SCALE.get(board.core, 1.0))
    data = manifest["weights_bytes"] + manifest["constants_bytes"]
    io = sum(_nbytes(t) for t in manifest["inputs"] + manifest["outputs"])
    stack = STACK_BYTES.get(board.core, DEFAULT_STACK_BYTES)
    return Fit(code + data, manifest["arena_bytes"] + io + stack, code, data, stack)


def check_fit(manifest: dict, board) -> Fit:
    """The estimate, or BoardFitError naming both figures and the overshoot."""
    fit = estimate(manifest, board)
    over = fit.overshoot(board)
    if over:
        raise BoardFitError(f"the model does not fit {board.name}: needs {' and '.join(over)}; "
                            f"choose a bigger board (tinyedge boards), a smaller model, or --force to build anyway")
    return fit


def _nbytes(t: dict) -> int:
    n = 1
    for d in t["shape"]:
        n *= int(d)
    return n * {"int8": 1, "uint8": 1, "int16": 2, "int32": 4, "float32": 4}.get(t["dtype"], 4)
