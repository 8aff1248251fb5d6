"""Secure aggregation: SecAgg+ (with and without DP) and CKKS homomorphic encryption.

The Flower runs use a stand-in trainer (`PresetTrainer`) whose client i
returns exactly initial + updates[i], so the aggregate can be checked
against plain FedAvg computed here with numpy.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
pytest.importorskip("flwr")
# Not importorskip("tenseal"): after TensorFlow, TenSEAL must be imported the way secure_he does it.
if importlib.util.find_spec("tenseal") is None:
    pytest.skip("tenseal is not installed", allow_module_level=True)

from tinyedge.errors import UsageError
from tinyedge.federated.config import FederateConfig
from tinyedge.federated.secure import (
    HeFedAvg,
    KeyHolder,
    PresetTrainer,
    decrypt_vector,
    dp_noise_seed,
    encrypt_update,
    is_public_only,
    run_he,
    run_secagg,
    secagg_error_bound,
    secagg_on_updates,
    seeded_global_numpy,
    sum_ciphertexts,
)

F32_HALF_ULP = 2.0**-24  # the result is cast back to the model's float32


def _model(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=(4,)).astype(np.float32)]


def _updates(weights, clients: int, scale: float, seed: int = 1) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[rng.normal(scale=scale, size=w.shape) for w in weights] for _ in range(clients)]


def _fedavg(initial, updates, num_examples, keep):
    total = sum(num_examples[i] for i in keep)
    return [sum(num_examples[i] * (w.astype(np.float64) + updates[i][j]) for i in keep) / total
            for j, w in enumerate(initial)]


def _max_dev(got, expected) -> float:
    return max(float(np.abs(g.astype(np.float64) - e).max()) for g, e in zip(got, expected))


def _max_abs(arrays) -> float:
    return max(float(np.abs(a).max()) for a in arrays)


# --- SecAgg+ ------------------------------------------------------------------------

def test_secagg_equals_fedavg_and_survives_a_dropout():
    """Round 1: all four clients. Round 2: client 2 drops out after sharing its keys."""
    initial, ns = _model(), [30, 60, 90, 120]
    updates = _updates(initial, 4, 0.1)
    # Each client shares its keys with 2 neighbours (+ itself); 2 shares rebuild a key.
    result = secagg_on_updates(initial, updates, ns, rounds=2, drop_clients={2: {2}},
                               num_shares=3, reconstruction_threshold=2)
    first, second = result["history"]

    expected = _fedavg(initial, updates, ns, range(4))
    peak = _max_abs(expected) + 1.0  # every client's weights lie within this
    bound = secagg_error_bound(ns, max_abs_value=peak)
    dev = _max_dev(first["weights"], expected)
    print(f"SecAgg+ vs FedAvg: max deviation {dev:.3g}, bound {bound:.3g}")
    assert first["completed"] and (first["clients"], first["dropped"]) == (4, 0)
    assert dev <= bound < 1e-3  # and the bound is tight enough to mean something

    print(f"dropout round: {({k: v for k, v in second.items() if k != 'weights'})}")
    assert second["completed"]
    assert (second["sampled"], second["clients"], second["dropped"]) == (4, 3, 1)
    assert any("after sharing its keys" in r for r in second["failure_reasons"])
    keep = [0, 1, 3]
    expected = _fedavg(first["weights"], updates, ns, keep)
    bound = secagg_error_bound([ns[i] for i in keep], max_abs_value=_max_abs(expected) + 1.0)
    dev = _max_dev(second["weights"], expected)
    print(f"dropout round: max deviation {dev:.3g}, bound {bound:.3g}")
    assert dev <= bound

    # What run_secagg hands back is the last round's model, in the model's dtype.
    assert [w.dtype for w in result["weights"]] == [np.float32, np.float32]
    assert _max_dev(result["weights"], second["weights"]) <= _max_abs(expected) * F32_HALF_ULP
    assert result["epsilon"] is None


def test_dp_with_secagg_matches_plain_dp_aggregate_and_accountant():
    import dp_accounting
    from dp_accounting.rdp import RdpAccountant
    from flwr.common import ndarrays_to_parameters, parameters_to_ndarrays
    from flwr.supercore.differential_privacy import add_gaussian_noise_to_params

    initial, ns = _model(4), [10, 20, 30, 40]
    updates = [[u * s for u in us] for us, s in zip(_updates(initial, 4, 1.0, seed=5), [0.05, 0.1, 0.2, 0.3])]
    z, clip, delta, seed = 0.8, 0.7, 1e-5, 7
    norms = [np.sqrt(sum(float((u**2).sum()) for u in us)) for us in updates]
    assert min(norms) < clip < max(norms)  # some updates are clipped, some not
    result = secagg_on_updates(initial, updates, ns, seed=seed, noise_multiplier=z, clip_norm=clip,
                               delta=delta, num_shares=3, reconstruction_threshold=2)

    # The plain DP aggregate: clip each update, average with equal weights, add Flower's
    # noise drawn under the same seed.
    clipped = [[u * min(1.0, clip / n) for u in us] for us, n in zip(updates, norms)]
    plain = _fedavg(initial, clipped, [1, 1, 1, 1], range(4))
    with seeded_global_numpy(dp_noise_seed(seed, 1)):
        noised = parameters_to_ndarrays(add_gaussian_noise_to_params(ndarrays_to_parameters(plain), z, clip, 4))
    bound = secagg_error_bound([1, 1, 1, 1], max_weight=1.0)
    (row,) = result["history"]
    dev = _max_dev(row["weights"], noised)
    noise = _max_dev(noised, plain)
    print(f"DP + SecAgg+: max deviation {dev:.3g}, bound {bound:.3g}, noise up to {noise:.3g}")
    assert dev <= bound < noise / 100  # the noise itself is matched, not just its size

    accountant = RdpAccountant()
    accountant.compose(dp_accounting.PoissonSampledDpEvent(1.0, dp_accounting.GaussianDpEvent(z)), 1)
    expected_eps = accountant.get_epsilon(delta)
    print(f"DP + SecAgg+: epsilon {result['epsilon']:.4f} at delta {delta}")
    assert result["epsilon"] == pytest.approx(expected_eps, rel=1e-9)
    assert row["completed"] and row["epsilon"] == result["epsilon"]
    assert row["noise_std"] == pytest.approx(z * clip / 4)


def test_secagg_error_bound_and_usage_errors():
    # Equal weights: k clients each off by < 1 level of 2c/T, divided by k weights of T.
    assert secagg_error_bound([1, 1, 1], max_weight=1.0) == pytest.approx(2 * 8.0 / 2**22)
    # Unequal integer weights add a reweighting term that scales with the values.
    assert secagg_error_bound([1, 2], max_weight=3.0, max_abs_value=1.0) > secagg_error_bound(
        [1, 2], max_weight=3.0)
    trainer = PresetTrainer(_updates(_model(), 2, 0.1), [1, 1])
    with pytest.raises(UsageError, match="clip-norm"):
        run_secagg(FederateConfig(clients=2, noise_multiplier=1.0), trainer, _model())
    with pytest.raises(UsageError, match="compression"):
        run_secagg(FederateConfig(clients=2, topk=0.1), trainer, _model())
    with pytest.raises(UsageError, match="DP"):
        run_he(FederateConfig(clients=2, noise_multiplier=1.0, clip_norm=1.0), trainer, _model())


# --- homomorphic encryption ---------------------------------------------------------------

@pytest.fixture(scope="module")
def key_holder() -> KeyHolder:
    return KeyHolder()


def test_he_sum_equals_plain_sum(key_holder):
    rng = np.random.default_rng(0)
    updates = [rng.normal(scale=0.05, size=10_000) for _ in range(5)]  # three ciphertexts each
    public = key_holder.public_context()
    ciphertexts = [encrypt_update(public, u) for u in updates]
    total = key_holder.decrypt(sum_ciphertexts(public, ciphertexts))
    plain = np.sum(updates, axis=0)
    rel = float(np.abs(total - plain).max() / np.abs(plain).max())
    print(f"HE: {len(ciphertexts[0])} ciphertext bytes per 10,000-value update, max relative error {rel:.2g}")
    assert total.shape == plain.shape
    assert rel < 1e-4


def test_he_server_context_is_public_only(key_holder):
    public, secret = key_holder.public_context(), key_holder.client_context()
    assert is_public_only(public) and not is_public_only(secret)
    ct = sum_ciphertexts(public, [encrypt_update(public, np.ones(8)), encrypt_update(secret, np.ones(8))])
    with pytest.raises(UsageError, match="no secret key"):
        decrypt_vector(public, ct)
    # TenSEAL itself refuses too: the public context has nothing to decrypt with.
    import tenseal as ts

    from tinyedge.federated.secure_he import _unpack
    with pytest.raises(ValueError):
        ts.ckks_vector_from(ts.context_from(public), _unpack(ct)[0]).decrypt()
    assert np.allclose(decrypt_vector(secret, ct), 2.0, atol=1e-6)
    # The aggregator refuses a context that could decrypt.
    with pytest.raises(UsageError, match="secret key"):
        sum_ciphertexts(secret, [ct])
    with pytest.raises(UsageError, match="secret key"):
        HeFedAvg(secret)


def test_he_round_on_flower(key_holder):
    initial, ns = _model(6), [25, 50, 75]
    updates = _updates(initial, 3, 0.1, seed=7)
    cfg = FederateConfig(clients=3, rounds=1, workers=1)
    result = run_he(cfg, PresetTrainer(updates, ns), initial, key_holder=key_holder)

    assert result["server_context_public"]
    expected = _fedavg(initial, updates, ns, range(3))
    step = [e - w for e, w in zip(expected, initial)]
    got = [g.astype(np.float64) - w for g, w in zip(result["weights"], initial)]
    rel = max(float(np.abs(g - s).max()) for g, s in zip(got, step)) / _max_abs(step)
    (row,) = result["history"]
    cost = result["cost"]
    print(f"HE round: relative error {rel:.2g}; cost {cost}; public context {result['public_context_bytes']} bytes")
    assert rel < 1e-4 + _max_abs(expected) * F32_HALF_ULP / _max_abs(step)
    assert row["completed"] and row["clients"] == 3 and row["weight_sum"] == pytest.approx(sum(ns))
    assert cost["ciphertext_bytes"] > cost["plain_bytes"] > 0
    assert all(cost[k] > 0 for k in ("encrypt_ms", "aggregate_ms", "decrypt_ms"))
