"""The memory planner on small hand-made graphs: no two live tensors overlap."""

import numpy as np

from tinyedge.ir import Graph, Op, QuantParams, Tensor
from tinyedge.passes.plan_memory import plan_memory


def q():
    return QuantParams(np.array([0.1], np.float32), np.array([0], np.int64))


def chain_graph(sizes, branch=False):
    """in -> FC -> t1 -> FC -> t2 ... ; with branch, t1 is also read by the last op."""
    tensors = [Tensor(0, "in", (1, 8), "int8", q())]
    ops = []
    for k, n in enumerate(sizes):
        w = Tensor(len(tensors), f"w{k}", (n, tensors[-1].shape[1] if k == 0 else sizes[k - 1]), "int8", q(),
                   np.zeros((n, 8 if k == 0 else sizes[k - 1]), np.int8))
        tensors.append(w)
        out = Tensor(len(tensors), f"t{k}", (1, n), "int8", q())
        tensors.append(out)
        src = 0 if k == 0 else tensors[-3].index
        ops.append(Op(k, "FULLY_CONNECTED", [src, w.index], [out.index]))
    if branch:
        ops[-1].inputs.append(ops[0].outputs[0])
    return Graph("g", tensors, ops, [0], [ops[-1].outputs[0]])


def overlaps(plan, g):
    live = {}
    for pos, op in enumerate(g.ops):
        for t in op.inputs + op.outputs:
            live.setdefault(t, [pos, pos])
            live[t][1] = pos
    placed = [(t, plan.storage[t][1], g.tensors[t].nbytes, live[t]) for t in live
              if plan.storage.get(t, ("", 0))[0] == "arena"]
    for i, (a, oa, na, la) in enumerate(placed):
        for b, ob, nb, lb in placed[i + 1:]:
            if la[0] <= lb[1] and lb[0] <= la[1] and oa < ob + nb and ob < oa + na:
                return (a, b)
    return None


def test_chain_reuses_memory():
    g = chain_graph([64, 32, 64, 16, 10])
    plan = plan_memory(g)
    assert overlaps(plan, g) is None
    # the biggest neighbouring pair bounds a chain: 64 + 32 (the last output is the caller's)
    assert plan.arena_size == 96
    assert plan.storage[g.inputs[0]] == ("input", 0)
    assert plan.storage[g.outputs[0]] == ("output", 0)


def test_long_lived_tensor_is_not_overwritten():
    g = chain_graph([40, 24, 24, 12], branch=True)
    plan = plan_memory(g)
    assert overlaps(plan, g) is None
    assert plan.arena_size >= 40 + 24 + 24


def test_scratch_is_placed_in_free_space():
    g = chain_graph([16, 64, 8, 64])
    base = plan_memory(g).arena_size  # peak at op 1: 16 + 64
    assert base == 80
    plan = plan_memory(g, {3: 32})  # op 3 reads 8 bytes: its 32 of scratch fit below the peak
    assert plan.arena_size == base
    s = plan.scratch[3]
    t2 = plan.storage[g.ops[2].outputs[0]][1]
    assert s + 32 <= t2 or t2 + 8 <= s


def test_outputs_that_alias_an_input_or_each_other_are_copied():
    t = [Tensor(0, "in", (1, 8), "int8", q()), Tensor(1, "view", (2, 4), "int8", q()),
         Tensor(2, "w", (8, 8), "int8", q(), np.zeros((8, 8), np.int8)), Tensor(3, "y", (1, 8), "int8", q()),
         Tensor(4, "y_view", (8,), "int8", q())]
    ops = [Op(0, "RESHAPE", [0], [1]), Op(1, "FULLY_CONNECTED", [0, 2], [3]), Op(2, "RESHAPE", [3], [4])]
    g = Graph("g", t, ops, [0], [1, 3, 4])
    plan = plan_memory(g)
    assert plan.storage[1] == ("input", 0)  # a view of the input stays in the caller's input buffer
    assert plan.storage[3] == ("output", 1) and plan.storage[4] == ("output", 1)
    assert plan.copies == [(0, 1), (2, 4)]  # so outputs 0 and 2 are filled by a copy at the end
    assert plan.arena_size == 0
