"""One client's Keras training: the trainer interface the secure modes use, seeds, FedProx's pull."""

import numpy as np
from fl_support import MODEL

from tinyedge.federated import FederateConfig
from tinyedge.federated.client_app import make_model, make_trainer


def _distance(a, b):
    return float(np.sqrt(sum(np.sum((x - y) ** 2) for x, y in zip(a, b))))


def test_trainer_is_seeded_and_fedprox_keeps_clients_near_the_global_model(digits_files):
    train, val = digits_files
    cfg = FederateConfig(model=MODEL, data=train, val=val, clients=5, partition="dirichlet",
                         local_epochs=3, lr=3e-3)
    w0 = make_model(cfg).get_weights()
    trainer = make_trainer(cfg)
    plain, n, metrics = trainer(2, w0, {"server-round": 1})
    again, _, _ = trainer(2, w0, {"server-round": 1})
    prox, _, _ = trainer(2, w0, {"server-round": 1, "proximal-mu": 10.0})
    assert [w.shape for w in plain] == [w.shape for w in w0]
    assert 0 < n < 1437 // 5 * 2 and np.isfinite(metrics["train-loss"])
    assert all(np.array_equal(a, b) for a, b in zip(plain, again))
    assert _distance(prox, w0) < 0.7 * _distance(plain, w0)
