"""Per-op time of a model on a board, measured once and cached.

Cortex-M boards: the whole model built for the emulated board with the same
core (or the board itself), run under QEMU with per-layer profiling; each
op's instructions divided by the board's clock (one instruction a cycle, the
same approximation as `tinyedge profile`). Cores without an emulator here:
the plain-C counts of qemu-cortex-m3 times a per-core factor. The host (a
gateway): the generated C timed through cffi, the median of several runs,
shared among the ops by their MACs (a calibrated per-MAC cost).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..boards import get_board, load_boards
from ..ir import Graph
from ..ops import REGISTRY

CACHE_VERSION = 3


@functools.lru_cache(maxsize=1)
def _runtime_digest() -> str:
    """The kernels' sources (read once per process): cached counts go stale when a kernel changes."""
    from ..resources import resource_dir
    h = hashlib.sha256()
    for f in sorted((resource_dir("runtime_c") / "src").glob("*")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


# Instructions per cycle-equivalent relative to the Cortex-M3 plain-C counts, for cores QEMU
# does not run here: Thumb-1 (M0+) needs more instructions, AVR does 32-bit arithmetic in 8-bit steps.
PROXY_FACTOR = {"cortex-m0plus": 1.4, "avr": 4.0, "xtensa": 1.0, "riscv32": 1.1}
HOST_RUNS = 30
# Ops the fast CONV_2D kernel may run (a one-input-channel DEPTHWISE_CONV_2D too: passes/depthwise_as_conv.py),
# whose columns a part's build may put on the stack (compiler._trim_scratch).
STACK_KINDS = ("CONV_2D", "DEPTHWISE_CONV_2D")


@dataclass
class DeviceModel:
    board: str
    op_seconds: list[float]  # per op position of the (prepared) graph
    part_seconds: float  # fixed cost of one part's invoke (calls, output copies)
    op_instructions: list[int] | None  # per op, when counted on an emulated core
    part_instructions: int | None
    source: str  # how the figures were obtained, for the plan table
    # The same with the portable kernels: a part's build gives an op those when the fast kernel's
    # scratch would raise that part's arena (compiler._trim_scratch).
    op_seconds_reference: list[float] | None = None
    # The same with the fast CONV_2D kernel's im2col columns on the stack (no scratch), as a part's build
    # gives it where its scratch would raise that part's arena: fewer channels' constants fit beside them.
    op_seconds_stack: list[float] | None = None

    def seconds(self, positions, reference=(), stack=()) -> float:
        positions, reference, stack = list(positions), set(reference), set(stack)
        slow = self.op_seconds_reference or self.op_seconds
        stacked = self.op_seconds_stack or self.op_seconds
        return (sum(slow[p] if p in reference else stacked[p] if p in stack else self.op_seconds[p]
                    for p in positions) + (self.part_seconds if positions else 0.0))


def _cache_path(key: str) -> Path:
    from ..targets.host import cache_dir
    return cache_dir() / "split-costs" / f"{key}.json"


def _emulated_proxy(board):
    """The QEMU board whose counts stand for ``board`` and the factor applied to them."""
    boards = load_boards()
    same = [b for b in boards.values() if b.core == board.core and b.emulator == "qemu"]
    if board.emulator == "qemu":
        return board, 1.0
    if same:
        return same[0], 1.0
    return boards["qemu-cortex-m3"], PROXY_FACTOR.get(board.core, 1.0)


def _kernel_positions(g: Graph) -> list[int]:
    return [pos for pos, op in enumerate(g.ops) if not REGISTRY[op.kind].alias]


def _qemu_counts(g: Graph, sha: str, proxy, kernels: str) -> tuple[list[int], int]:
    """kernels: a kernel set, or "stack": the fast set with every CONV_2D's columns on the stack."""
    from ..compiler import compile_graph
    from ..outdir import write_folder
    from ..targets.qemu import run_firmware
    g = copy.deepcopy(g)
    if kernels == "stack":
        kernels = "fast"
        for op in g.ops:
            if op.kind in STACK_KINDS:
                op.options["force_stack_scratch"] = True  # as compiler._trim_scratch may set for a part
    files, _ = compile_graph(g, "te_cost", sha, target=proxy, fmt="make", kernels=kernels, force=True)
    with tempfile.TemporaryDirectory(prefix="tinyedge-cost-") as tmp:
        out = Path(tmp) / "model"
        write_folder(out, files)
        run = run_firmware(out, None, profile=True)
    counts = [0] * len(g.ops)
    for pos, n in zip(_kernel_positions(g), run.steps):
        counts[pos] = n
    return counts, max(run.instructions - sum(run.steps), 0)


def _host_seconds(g: Graph, sha: str) -> tuple[list[float], float]:
    from ..compiler import compile_graph
    from ..outdir import write_folder
    from ..targets.host import load
    files, result = compile_graph(copy.deepcopy(g), "te_cost", sha, kernels="fast")
    with tempfile.TemporaryDirectory(prefix="tinyedge-cost-") as tmp:
        out = Path(tmp) / "model"
        write_folder(out, files)
        model = load(out)
        inputs = [np.zeros(s["shape"], s["dtype"]) for s in model.manifest["inputs"]]
        call, _ = model.invoker(inputs)
        times = []
        for _ in range(HOST_RUNS):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
    total = statistics.median(times)
    weights = [0.0 if REGISTRY[op.kind].alias else
               float(max(REGISTRY[op.kind].macs(g, op), g.tensors[op.outputs[0]].size)) for op in g.ops]
    scale = total / max(sum(weights), 1.0)
    return [w * scale for w in weights], 0.0


def _cached_counts(g: Graph, sha: str, proxy, kset: str) -> tuple[list[int], int]:
    key = hashlib.sha256(f"{CACHE_VERSION} {_runtime_digest()} {sha} {len(g.ops)} {proxy.name} {kset}".encode()).hexdigest()[:32]
    path = _cache_path(key)
    if path.is_file():
        counts, part = json.loads(path.read_text())
        return counts, part
    counts, part = _qemu_counts(g, sha, proxy, kset)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([counts, part]))
    return counts, part


def device_model(g: Graph, sha: str, board_name: str, kernels: str = "auto") -> DeviceModel:
    """Per-op seconds of the (prepared) graph on ``board_name``, cached by model, board and kernels."""
    from ..compiler import kernel_set
    board = get_board(board_name)
    kset = kernel_set(kernels, board)
    if board.core == "host":
        key = hashlib.sha256(f"{CACHE_VERSION} {sha} {len(g.ops)} host".encode()).hexdigest()[:32]
        path = _cache_path(key)
        if path.is_file():
            return DeviceModel(**json.loads(path.read_text()))
        secs, part = _host_seconds(g, sha)
        model = DeviceModel(board.name, secs, part, None, None,
                            f"this computer: generated C timed (median of {HOST_RUNS}), shared by MACs")
    else:
        proxy, factor = _emulated_proxy(board)
        counts, part = _cached_counts(g, sha, proxy, kset)
        ref = _cached_counts(g, sha, proxy, "reference")[0] if kset != "reference" else counts
        convs = kset == "fast" and any(op.kind in STACK_KINDS for op in g.ops)
        stack = _cached_counts(g, sha, proxy, "stack")[0] if convs else counts
        hz = float(board.clock_hz)
        how = f"{proxy.name} instruction counts" + (f" x {factor:g}" if factor != 1.0 else "")
        return DeviceModel(board.name, [c * factor / hz for c in counts], part * factor / hz,
                           [round(c * factor) for c in counts], round(part * factor),
                           f"{how} ({kset} kernels) at {hz / 1e6:g} MHz", [c * factor / hz for c in ref],
                           [c * factor / hz for c in stack])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(model)))
    return model
