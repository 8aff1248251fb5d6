"""Split labelled numpy data over clients: IID, or non-IID by a Dirichlet(alpha) draw per label.

Everything is fixed by the seed, so each virtual client (a Ray worker) and
the server recompute the same split on their own instead of receiving it.
The server's held-out set (centralized evaluation, int8 calibration) is cut
off before the split and never reaches a client.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ..compress.data import DataError, load_xy
from ..errors import UsageError
from .config import FederateConfig

MIN_PER_CLIENT = 10     # a client with fewer samples cannot hold a batch and a local val split
DIRICHLET_TRIES = 100


def iid_split(n: int, clients: int, seed: int) -> list[np.ndarray]:
    """Sample indices shuffled and dealt into `clients` near-equal parts."""
    idx = np.random.default_rng(seed).permutation(n)
    return [np.sort(part) for part in np.array_split(idx, clients)]


def dirichlet_split(y: np.ndarray, clients: int, alpha: float, seed: int,
                    min_size: int = MIN_PER_CLIENT) -> list[np.ndarray]:
    """Per label, shares drawn from Dirichlet(alpha): small alpha gives each client few labels.

    Draws again (same generator) until every client has `min_size` samples,
    as flwr-datasets' DirichletPartitioner does.
    """
    y = np.asarray(y).reshape(-1)
    if y.dtype.kind not in "iub":
        raise DataError("a Dirichlet split needs integer class labels in y; use --partition iid for other targets")
    if len(y) < clients * min_size:
        raise DataError(f"{len(y)} samples are too few for {clients} clients of at least {min_size}; "
                        "use fewer clients")
    rng = np.random.default_rng(seed)
    labels = np.unique(y)
    for _ in range(DIRICHLET_TRIES):
        parts: list[list[int]] = [[] for _ in range(clients)]
        for c in labels:
            idx = rng.permutation(np.flatnonzero(y == c))
            shares = rng.dirichlet(np.full(clients, alpha))
            cuts = (np.cumsum(shares)[:-1] * len(idx)).astype(int)
            for k, chunk in enumerate(np.split(idx, cuts)):
                parts[k].extend(chunk.tolist())
        if min(len(p) for p in parts) >= min_size:
            return [np.sort(np.asarray(p, dtype=np.int64)) for p in parts]
    raise DataError(f"no Dirichlet(alpha={alpha}) split gave every one of {clients} clients {min_size} samples; "
                    "raise --alpha or use fewer clients")


def holdout_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held out) indices; stratified by label when labels are classes."""
    y = np.asarray(y).reshape(-1)
    rng = np.random.default_rng(seed)
    if y.dtype.kind in "iub":
        held = np.concatenate([
            (idx := rng.permutation(np.flatnonzero(y == c)))[:int(round(fraction * len(idx)))]
            for c in np.unique(y)])
    else:
        held = rng.permutation(len(y))[:int(round(fraction * len(y)))]
    mask = np.zeros(len(y), bool)
    mask[held] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _stamp(path) -> tuple[str, float]:
    p = Path(path).resolve()
    return str(p), p.stat().st_mtime


@lru_cache(maxsize=4)
def _pooled(data: tuple[str, float], val_fraction: float, has_val: bool, seed: int):
    x, y = load_xy(data[0])
    if has_val:
        return x, y, None
    kept, held = holdout_split(y, val_fraction, seed)
    return x[kept], y[kept], (x[held], y[held])


@lru_cache(maxsize=4)
def _parts(data: tuple[str, float], val_fraction: float, has_val: bool, seed: int, clients: int,
           partition: str, alpha: float) -> tuple[np.ndarray, ...]:
    x, y, _ = _pooled(data, val_fraction, has_val, seed)
    if partition == "dirichlet":
        return tuple(dirichlet_split(y, clients, alpha, seed))
    if len(y) < clients:
        raise DataError(f"{len(y)} samples cannot be split over {clients} clients; use fewer clients")
    return tuple(iid_split(len(y), clients, seed))


def load_partition(cfg: FederateConfig, partition_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Client `partition_id`'s own (x, y): its .npz, or its share of the pooled data."""
    if not 0 <= partition_id < cfg.n_clients:
        raise UsageError(f"client {partition_id} does not exist: there are {cfg.n_clients} clients")
    if cfg.client_data:
        return load_xy(cfg.client_data[partition_id])
    key = (_stamp(cfg.data), cfg.val_fraction, cfg.val is not None, cfg.seed)
    x, y, _ = _pooled(*key)
    idx = _parts(*key, cfg.n_clients, cfg.partition, cfg.alpha)[partition_id]
    return x[idx], y[idx]


def server_holdout(cfg: FederateConfig) -> tuple[np.ndarray, np.ndarray]:
    """The server's (x, y): the --val file, or the share of --data held out before the split."""
    if cfg.val is not None:
        return load_xy(cfg.val)
    if cfg.data is None:
        raise UsageError("the server needs held-out data for evaluation and calibration: pass --val val.npz")
    _, _, held = _pooled(_stamp(cfg.data), cfg.val_fraction, False, cfg.seed)
    return held


def local_split(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """A client's (x_train, y_train, x_val, y_val): `fraction` kept back for federated evaluation."""
    if fraction <= 0 or len(y) < 2:
        return x, y, x[:0], y[:0]
    idx = np.random.default_rng(seed).permutation(len(y))
    n_val = max(1, int(round(fraction * len(y))))
    va, tr = idx[:n_val], idx[n_val:]
    return x[tr], y[tr], x[va], y[va]


def label_histogram(cfg: FederateConfig) -> list[dict[int, int]]:
    """Samples per label per client, to show how skewed a split is."""
    out = []
    for k in range(cfg.n_clients):
        _, y = load_partition(cfg, k)
        labels, counts = np.unique(np.asarray(y).reshape(-1), return_counts=True)
        out.append({int(a): int(b) for a, b in zip(labels, counts)})
    return out


def write_client_files(cfg: FederateConfig, folder: str | Path) -> list[Path]:
    """One .npz per client (client_<k>.npz): what each device of a real fleet would hold."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(cfg.n_clients):
        x, y = load_partition(cfg, k)
        p = folder / f"client_{k}.npz"
        np.savez(p, x=x, y=y)
        paths.append(p)
    return paths
