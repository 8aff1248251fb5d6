"""Client-level differential privacy: Flower's clipping wrappers, accounted with Google's dp-accounting.

Each round releases the average of the sampled clients' clipped updates plus
Gaussian noise of std z * C / m (Flower's DP wrappers: clipping on the
server, or on the clients with Flower's `fixedclipping_mod`). One round is
the event PoissonSampled(q, Gaussian(z)), q = the sampled fraction of
clients, and the rounds compose under an RDP accountant. Flower samples a
fixed number of clients rather than each with probability q: the Poisson
event is the standard approximation for it (as in DP-FedAvg, McMahan et al.
2018); Flower's own accountant, which allows no amplification, agrees with
this one at q = 1 (tests/federated/test_privacy.py).
"""

from __future__ import annotations

import contextlib
import logging

from ..errors import UsageError


@contextlib.contextmanager
def _quiet_absl():
    """dp-accounting logs a warning per fractional RDP order it drops at q < 1: harmless, and hundreds."""
    log = logging.getLogger("absl")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _event(noise_multiplier: float, q: float, rounds: int):
    import dp_accounting
    one = dp_accounting.GaussianDpEvent(noise_multiplier)
    if q < 1.0:
        one = dp_accounting.PoissonSampledDpEvent(q, one)
    return dp_accounting.SelfComposedDpEvent(one, rounds)


def epsilon(noise_multiplier: float, q: float, rounds: int, delta: float) -> float:
    """Epsilon at `delta` after `rounds` releases of PoissonSampled(q, Gaussian(noise_multiplier))."""
    if rounds == 0:
        return 0.0
    from dp_accounting.rdp import RdpAccountant
    acc = RdpAccountant()
    with _quiet_absl():
        acc.compose(_event(noise_multiplier, q, rounds))
        return float(acc.get_epsilon(delta))


def solve_noise(target_epsilon: float, q: float, rounds: int, delta: float) -> float:
    """The smallest noise multiplier whose epsilon after `rounds` is at most `target_epsilon`."""
    import dp_accounting
    from dp_accounting.rdp import RdpAccountant
    try:
        with _quiet_absl():
            z = dp_accounting.calibrate_dp_mechanism(
                RdpAccountant, lambda z: _event(z, q, rounds), target_epsilon, delta,
                bracket_interval=dp_accounting.ExplicitBracketInterval(1e-3, 1e3))
    except Exception as e:  # dp-accounting raises ValueError/NoBracketIntervalFoundError for unreachable targets
        raise UsageError(f"no noise multiplier up to 1000 reaches epsilon {target_epsilon} at delta {delta} "
                         f"over {rounds} rounds ({type(e).__name__}); raise --target-epsilon or lower --rounds"
                         ) from None
    return float(z)


class PrivacyLedger:
    """Epsilon spent so far; says whether one more round stays within a budget."""

    def __init__(self, noise_multiplier: float, q: float, delta: float, budget: float | None = None):
        self.noise_multiplier, self.q, self.delta, self.budget = noise_multiplier, q, delta, budget
        self.releases = 0

    @property
    def epsilon(self) -> float:
        return epsilon(self.noise_multiplier, self.q, self.releases, self.delta)

    def next_fits(self) -> bool:
        if self.budget is None:
            return True
        return epsilon(self.noise_multiplier, self.q, self.releases + 1, self.delta) <= self.budget

    def record(self) -> float:
        self.releases += 1
        return self.epsilon


def dp_wrapper(strategy, clipping: str, noise_multiplier: float, clip_norm: float, n_sampled: int):
    """The Flower strategy wrapper that clips (server side, or asks the clients to) and adds the noise."""
    from flwr.serverapp.strategy import (
        DifferentialPrivacyClientSideFixedClipping,
        DifferentialPrivacyServerSideFixedClipping,
    )
    cls = (DifferentialPrivacyServerSideFixedClipping if clipping == "server"
           else DifferentialPrivacyClientSideFixedClipping)
    return cls(strategy, noise_multiplier=noise_multiplier, clipping_norm=clip_norm, num_sampled_clients=n_sampled)


def clip_mod(msg, context, call_next):
    """Client mod: Flower's `fixedclipping_mod` when the server sent a clipping norm, else nothing."""
    from flwr.clientapp.mod import fixedclipping_mod
    from flwr.supercore.differential_privacy import KEY_CLIPPING_NORM
    config = msg.content.config_records.get("config", {})
    if KEY_CLIPPING_NORM not in config:
        return call_next(msg, context)
    return fixedclipping_mod(msg, context, call_next)
