"""Where a graph can be cut, which tensors cross, and each part as an ordinary Graph.

A split assigns every op to a part 0..n-1, in the order the data flows (part 0
holds the inputs, the last part delivers the outputs). A tensor crosses cut c
(between part c and c+1) when it is made at or before part c (a model input
counts as made in part 0) and read after it (a model output is read by the
last part); a tensor needed two parts on is relayed through the part between.
"""

from __future__ import annotations

import copy
import itertools
from collections import deque
from dataclasses import dataclass

from ..errors import SplitError
from ..ir import Graph
from ..ops import REGISTRY
from ..passes.fuse_activation import fuse_activations


def prepare(g: Graph) -> Graph:
    """Fused activations set now, so that every op left is one kernel call and a candidate boundary."""
    return fuse_activations(g)


def _origins(g: Graph, part_of: list[int]) -> dict[int, int]:
    made = {t: 0 for t in g.inputs}
    for pos, op in enumerate(g.ops):
        for t in op.outputs:
            made[t] = part_of[pos]
    return made


def boundaries(g: Graph, part_of: list[int]) -> list[list[int]]:
    """The tensors crossing each cut (n_parts - 1 lists, tensor indices in ascending order)."""
    n = max(part_of, default=0) + 1
    made = _origins(g, part_of)
    last_use: dict[int, int] = {}
    for pos, op in enumerate(g.ops):
        for t in op.inputs:
            if t >= 0 and not g.tensors[t].is_const:
                if made.get(t, 0) > part_of[pos]:
                    raise SplitError(f"op {op.index} ({op.kind}) in part {part_of[pos]} reads tensor "
                                     f"'{g.tensors[t].name}' made later, in part {made[t]}; parts must follow "
                                     f"the data flow")
                last_use[t] = max(last_use.get(t, 0), part_of[pos])
    for t in g.outputs:
        last_use[t] = n - 1
    return [sorted(t for t, last in last_use.items() if made.get(t, 0) <= c < last) for c in range(n - 1)]


def chain_assignment(n_ops: int, cuts: list[int]) -> list[int]:
    """Part of each op position for a chain cut before each position in ``cuts``."""
    return [sum(1 for c in cuts if pos >= c) for pos in range(n_ops)]


def part_graphs(g: Graph, part_of: list[int]) -> list[Graph]:
    """One Graph per part: its ops (in model order), fed by the previous cut's tensors."""
    crossing = boundaries(g, part_of)
    n = len(crossing) + 1
    parts = []
    for p in range(n):
        sub = copy.deepcopy(g)
        sub.name = f"{g.name} (part {p} of {n})"
        sub.ops = [op for pos, op in enumerate(sub.ops) if part_of[pos] == p]
        sub.inputs = list(g.inputs) if p == 0 else list(crossing[p - 1])
        sub.outputs = list(g.outputs) if p == n - 1 else list(crossing[p])
        parts.append(sub)
    return parts


@dataclass
class Cut:
    """Cutting a model in two before op position ``at``."""

    at: int
    tensors: list[int]
    nbytes: int


def cut_points(g: Graph, max_crossing: int = 2) -> list[Cut]:
    """Every place a model can be cut in two along its op order with at most ``max_crossing``
    tensors crossing (a chain: always one; inside a residual block: two)."""
    out = []
    for at in range(1, len(g.ops)):
        tensors = boundaries(g, chain_assignment(len(g.ops), [at]))[0]
        if len(tensors) <= max_crossing:
            out.append(Cut(at, tensors, sum(g.tensors[t].nbytes for t in tensors)))
    return out


def op_for_layer(g: Graph, layer: str) -> int:
    """The op position a --at LAYER names: an op index from the model (as `tinyedge inspect` lists
    them) or the name of the tensor an op writes. The cut goes after that op."""
    for pos, op in enumerate(g.ops):
        if layer == str(op.index) or any(g.tensors[t].name == layer for t in op.outputs):
            return pos + 1
    raise SplitError(f"no layer '{layer}' in the model; give an op index or an output tensor name as "
                     f"'tinyedge inspect MODEL' lists them")


# --- the best two-part assignment of a graph with branches: a minimum s-t cut (DADS) -------------

def two_part_cost(g: Graph, on_a: set[int], cost_a: list[float], cost_b: list[float], transfer) -> float:
    """Compute on each side plus the transfer of every tensor that crosses (inputs start on A,
    outputs end on B)."""
    part_of = [0 if pos in on_a else 1 for pos in range(len(g.ops))]
    crossing = boundaries(g, part_of + [1])[0]  # a phantom op on B: always two parts
    return (sum(cost_a[p] for p in on_a) + sum(cost_b[p] for p in range(len(g.ops)) if p not in on_a)
            + sum(transfer(t) for t in crossing))


def _max_flow_source_side(n: int, edges: list[tuple[int, int, float]], s: int, t: int) -> set[int]:
    """Edmonds-Karp; returns the nodes on the source's side of a minimum cut."""
    cap: dict[tuple[int, int], float] = {}
    adj: list[set[int]] = [set() for _ in range(n)]
    for u, v, c in edges:
        cap[u, v] = cap.get((u, v), 0.0) + c
        cap.setdefault((v, u), 0.0)
        adj[u].add(v)
        adj[v].add(u)
    adj_sorted = [sorted(a) for a in adj]  # deterministic paths, so ties resolve the same way every run
    while True:
        prev = {s: s}
        q = deque([s])
        while q and t not in prev:
            u = q.popleft()
            for v in adj_sorted[u]:
                if v not in prev and cap[u, v] > 1e-15:
                    prev[v] = u
                    q.append(v)
        if t not in prev:
            return set(prev)
        path, v = [], t
        while v != s:
            path.append((prev[v], v))
            v = prev[v]
        push = min(cap[e] for e in path)
        for u, v in path:
            cap[u, v] -= push
            cap[v, u] += push


def min_cut_assignment(g: Graph, cost_a: list[float], cost_b: list[float], transfer) -> set[int]:
    """The op positions to run on A that minimize two_part_cost, over every assignment that
    follows the data flow (not only cuts along the op order)."""
    n_ops = len(g.ops)
    S, T = 0, 1
    op_node = {pos: 2 + pos for pos in range(n_ops)}
    tensors = sorted({t for op in g.ops for t in op.outputs} | set(g.inputs))
    t_node = {t: 2 + n_ops + k for k, t in enumerate(tensors)}
    producer = {t: op_node[pos] for pos, op in enumerate(g.ops) for t in op.outputs}
    big = 1.0 + sum(cost_a) + sum(cost_b) + sum(transfer(t) for t in tensors)  # "infinite"
    edges = []
    for pos in range(n_ops):
        edges.append((S, op_node[pos], cost_b[pos]))  # cut when the op is on B
        edges.append((op_node[pos], T, cost_a[pos]))  # cut when the op is on A
    for t in tensors:
        edges.append((producer.get(t, S), t_node[t], transfer(t)))  # cut when made on A, read on B
    for pos, op in enumerate(g.ops):
        for t in op.inputs:
            if t in t_node:
                edges.append((t_node[t], op_node[pos], big))
                edges.append((op_node[pos], producer.get(t, S), big))  # no reader on A of a tensor made on B
    for t in g.outputs:
        edges.append((t_node[t], T, big))
    side = _max_flow_source_side(2 + n_ops + len(tensors), edges, S, T)
    return {pos for pos in range(n_ops) if op_node[pos] in side}


def brute_force_assignment(g: Graph, cost_a, cost_b, transfer) -> tuple[float, set[int]]:
    """The exhaustive answer min_cut_assignment must equal (small graphs, for tests)."""
    best = None
    for mask in itertools.product((0, 1), repeat=len(g.ops)):
        on_a = {p for p, m in enumerate(mask) if m == 0}
        try:
            c = two_part_cost(g, on_a, cost_a, cost_b, transfer)
        except SplitError:
            continue
        if best is None or c < best[0] - 1e-12:
            best = (c, on_a)
    return best


def is_alias(op) -> bool:
    return REGISTRY[op.kind].alias
