"""A build folder for a board: a Makefile and CMakeLists.txt with the board's flags, and for
emulated Cortex-M boards the start-up code, linker script and harness from firmware/.

Bare-metal boards get a static library to link into the user's firmware
(tinyedge does not know their start-up code or pins); emulated boards get a
complete firmware that prints its outputs and timings (firmware/cortex-m/main.c).
"""

from __future__ import annotations

import numpy as np

from ..codegen.render import environment
from ..resources import resource_dir
from .host import C_TYPES

QEMU = "qemu-system-arm"
TOOLCHAIN_PREFIX = {"arm-none-eabi": "arm-none-eabi-", "avr": "avr-", "xtensa-esp32-elf": "xtensa-esp32-elf-",
                    "riscv64-unknown-elf": "riscv64-unknown-elf-", "host": ""}


def runs_here(board) -> bool:
    """Boards whose firmware tinyedge builds and runs itself (QEMU Cortex-M)."""
    return bool(board.emulated) and board.emulator == "qemu"


def qemu_command(board, elf: str) -> list[str]:
    # -icount shift=0: one instruction per virtual nanosecond, so timings repeat exactly
    return [QEMU, "-M", board.machine, "-nographic", "-semihosting-config", "enable=on,target=native",
            "-icount", "shift=0", "-kernel", elf]


def tools(board) -> dict[str, str]:
    pre = TOOLCHAIN_PREFIX.get(board.toolchain, f"{board.toolchain}-")
    return {"cc": f"{pre}gcc", "ar": f"{pre}ar", "size": f"{pre}size"}


def io_specs(manifest: dict, key: str) -> list[dict]:
    """The model's inputs or outputs as the C templates use them (type, element count, zero point)."""
    return [{"k": k, "ctype": C_TYPES[t["dtype"]], "size": int(np.prod(t["shape"])), "shape": t["shape"],
             "dtype": t["dtype"], "zero_point": t["zero_point"] or 0}
            for k, t in enumerate(manifest[key])]


def inputs_with_data(manifest: dict, arrays: list[np.ndarray] | None) -> list[dict]:
    """io_specs of the inputs, each with ``body``: ``arrays`` (already in the inputs' dtypes), or
    each input's zero point, as lines of C initializers."""
    inputs = io_specs(manifest, "inputs")
    for t in inputs:
        a = (np.full(t["size"], t["zero_point"], t["dtype"]) if arrays is None
             else np.asarray(arrays[t["k"]]).reshape(-1))
        vals = [repr(float(v)) + "f" if t["dtype"] == "float32" else str(int(v)) for v in a]
        t["body"] = [", ".join(vals[i:i + 16]) for i in range(0, len(vals), 16)]
    return inputs


def input_source(manifest: dict, arrays: list[np.ndarray] | None, what: str) -> bytes:
    """te_input.c holding ``arrays``, or each input's zero point."""
    inputs = inputs_with_data(manifest, arrays)
    return environment().get_template("project/te_input.c.j2").render(inputs=inputs, what=what).encode()


def harness_header(manifest: dict) -> bytes:
    """te_harness.h: the buffers and the invoke call of the harnesses in firmware/."""
    prefix = manifest["prefix"]
    ctx = {"prefix": prefix, "PREFIX": prefix.upper(), "inputs": io_specs(manifest, "inputs"),
           "outputs": io_specs(manifest, "outputs"), "n_steps": sum(1 for op in manifest["ops"] if op["kernel"])}
    return environment().get_template("project/te_harness.h.j2").render(ctx).encode()


def read_outputs(lines: list[str], manifest: dict) -> list[np.ndarray]:
    """The outputs a harness printed as "out <k> <hex bytes>" lines, as arrays of the outputs' shapes."""
    outs = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "out":
            outs[int(parts[1])] = bytes.fromhex(parts[2]) if len(parts) > 2 else b""
    return [np.frombuffer(outs[k], np.dtype(s["dtype"])).reshape(s["shape"]).copy()
            for k, s in enumerate(manifest["outputs"])]


def project_files(board, manifest: dict, files: dict[str, bytes]) -> dict[str, bytes]:
    """The extra files of a build folder for ``board``, given the model's files."""
    prefix = manifest["prefix"]
    emulated = runs_here(board)
    target = f"{prefix}.elf" if emulated else f"lib{prefix}.a"
    runtime_srcs = " ".join(sorted(f for f in files if f.startswith("runtime/src/") and f.endswith(".c")))
    ctx = {"board": board, "prefix": prefix, "PREFIX": prefix.upper(), "emulated": emulated, "target": target,
           "cflags": " ".join(board.cflags), "runtime_srcs": runtime_srcs, **tools(board),
           "run_command": " ".join(qemu_command(board, target)) if emulated else ""}
    env = environment()
    out = {"Makefile": env.get_template("project/Makefile.j2").render(ctx).encode(),
           "CMakeLists.txt": env.get_template("project/CMakeLists.txt.j2").render(ctx).encode()}
    if emulated:
        fw = resource_dir("firmware") / "cortex-m"
        for name in ("startup.c", "main.c", "te_systick.h", "cortex-m.ld", f"{board.machine}.ld"):
            out[f"firmware/{name}"] = (fw / name).read_bytes()
        out["te_harness.h"] = harness_header(manifest)
        out["te_input.c"] = input_source(manifest, None, "the inputs' zero points; tinyedge run writes its own")
    return out
