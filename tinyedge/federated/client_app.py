"""The Flower ClientApp: local Keras training and evaluation on the data this node holds.

A node finds its data in its node config: `data=client.npz` on a real
device (`flower-supernode --node-config "data=..."`), or `partition-id` in
simulation, where the split is recomputed from the run's settings
(partition_data.py). Everything about training (epochs, learning rate,
FedProx's mu, the model's architecture as JSON, compression) arrives in the
server's train config, so a device needs only this code and its data.

Mods on the train handler, outermost first: compression (encodes the
update), then clipping (Flower's fixedclipping_mod when the server sent a
clipping norm), so the encoded update is the clipped one.
"""

from __future__ import annotations

import os
import zlib
from typing import Callable

import numpy as np

from .config import FederateConfig

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")

Trainer = Callable[[int, list, dict], tuple[list, int, dict]]


def make_model(cfg: FederateConfig):
    """cfg.model as a Keras model, compiled for the labels of client 0's data."""
    from .partition_data import load_partition
    from .training import compile_model, load_model
    _, y = load_partition(cfg, 0)
    return compile_model(load_model(cfg.model), y, cfg.lr, cfg.optimizer)


def client_seed(seed: int, server_round: int, client_id: int) -> int:
    """Each client's shuffling differs per round and per client, and repeats with the seed."""
    return int(np.random.SeedSequence([seed, server_round, client_id]).generate_state(1)[0])


def make_trainer(cfg: FederateConfig) -> Trainer:
    """trainer(partition_id, weights, config) -> (new weights, examples, metrics) for one client.

    config may override "local-epochs", "batch-size", "lr", "proximal-mu" and
    carries "server-round" (seeds the shuffling). The client trains on its
    partition minus its local held-out share, as in the ClientApp.
    """
    from .partition_data import load_partition, local_split
    from .training import trainer_for

    model = make_model(cfg)
    model_json = model.to_json()

    def trainer(partition_id: int, weights: list, config: dict) -> tuple[list, int, dict]:
        x, y = load_partition(cfg, partition_id)
        xt, yt, _, _ = local_split(x, y, cfg.local_val_fraction, cfg.seed + partition_id)
        t = trainer_for(model_json, y, cfg.optimizer)
        rnd = int(config.get("server-round", 0))
        new, metrics = t.fit(list(weights), xt, yt, epochs=int(config.get("local-epochs", cfg.local_epochs)),
                             batch_size=int(config.get("batch-size", cfg.batch_size)),
                             lr=float(config.get("lr", cfg.lr)), mu=float(config.get("proximal-mu", cfg.mu)),
                             seed=client_seed(cfg.seed, rnd, partition_id))
        return new, len(yt), metrics

    return trainer


def node_client_id(node_config: dict) -> int:
    """A stable id for this node: its partition id, else a hash of its data file's name."""
    if "partition-id" in node_config:
        return int(node_config["partition-id"])
    return zlib.crc32(str(node_config.get("data", "")).encode()) & 0x7FFFFFFF


def node_data(context, cfg: FederateConfig | None):
    """(x, y) this node holds: node config "data" (a device), or its simulated partition."""
    from ..compress.data import load_xy
    from .partition_data import load_partition
    if "data" in context.node_config:
        return load_xy(str(context.node_config["data"]))
    if cfg is None:
        cfg = FederateConfig.from_run_config(dict(context.run_config))
    return load_partition(cfg, int(context.node_config["partition-id"]))


def build_client_app(cfg: FederateConfig | None = None, mods: list | None = None):
    """The ClientApp. cfg: the run's settings (simulation); None: read from the run config (deployment).

    mods: extra Flower mods around train, outermost first (tests use one to
    play a bad client).
    """
    from flwr.app import ArrayRecord, Message, MetricRecord, RecordDict
    from flwr.clientapp import ClientApp

    from .compression import compression_mod
    from .partition_data import local_split
    from .privacy import clip_mod
    from .training import trainer_for

    app = ClientApp()

    def local(msg, context):
        config = msg.content["config"]
        x, y = node_data(context, cfg)
        cid = node_client_id(context.node_config)
        seed = int(config.get("seed", 0))
        xt, yt, xv, yv = local_split(x, y, float(config.get("local-val-fraction", 0.2)), seed + cid)
        t = trainer_for(str(config["model-json"]), y, str(config.get("optimizer", "adam")))
        return t, cid, seed, (xt, yt, xv, yv)

    @app.query()
    def query(msg: Message, context) -> Message:
        """The server asks each node for its id once, to sample clients reproducibly."""
        return Message(RecordDict({"metrics": MetricRecord({"client-id": node_client_id(context.node_config)})}),
                       reply_to=msg)

    @app.train(mods=[*(mods or []), compression_mod, clip_mod])
    def train(msg: Message, context) -> Message:
        config = msg.content["config"]
        t, cid, seed, (xt, yt, _, _) = local(msg, context)
        arrays = msg.content["arrays"]
        keys = list(arrays.keys())
        rnd = int(config.get("server-round", 0))
        new, metrics = t.fit([arrays[k].numpy() for k in keys], xt, yt, epochs=int(config.get("local-epochs", 1)),
                             batch_size=int(config.get("batch-size", 32)), lr=float(config.get("lr", 1e-3)),
                             mu=float(config.get("proximal-mu", 0.0)), seed=client_seed(seed, rnd, cid))
        reply = RecordDict({
            "arrays": ArrayRecord({k: _array(w) for k, w in zip(keys, new)}),
            "metrics": MetricRecord({"num-examples": len(yt), "client-id": cid, **metrics}),
        })
        return Message(reply, reply_to=msg)

    @app.evaluate()
    def evaluate(msg: Message, context) -> Message:
        t, cid, _, (_, _, xv, yv) = local(msg, context)
        arrays = msg.content["arrays"]
        scores = t.evaluate([a.numpy() for a in arrays.values()], xv, yv)
        return Message(RecordDict({"metrics": MetricRecord({"num-examples": len(yv), "client-id": cid,
                                                             **scores})}), reply_to=msg)

    return app


def _array(w):
    from flwr.app import Array
    return Array(np.ascontiguousarray(w))


# The deployment engine loads this (pyproject: clientapp = "tinyedge.federated.client_app:app").
app = build_client_app()
