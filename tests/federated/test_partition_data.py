"""IID and Dirichlet splits: disjoint, complete, seeded, and as skewed as alpha says."""

import numpy as np
import pytest

from tinyedge.errors import TinyedgeError
from tinyedge.federated import FederateConfig
from tinyedge.federated.partition_data import (
    dirichlet_split,
    holdout_split,
    iid_split,
    load_partition,
    local_split,
    server_holdout,
)


def _labels(n=1000, classes=10, seed=0):
    return np.random.default_rng(seed).integers(0, classes, n)


def test_iid_split_is_a_partition_of_near_equal_parts():
    parts = iid_split(103, 10, seed=1)
    assert sorted(np.concatenate(parts).tolist()) == list(range(103))
    assert {len(p) for p in parts} == {10, 11}


def test_dirichlet_split_is_seeded_disjoint_complete_and_has_a_floor():
    y = _labels()
    a, b = dirichlet_split(y, 10, 0.5, seed=3), dirichlet_split(y, 10, 0.5, seed=3)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert sorted(np.concatenate(a).tolist()) == list(range(len(y)))
    assert min(len(p) for p in a) >= 10
    c = dirichlet_split(y, 10, 0.5, seed=4)
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))


def _skew(parts, y):
    """Mean over clients of the largest label's share: 0.1 for a uniform mix of 10 labels, 1 for one label."""
    return np.mean([np.bincount(y[p], minlength=10).max() / len(p) for p in parts])


def test_smaller_alpha_gives_more_skewed_clients():
    y = _labels(5000)
    skews = [_skew(dirichlet_split(y, 10, alpha, seed=0), y) for alpha in (100.0, 1.0, 0.1)]
    assert skews[0] < 0.16 < skews[1] < skews[2]
    assert _skew(iid_split(len(y), 10, 0), y) < 0.16


def test_dirichlet_errors_name_the_fix():
    with pytest.raises(TinyedgeError, match="fewer clients"):
        dirichlet_split(_labels(50), 10, 0.5, seed=0)
    with pytest.raises(TinyedgeError, match="integer class labels"):
        dirichlet_split(np.linspace(0, 1, 500), 10, 0.5, seed=0)


def test_holdout_is_stratified_and_disjoint():
    y = np.repeat(np.arange(10), 50)
    kept, held = holdout_split(y, 0.2, seed=0)
    assert len(set(kept) & set(held)) == 0 and len(kept) + len(held) == len(y)
    assert np.all(np.bincount(y[held]) == 10)


def test_partitions_from_pooled_data_cover_it_and_the_server_holdout_stays_out(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 4)).astype(np.float32)
    x[:, 0] = np.arange(600)  # an id per sample
    y = rng.integers(0, 10, 600)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    cfg = FederateConfig(model="m.keras", data=tmp_path / "d.npz", clients=5, partition="dirichlet", seed=2)
    ids = [load_partition(cfg, k)[0][:, 0] for k in range(5)]
    held = server_holdout(cfg)[0][:, 0]
    union = np.concatenate(ids)
    assert len(union) == len(set(union)) == 600 - len(held) == 480
    assert not set(union) & set(held)
    with pytest.raises(TinyedgeError, match="does not exist"):
        load_partition(cfg, 5)


def test_local_split_keeps_a_share_back():
    x, y = np.arange(50)[:, None], np.arange(50)
    xt, yt, xv, yv = local_split(x, y, 0.2, seed=0)
    assert len(yv) == 10 and len(yt) == 40 and not set(yt) & set(yv)
