"""The cut machinery on synthetic graphs: crossing sets, relayed tensors, and the DADS minimum
s-t cut equal to brute force over every data-flow-respecting assignment."""

import numpy as np
import pytest

from tinyedge.errors import SplitError
from tinyedge.ir import Graph, Op, Tensor
from tinyedge.partition.cut import (
    boundaries,
    brute_force_assignment,
    chain_assignment,
    min_cut_assignment,
    two_part_cost,
)


def random_dag(rng, n_ops: int) -> Graph:
    """Tensor 0 is the input; op i writes tensor i+1 and reads one or two earlier tensors."""
    tensors = [Tensor(i, f"t{i}", (1, int(rng.integers(1, 64))), "int8") for i in range(n_ops + 1)]
    ops = []
    for i in range(n_ops):
        k = int(rng.integers(1, 3)) if i else 1
        ins = sorted({int(rng.integers(0, i + 1)) for _ in range(k)} | {i})  # always the previous: connected
        ops.append(Op(i, "ADD" if len(ins) > 1 else "CONV_2D", ins, [i + 1]))
    outs = [n_ops] + ([int(rng.integers(1, n_ops))] if rng.random() < 0.3 else [])
    return Graph("dag", tensors, ops, [0], sorted(set(outs)))


@pytest.mark.parametrize("seed", range(60))
def test_min_cut_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    g = random_dag(rng, int(rng.integers(2, 10)))
    cost_a = list(rng.uniform(0, 10, len(g.ops)))
    cost_b = list(rng.uniform(0, 3, len(g.ops)) if seed % 2 else rng.uniform(0, 10, len(g.ops)))
    sizes = {t.index: t.nbytes for t in g.tensors}
    latency = float(rng.uniform(0, 2))

    def transfer(t):
        return latency + sizes[t] * 0.1

    on_a = min_cut_assignment(g, cost_a, cost_b, transfer)
    best_cost, _ = brute_force_assignment(g, cost_a, cost_b, transfer)
    assert two_part_cost(g, on_a, cost_a, cost_b, transfer) == pytest.approx(best_cost, rel=1e-9, abs=1e-9)


def test_relayed_tensor_crosses_every_cut_between():
    # t1 made in part 0 is read by op 3 in part 2: it crosses both cuts (relayed through part 1).
    t = [Tensor(i, f"t{i}", (1, 4), "int8") for i in range(5)]
    ops = [Op(0, "CONV_2D", [0], [1]), Op(1, "CONV_2D", [1], [2]), Op(2, "CONV_2D", [2], [3]),
           Op(3, "ADD", [3, 1], [4])]
    g = Graph("g", t, ops, [0], [4])
    assert boundaries(g, chain_assignment(4, [1, 3])) == [[1], [1, 3]]
    with pytest.raises(SplitError, match="made later"):
        boundaries(g, [1, 0, 1, 1])  # op 1 before the op that makes its input
