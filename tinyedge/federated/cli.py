"""`tinyedge federate`: the click command (registered in tinyedge/cli.py with main.add_command(federate)).

Flower, Ray and TensorFlow are imported inside the command, so `tinyedge
--help` stays fast and a core install without the [federated] extra still
lists the command.
"""

from __future__ import annotations

from pathlib import Path

import click


def _need_extra() -> None:
    import importlib.util

    from ..errors import UsageError
    missing = [m for m in ("flwr", "ray", "dp_accounting", "tensorflow") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"federated training needs {', '.join(missing)}: pip install 'tinyedge[federated]'")


@click.command("federate")
@click.option("--model", required=True, help="Keras model: a .keras file, or a factory 'package.module:function'.")
@click.option("--data", type=click.Path(path_type=Path), help=".npz (x, y) split over the simulated clients.")
@click.option("--client-data", multiple=True, type=click.Path(path_type=Path),
              help="One .npz per client instead of --data (repeat).")
@click.option("--val", type=click.Path(path_type=Path),
              help="The server's held-out .npz (x, y): centralized evaluation and int8 calibration "
                   "(default: 20% of --data, held out before the split).")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path),
              help="Folder for federated.json, global.keras and the build.")
@click.option("--clients", type=int, default=10, show_default=True, help="Simulated clients.")
@click.option("--rounds", type=int, default=10, show_default=True)
@click.option("--fraction", type=float, default=1.0, show_default=True, help="Clients sampled per training round.")
@click.option("--fraction-evaluate", type=float, default=1.0, show_default=True,
              help="Clients sampled for federated evaluation (0: none).")
@click.option("--local-epochs", type=int, default=1, show_default=True)
@click.option("--batch-size", type=int, default=32, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True, help="Clients' learning rate.")
@click.option("--optimizer", type=click.Choice(["adam", "sgd"]), default="adam", show_default=True)
@click.option("--strategy", type=click.Choice(["fedavg", "fedprox"]), default="fedavg", show_default=True)
@click.option("--mu", type=float, default=0.0, show_default=True, help="FedProx's proximal weight.")
@click.option("--partition", type=click.Choice(["iid", "dirichlet"]), default="iid", show_default=True)
@click.option("--alpha", type=float, default=0.5, show_default=True,
              help="Dirichlet concentration: smaller gives each client fewer labels.")
@click.option("--seed", type=int, default=0, show_default=True, help="Fixes split, sampling, initial weights.")
@click.option("--noise-multiplier", type=float, help="DP: Gaussian noise std / clipping norm.")
@click.option("--target-epsilon", type=float, help="DP: solve the noise multiplier for this epsilon after --rounds.")
@click.option("--clip-norm", type=float, help="DP: clip each client's update to this L2 norm.")
@click.option("--delta", type=float, default=1e-5, show_default=True, help="DP: the delta epsilon is reported at.")
@click.option("--clipping", type=click.Choice(["server", "client"]), default="server", show_default=True,
              help="DP: where updates are clipped.")
@click.option("--epsilon-budget", type=float, help="DP: stop before a round would spend more than this.")
@click.option("--quantize-updates", is_flag=True, help="Send updates as int8 (one scale per tensor).")
@click.option("--topk", type=float, help="Send only this fraction of each update tensor (error feedback).")
@click.option("--max-update-norm", type=float, default=1000.0, show_default=True,
              help="Reject client updates whose L2 norm is larger.")
@click.option("--secure", type=click.Choice(["none", "secagg", "he"]), default="none", show_default=True,
              help="secagg: Flower's SecAgg+; he: CKKS-encrypted sums (TenSEAL).")
@click.option("--board", help="Then build the global model for this board (tinyedge boards) and evaluate it.")
@click.option("--name", help="C prefix for the build (default: federated).")
@click.option("--workers", type=int, help="Virtual clients trained at once (default: the CPU count).")
@click.option("--write-app", type=click.Path(path_type=Path),
              help="Do not simulate: write a Flower App folder here and print the deployment engine's commands.")
@click.option("-v", "--verbose", is_flag=True, help="Flower's and Ray's own logs too.")
@click.pass_context
def federate(ctx, model, data, client_data, val, out, clients, rounds, fraction, fraction_evaluate, local_epochs,
             batch_size, lr, optimizer, strategy, mu, partition, alpha, seed, noise_multiplier, target_epsilon,
             clip_norm, delta, clipping, epsilon_budget, quantize_updates, topk, max_update_norm, secure, board,
             name, workers, write_app, verbose):
    """Train MODEL with federated learning on Flower (simulated clients), then optionally build it for --board."""
    from ..cli import _run
    from .config import FederateConfig

    cfg = FederateConfig(
        model=model, data=data, client_data=list(client_data), val=val, out=out, clients=clients, rounds=rounds,
        fraction=fraction, fraction_evaluate=fraction_evaluate, local_epochs=local_epochs, batch_size=batch_size,
        lr=lr, optimizer=optimizer, strategy=strategy, mu=mu, partition=partition, alpha=alpha, seed=seed,
        noise_multiplier=noise_multiplier, target_epsilon=target_epsilon, clip_norm=clip_norm, delta=delta,
        clipping=clipping, epsilon_budget=epsilon_budget, quantize_updates=quantize_updates, topk=topk,
        max_update_norm=max_update_norm, secure=secure, board=board, name=name, workers=workers, verbose=verbose)

    if write_app:
        def app():
            from .run import prepare_app
            return prepare_app(cfg, write_app)
        commands = _run(ctx, app)
        click.echo(f"wrote the Flower App to {write_app}; run it on the deployment engine with:\n")
        click.echo(commands)
        return

    def go():
        _need_extra()
        from . import federate as _federate
        return _federate(cfg, echo=click.echo)

    r = _run(ctx, go)
    s = r.summary
    acc = (s.get("final_centralized") or {}).get("accuracy")
    line = f"global model -> {r.model}"
    if acc is not None:
        line += f": accuracy {100 * acc:.2f}% on the server's held-out set"
    if s.get("epsilon") is not None:
        line += f", epsilon {s['epsilon']:.3f} at delta {s['delta']:g}"
    n = s.get("rounds_run", 0)
    click.echo(line + f" ({n} round{'' if n == 1 else 's'})")
    if s.get("stopped_early"):
        click.echo(f"  stopped early: {s['stopped_early']}")
    click.echo(f"  per-round record: {r.run_json}")
    if r.deploy:
        d, e = r.deploy, r.deploy["evaluate"]
        click.echo(f"built {d['prefix']} for {d['board']} in {d['out_dir']}: arena {d['arena_bytes']:,} B, "
                   f"flash {d['flash_bytes']:,} B")
        click.echo(f"  accuracy on {e['samples']} held-out samples: float {100 * e['float']:.2f}%, int8 TFLM "
                   f"{100 * e['tflm']:.2f}%, int8 tinyedge {100 * e['tinyedge']:.2f}%")
