"""Every way to split a model in two between devices A and B, costed, and the best one.

Candidates are the cuts along the op order (A runs ops before the cut; the
cut before op 0 sends the raw input, the cut after the last op sends the
outputs, since the result is wanted at B), plus, on graphs with branches, the
minimum s-t cut over the op graph (partition/cut.py), which may put a side
branch on either device.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ..boards import get_board
from ..compiler import flash_bytes, kernel_set, lower, runtime_files
from ..fit import estimate
from ..ir import Graph
from ..ops import REGISTRY
from .cost import OBJECTIVES, Link, active_mw
from .cut import boundaries, min_cut_assignment
from .frame import OVERHEAD
from .measure import DeviceModel


@dataclass
class Footprint:
    flash_bytes: int
    ram_bytes: int
    fits: bool
    over: list[str] = field(default_factory=list)
    reference_ops: list[int] = field(default_factory=list)  # positions given the portable kernel
    stack_ops: list[int] = field(default_factory=list)  # positions whose fast kernel keeps its columns on the stack


@dataclass
class Candidate:
    label: str
    on_a: list[int]  # op positions on device A
    crossing: list[int]  # tensors sent over the link
    link_bytes: int  # frames included
    a_seconds: float
    link_seconds: float
    b_seconds: float
    a_energy_mj: float
    parts: list[Footprint | None]  # A, B (None: no ops there)
    legal: bool = True  # at most max_crossing tensors cross
    chosen: bool = False

    @property
    def latency_s(self) -> float:
        return self.a_seconds + self.link_seconds + self.b_seconds

    @property
    def feasible(self) -> bool:
        return self.legal and all(p is None or p.fits for p in self.parts)

    def score(self, objective: str) -> tuple:
        main = {"latency": self.latency_s, "device-energy": self.a_energy_mj, "link-bytes": self.link_bytes}
        return (main[objective], self.latency_s, len(self.on_a))


def footprint(g: Graph, positions: list[int], inputs: list[int], outputs: list[int], board,
              kernels: str) -> Footprint:
    """The flash and RAM a part needs on ``board``: lowered as the build would, then fit.estimate."""
    sub = copy.deepcopy(g)
    sub.ops = [sub.ops[p] for p in positions]
    sub.inputs, sub.outputs = list(inputs), list(outputs)
    ks, plan = lower(sub, kernels=kernel_set(kernels, board))
    weights, consts = flash_bytes(sub, ks)
    slow = [p for p, op in zip(positions, sub.ops) if op.options.get("reference_kernel")]
    stack = [p for p, op in zip(positions, sub.ops) if op.options.get("stack_scratch")]

    def io(ts):
        return [{"shape": list(sub.tensors[t].shape), "dtype": sub.tensors[t].dtype} for t in ts]
    manifest = {"files": list(runtime_files(ks)), "ops": [{"kernel": k.func} for _, k in ks],
                "weights_bytes": weights, "constants_bytes": consts, "inputs": io(inputs), "outputs": io(outputs),
                "arena_bytes": plan.arena_size}
    if board.core == "host":
        return Footprint(weights + consts, plan.arena_size, True, [], slow, stack)
    fit = estimate(manifest, board)
    over = fit.overshoot(board)
    return Footprint(fit.flash_bytes, fit.ram_bytes, not over, over, slow, stack)


def evaluate(g: Graph, on_a: list[int], label: str, a: DeviceModel, b: DeviceModel, link: Link,
             boards, kernels: str, max_crossing: int, cache: dict) -> Candidate:
    n = len(g.ops)
    on_a = sorted(on_a)
    part_of = [0 if p in set(on_a) else 1 for p in range(n)]
    crossing = boundaries(g, part_of + [1])[0]  # a phantom op on B: the outputs always end there
    nbytes = [g.tensors[t].nbytes for t in crossing]
    on_b = [p for p in range(n) if part_of[p] == 1]
    parts: list[Footprint | None] = []
    for side, positions, ins, outs in ((0, on_a, g.inputs, crossing), (1, on_b, crossing, g.outputs)):
        if not [p for p in positions if not REGISTRY[g.ops[p].kind].alias]:
            parts.append(None)
            continue
        key = (side, tuple(positions))
        if key not in cache:
            cache[key] = footprint(g, positions, ins, outs, boards[side], kernels)
        parts.append(cache[key])
    slow = [q for part in parts if part is not None for q in part.reference_ops]
    stack = [q for part in parts if part is not None for q in part.stack_ops]
    a_s, b_s = a.seconds(on_a, slow, stack), b.seconds(on_b, slow, stack)
    link_s = sum(link.seconds(nb) for nb in nbytes)
    energy = (a_s * active_mw(boards[0]) + link_s * link.tx_mw)  # mW x s = mJ
    return Candidate(label, on_a, crossing, sum(nb + OVERHEAD for nb in nbytes), a_s, link_s, b_s, energy, parts,
                     legal=len(crossing) <= max_crossing)


def _label(g: Graph, at: int) -> str:
    if at == 0:
        return "all on B (send the input)"
    if at == len(g.ops):
        return "all on A (send the output)"
    op = g.ops[at - 1]
    return f"after op {op.index} {op.kind}"


def plan(g: Graph, a: DeviceModel, b: DeviceModel, link: Link, objective: str = "latency",
         max_crossing: int = 2, kernels: str = "auto") -> list[Candidate]:
    """All candidates, the chosen one marked (chosen=True): the best feasible one by ``objective``."""
    if objective not in OBJECTIVES:
        raise ValueError(objective)
    boards = (get_board(a.board), get_board(b.board))
    cache: dict = {}
    n = len(g.ops)
    cands = [evaluate(g, list(range(at)), _label(g, at), a, b, link, boards, kernels, max_crossing, cache)
             for at in range(n + 1)]
    # The exact optimum over every data-flow-respecting assignment (DADS); kept when no cut along
    # the op order reaches it.
    cost_a, cost_b = _objective_costs(g, a, b, link, boards, objective)
    best = min_cut_assignment(g, cost_a, cost_b, lambda t: _transfer_cost(g, t, link, objective))
    if sorted(best) not in [c.on_a for c in cands]:
        cands.append(evaluate(g, sorted(best), "minimum cut over the op graph", a, b, link, boards, kernels,
                              max_crossing, cache))
    feasible = [c for c in cands if c.feasible]
    if feasible:
        min(feasible, key=lambda c: c.score(objective)).chosen = True
    return cands


def _objective_costs(g, a: DeviceModel, b: DeviceModel, link: Link, boards, objective):
    n = len(g.ops)
    if objective == "latency":
        return list(a.op_seconds), list(b.op_seconds)
    if objective == "device-energy":
        return [s * active_mw(boards[0]) for s in a.op_seconds], [0.0] * n
    return [0.0] * n, [0.0] * n


def _transfer_cost(g: Graph, t: int, link: Link, objective: str) -> float:
    nbytes = g.tensors[t].nbytes
    if objective == "latency":
        return link.seconds(nbytes)
    if objective == "device-energy":
        return link.seconds(nbytes) * link.tx_mw
    return float(nbytes + OVERHEAD)
