"""Federated runs on Flower's simulation engine (Ray): learning, bad clients, DP, thin links, seeds.

Each test is one simulation (Ray's start and TF's import in its workers
cost about 20 s each), asserting everything that run can show.
"""

import numpy as np
import pytest
from fl_support import MODEL

from tinyedge.federated import FederateConfig, federate
from tinyedge.federated.report import federated_figures

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def _cfg(digits_files, tmp_path, **kw):
    train, val = digits_files
    base = dict(model=MODEL, data=train, val=val, out=tmp_path / "out", clients=6, rounds=2,
                local_epochs=1, lr=3e-3, workers=1, seed=0)
    return FederateConfig(**{**base, **kw})


def test_fedavg_on_dirichlet_digits_learns_then_builds_int8_within_1p5_points(tmp_path, example):
    """The example (10 clients, Dirichlet 0.5, FedAvg), 4 rounds: the curve rises; int8 C ~ float."""
    fig = example.run(tmp_path / "fl", rounds=4, central_epochs=0, workers=2, board="qemu-cortex-m4")
    print("\n" + example.report(fig))
    rounds = fig["rounds"]
    acc = [r["centralized"]["accuracy"] for r in rounds]
    assert [r["round"] for r in rounds] == [0, 1, 2, 3, 4]
    assert acc[0] < 0.2 and acc[-1] >= 0.85 and acc[-1] > acc[1] + 0.1
    assert all(r["federated"]["accuracy"] > 0 for r in rounds[1:])
    assert all(r["accepted"] == r["sampled"] == 10 and r["rejected"] == r["failed"] == 0 for r in rounds[1:])
    # plain float32 updates: every client sends the whole model (13,706 parameters plus .npy headers)
    assert all(55_000 < r["bytes_up_per_client"] < 56_500 for r in rounds[1:])
    # acceptance 8: the int8 build's accuracy under host emulation is within 1.5 points of the float model's
    e = fig["deploy"]["evaluate"]
    assert e["samples"] == 360 and e["equal_to_tflm"] == 360
    assert abs(e["tinyedge"] - e["float"]) <= 0.015
    assert e["float"] == pytest.approx(acc[-1], abs=1e-9)
    assert (tmp_path / "fl" / "c" / "digits_fl_model.c").is_file()
    figs = federated_figures(tmp_path / "fl" / "federated.json")
    titles = [t for t, _ in figs]
    assert "Accuracy per round" in titles and "Bytes on the wire per client" in titles
    import base64
    assert all(base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n" for _, png in figs)


def _saboteur():
    """A client mod playing four bad clients: NaN, wrong shape, a huge update, a crash."""
    def saboteur(msg, context, call_next):
        from flwr.app import Array, ArrayRecord
        pid = int(context.node_config["partition-id"])
        if pid == 4:
            raise RuntimeError("client 4 lost power")
        out = call_next(msg, context)
        if pid not in (1, 2, 3) or out.has_error():
            return out
        ws = {k: a.numpy().copy() for k, a in out.content["arrays"].items()}
        first = next(iter(ws))
        if pid == 1:
            ws[first].flat[0] = np.nan
        elif pid == 2:
            ws[first] = np.zeros((ws[first].shape[0] + 1, *ws[first].shape[1:]), np.float32)
        else:
            ws = {k: v * 1e6 for k, v in ws.items()}
        out.content["arrays"] = ArrayRecord({k: Array(np.ascontiguousarray(v)) for k, v in ws.items()})
        return out
    return saboteur


def test_bad_updates_are_rejected_and_a_crash_is_a_failure_while_rounds_go_on(digits_files, tmp_path):
    r = federate(_cfg(digits_files, tmp_path, partition="iid"), client_mods=[_saboteur()])
    rounds = r.rounds
    assert r.summary["rounds_run"] == 2
    for rec in rounds[1:]:
        assert rec["sampled"] == 6 and rec["accepted"] == 2 and rec["rejected"] == 3 and rec["failed"] == 1
        assert rec["clients"] == [0, 5]
        reasons = {x["client"]: x["reason"] for x in rec["rejections"]}
        assert "NaN" in reasons[1] and "shape" in reasons[2] and "norm" in reasons[3]
        assert "lost power" in rec["failures"][0]["reason"]
    assert rounds[-1]["centralized"]["accuracy"] > rounds[0]["centralized"]["accuracy"] + 0.1
    model_weights = __import__("keras").models.load_model(r.model).get_weights()
    assert all(np.isfinite(w).all() for w in model_weights)


def _dp_accounting_epsilon(z, q, rounds, delta):
    import dp_accounting
    from dp_accounting.rdp import RdpAccountant
    acc = RdpAccountant()
    for _ in range(rounds):
        acc.compose(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z)))
    return acc.get_epsilon(delta)


def test_dp_thin_links_fedprox_and_sampling_stop_at_the_epsilon_budget(digits_files, tmp_path):
    """Client-side clipping + noise, int8 top-20% updates, FedProx, half the clients per round;
    the budget allows 2 of 4 rounds; epsilon each round equals dp-accounting's."""
    z, q, delta = 1.0, 0.5, 1e-5
    budget = _dp_accounting_epsilon(z, q, 2, delta) + 1e-6
    cfg = _cfg(digits_files, tmp_path, rounds=4, fraction=0.5, noise_multiplier=z, clip_norm=1.0,
               clipping="client", delta=delta, epsilon_budget=budget, quantize_updates=True, topk=0.2,
               strategy="fedprox", mu=0.1, partition="dirichlet")
    r = federate(cfg)
    trained = r.rounds[1:]
    assert r.summary["rounds_run"] == 2 and "budget" in r.summary["stopped_early"]
    for rec in trained:
        assert rec["epsilon"] == pytest.approx(_dp_accounting_epsilon(z, q, rec["round"], delta), rel=1e-9)
        assert rec["sampled"] == 3 and rec["accepted"] == 3
        # int8 values + 16-bit indices for 20% of the weights: under a quarter of the float32 bytes
        assert rec["bytes_up_per_client"] < 0.25 * rec["bytes_down_per_client"]
        assert len(set(rec["clients"])) == 3 and set(rec["clients"]) <= set(range(6))
    assert r.summary["epsilon"] <= budget and r.summary["noise_multiplier"] == z


def test_a_seed_makes_a_simulation_reproducible(digits_files, tmp_path):
    import keras
    runs = []
    for k in range(2):
        r = federate(_cfg(digits_files, tmp_path / str(k), clients=4, fraction=0.5, partition="dirichlet"))
        runs.append((r.rounds, keras.models.load_model(r.model).get_weights()))
    (a, wa), (b, wb) = runs

    def key(rounds):
        return [(x["round"], x["centralized"], x.get("clients"), x.get("federated")) for x in rounds]
    assert key(a) == key(b)
    assert all(np.array_equal(x, y) for x, y in zip(wa, wb))
    assert a[1]["clients"] != a[2]["clients"]  # 2 of 4 clients per round, drawn again each round
