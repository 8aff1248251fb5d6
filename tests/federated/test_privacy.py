"""Epsilon as tinyedge reports it is dp-accounting's for the same mechanism (and Flower's, where comparable)."""

import math

import pytest

from tinyedge.errors import UsageError
from tinyedge.federated.privacy import PrivacyLedger, epsilon, solve_noise


def _dp_accounting(z, q, rounds, delta):
    import dp_accounting
    from dp_accounting.rdp import RdpAccountant
    acc = RdpAccountant()
    event = dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z))
    for _ in range(rounds):
        acc.compose(event)
    return acc.get_epsilon(delta)


@pytest.mark.parametrize("z, q, rounds", [(0.5, 1.0, 3), (1.0, 0.5, 10), (1.3, 0.3, 12), (4.0, 0.1, 20)])
def test_epsilon_equals_dp_accounting_round_by_round_composition(z, q, rounds):
    assert epsilon(z, q, rounds, 1e-5) == pytest.approx(_dp_accounting(z, q, rounds, 1e-5), rel=1e-9)


def test_epsilon_equals_flowers_accountant_without_sampling():
    from flwr.serverapp import RdpAccountant
    from flwr.supercore.privacy_accounting import (
        GaussianPrivacyEvent,
        NeighboringRelation,
        PrivacyConfig,
        SamplingMethod,
    )
    acc = RdpAccountant(PrivacyConfig(1e-5, 10, NeighboringRelation.ADD_OR_REMOVE_ONE,
                                      SamplingMethod.NO_AMPLIFICATION))
    for _ in range(3):
        acc.compose(GaussianPrivacyEvent(0.5, 10, 10))
    assert epsilon(0.5, 1.0, 3, 1e-5) == pytest.approx(acc.get_privacy_spent().epsilon, rel=1e-9)
    assert epsilon(0.5, 1.0, 3, 1e-5) == pytest.approx(21.44, abs=0.01)  # ../shared/FEDERATED.md


def test_solved_noise_reaches_the_target():
    z = solve_noise(8.0, 0.5, 30, 1e-5)
    assert epsilon(z, 0.5, 30, 1e-5) <= 8.0 + 1e-6
    assert epsilon(z * 0.97, 0.5, 30, 1e-5) > 8.0


def test_unreachable_target_is_a_usage_error():
    with pytest.raises(UsageError, match="raise --target-epsilon"):
        solve_noise(1e-9, 1.0, 30, 1e-5)


def test_ledger_stops_before_the_budget():
    ledger = PrivacyLedger(1.0, 1.0, 1e-5, budget=epsilon(1.0, 1.0, 4, 1e-5) + 1e-9)
    n = 0
    while ledger.next_fits():
        ledger.record()
        n += 1
    assert n == 4 and ledger.epsilon <= ledger.budget
    assert math.isinf(PrivacyLedger(1.0, 1.0, 1e-5).epsilon) is False
