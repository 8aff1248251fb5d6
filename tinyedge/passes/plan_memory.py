"""Place every activation tensor in one arena, at offsets fixed at build time.

RESHAPE/SQUEEZE outputs share their input's storage, and so do the outputs
of convolutions marked in place (passes/inplace.py). Graph inputs and outputs
live in the caller's buffers, so the arena holds only intermediate tensors and
kernel scratch. Placement is greedy (lowest offset that does not collide with
any buffer alive at the same time), tried over several orderings; the
smallest arena wins. Ties keep the first ordering, so plans are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Graph
from ..ops import REGISTRY

ALIGN = 4  # int32 scratch and float outputs need 4-byte alignment


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


@dataclass
class Buffer:
    key: str  # "t<root tensor>" or "s<op position>"
    size: int
    first: int  # op positions, inclusive
    last: int
    offset: int = -1


@dataclass
class MemoryPlan:
    arena_size: int
    # tensor index -> ("arena", offset) | ("input", k) | ("output", k) | ("const", tensor)
    storage: dict[int, tuple[str, int]]
    scratch: dict[int, int]  # op position -> arena offset
    buffers: list[Buffer]
    copies: list[tuple[int, int]] = field(default_factory=list)  # (output k, source tensor)


def alias_roots(g: Graph) -> dict[int, int]:
    """Tensor index -> the tensor whose storage it shares."""
    root = {t.index: t.index for t in g.tensors}
    for op in g.ops:
        if REGISTRY[op.kind].alias or op.options.get("inplace"):  # passes/inplace.py
            root[op.outputs[0]] = root[op.inputs[0]]
    return root


def _place(buffers: list[Buffer], order: list[int]) -> tuple[int, list[int]]:
    placed: list[tuple[int, int, Buffer]] = []  # (offset, end, buffer)
    offsets = [0] * len(buffers)
    top = 0
    for i in order:
        b = buffers[i]
        live = sorted((o, e) for o, e, p in placed if p.first <= b.last and b.first <= p.last)
        offset = 0
        for o, e in live:
            if offset + b.size <= o:
                break
            offset = max(offset, e)
        offsets[i] = offset
        placed.append((offset, offset + b.size, b))
        top = max(top, offset + b.size)
    return top, offsets


def plan_memory(g: Graph, scratch_bytes: dict[int, int] | None = None) -> MemoryPlan:
    """Plan storage for every tensor; scratch_bytes maps op position -> bytes."""
    root = alias_roots(g)
    members: dict[int, list[int]] = {}
    for t, r in root.items():
        members.setdefault(r, []).append(t)

    storage: dict[int, tuple[str, int]] = {}
    copies: list[tuple[int, int]] = []
    class_storage: dict[int, tuple[str, int]] = {}
    for r, ts in members.items():
        if r in g.inputs:
            class_storage[r] = ("input", g.inputs.index(r))
        elif g.tensors[r].is_const:
            class_storage[r] = ("const", r)
        else:
            outs = [k for k, o in enumerate(g.outputs) if o in ts]
            class_storage[r] = ("output", outs[0]) if outs else ("arena", -1)
        for t in ts:
            storage[t] = class_storage[r]
    for k, o in enumerate(g.outputs):
        if storage[o] != ("output", k):
            copies.append((k, o))

    # Lifetimes in op positions; alias ops take no position of their own but
    # their readers extend the root's lifetime.
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for pos, op in enumerate(g.ops):
        for t in op.outputs:
            r = root[t]
            first.setdefault(r, pos)
            last[r] = max(last.get(r, pos), pos)
        for t in op.inputs:
            if t >= 0:
                r = root[t]
                last[r] = max(last.get(r, pos), pos)

    buffers = [Buffer(f"t{r}", _align(g.tensors[r].nbytes), first[r], last[r])
               for r in sorted(members) if class_storage[r][0] == "arena" and r in first]
    for pos, n in sorted((scratch_bytes or {}).items()):
        if n > 0:
            buffers.append(Buffer(f"s{pos}", _align(n), pos, pos))

    orderings = [
        lambda b: (-b.size, b.first),
        lambda b: (-(b.last - b.first), -b.size),
        lambda b: (-b.size * (b.last - b.first + 1), b.first),
        lambda b: (b.first, -b.size),
        lambda b: (-b.last, -b.size),
    ]
    best = None
    for key in orderings:
        order = sorted(range(len(buffers)), key=lambda i: (key(buffers[i]), i))
        size, offsets = _place(buffers, order)
        if best is None or size < best[0]:
            best = (size, offsets)
    arena_size, offsets = best if best else (0, [])
    scratch: dict[int, int] = {}
    for b, off in zip(buffers, offsets):
        b.offset = off
        if b.key.startswith("s"):
            scratch[int(b.key[1:])] = off
        else:
            r = int(b.key[1:])
            for t in members[r]:
                storage[t] = ("arena", off)
    return MemoryPlan(_align(arena_size), storage, scratch, buffers, copies)
