"""Federated digits end to end: 10 clients on a Dirichlet(0.5) label split, FedAvg on Flower, then C.

    python examples/federated_digits/run.py build/fl_digits       # about 3 minutes on 2 cores

1. scikit-learn's bundled 8x8 digits (no download): 1,437 training images
   split over 10 simulated clients, each getting a skewed mix of labels
   (Dirichlet alpha 0.5); 360 images stay with the server, for centralized
   evaluation and int8 calibration;
2. FedAvg on Flower's simulation engine: 30 rounds, every client trains 5
   local epochs (Adam, lr 3e-3) and keeps 20% of its own data back for the
   clients' federated evaluation;
3. the same model, from the same initial weights, trained centrally on the
   same training data (all the clients' training shares pooled) for 30
   epochs (it has converged by then), to compare;
4. the global model quantized to int8 (calibrated on the server's held-out
   images), built for qemu-cortex-m4 and evaluated: float Keras, TFLM and
   tinyedge's C.

The folder gets train.npz, val.npz, initial.keras, global.keras,
federated.json (every round) and the C in c/. The same run from the
command line is in README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MODEL = f"{HERE / 'model.py'}:make_model"   # a factory spec, as `tinyedge federate --model` takes it


def load_digits_split(seed: int = 0, val_fraction: float = 0.2):
    """(x_train, y_train, x_val, y_val): images in [0, 1], (n, 8, 8, 1); stratified, fixed by seed (1437/360)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    x_tr, x_va, y_tr, y_va = train_test_split(x, d.target.astype(np.int64), test_size=val_fraction,
                                              random_state=seed, stratify=d.target)
    return x_tr, y_tr, x_va, y_va


def central_baseline(cfg, epochs: int) -> float:
    """Accuracy of the same model trained on the clients' pooled training shares (the data FedAvg trains on)."""
    import keras

    from tinyedge.federated.partition_data import load_partition, local_split, server_holdout
    from tinyedge.federated.training import compile_model, evaluate_model
    parts = [local_split(*load_partition(cfg, k), cfg.local_val_fraction, cfg.seed + k)
             for k in range(cfg.n_clients)]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    keras.utils.set_random_seed(cfg.seed)
    m = compile_model(keras.models.load_model(Path(cfg.out) / "initial.keras", compile=False), y, cfg.lr)
    m.fit(x, y, epochs=epochs, batch_size=cfg.batch_size, shuffle=True, verbose=0)
    xv, yv = server_holdout(cfg)
    return evaluate_model(m, xv, yv, True)["accuracy"]


def run(out: Path, clients: int = 10, rounds: int = 30, alpha: float = 0.5, local_epochs: int = 5,
        lr: float = 3e-3, seed: int = 0, board: str | None = "qemu-cortex-m4", central_epochs: int = 30,
        workers: int | None = None, echo=print) -> dict:
    """Every step into `out`; returns the figures."""
    from tinyedge.federated import FederateConfig, federate

    out.mkdir(parents=True, exist_ok=True)
    xt, yt, xv, yv = load_digits_split(seed)
    np.savez(out / "train.npz", x=xt, y=yt)
    np.savez(out / "val.npz", x=xv, y=yv)
    cfg = FederateConfig(model=MODEL, data=out / "train.npz", val=out / "val.npz", out=out,
                         clients=clients, rounds=rounds, partition="dirichlet", alpha=alpha,
                         local_epochs=local_epochs, lr=lr, seed=seed, board=board, name="digits_fl",
                         workers=workers)
    result = federate(cfg, echo=echo)
    fig = {"rounds": result.rounds, "summary": result.summary, "deploy": result.deploy}
    if central_epochs:
        fig["central_accuracy"] = central_baseline(cfg.replace(model=str(out / "initial.keras")), central_epochs)
    return fig


def report(fig: dict) -> str:
    rounds = fig["rounds"]
    acc = [r["centralized"].get("accuracy") for r in rounds]
    lines = ["round  accuracy (server's held-out set)  clients' own held-out data"]
    for r in rounds:
        f = (r.get("federated") or {}).get("accuracy")
        lines.append(f"{r['round']:>5}  {100 * r['centralized']['accuracy']:6.2f}%"
                     + (f"                      {100 * f:6.2f}%" if f is not None else ""))
    best = max(a for a in acc if a is not None)
    lines.append(f"federated: final {100 * acc[-1]:.2f}%, best {100 * best:.2f}%")
    if "central_accuracy" in fig:
        c = fig["central_accuracy"]
        lines.append(f"central (same model and data, 30 epochs): {100 * c:.2f}%; "
                     f"gap {100 * (c - acc[-1]):+.2f} points")
    d = fig.get("deploy")
    if d:
        e = d["evaluate"]
        lines.append(f"int8 build for {d['board']}: arena {d['arena_bytes']:,} B, flash {d['flash_bytes']:,} B")
        lines.append(f"accuracy on {e['samples']} held-out images: float {100 * e['float']:.2f}%, "
                     f"TFLM {100 * e['tflm']:.2f}%, tinyedge {100 * e['tinyedge']:.2f}%; "
                     f"{e['equal_to_tflm']}/{e['samples']} outputs equal to TFLM's")
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, nargs="?", default=Path("build/fl_digits"))
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--alpha", type=float, default=0.5)
    p.add_argument("--board", default="qemu-cortex-m4")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--central-epochs", type=int, default=30, help="0: skip the central baseline")
    p.add_argument("--data-only", action="store_true", help="write train.npz and val.npz and stop "
                   "(for the same run through 'tinyedge federate')")
    a = p.parse_args(argv)
    if a.data_only:
        a.out.mkdir(parents=True, exist_ok=True)
        xt, yt, xv, yv = load_digits_split(a.seed)
        np.savez(a.out / "train.npz", x=xt, y=yt)
        np.savez(a.out / "val.npz", x=xv, y=yv)
        print(f"wrote {a.out / 'train.npz'} ({len(yt)} images) and {a.out / 'val.npz'} ({len(yv)})")
        return
    fig = run(a.out, clients=a.clients, rounds=a.rounds, alpha=a.alpha, board=a.board, seed=a.seed,
              central_epochs=a.central_epochs)
    print(report(fig))
    (a.out / "figures.json").write_text(json.dumps({k: v for k, v in fig.items() if k != "rounds"}, indent=1,
                                                   default=float))


if __name__ == "__main__":
    main()
