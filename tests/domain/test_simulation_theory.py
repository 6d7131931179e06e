"""The simulator agrees with queueing theory on textbook cases (fixed seeds: deterministic, no flakes).

M/M/c against Erlang C for c = 1, 5, 20 at utilisation 0.5–0.9, and two priority classes against
Cobham's non-preemptive formulas: the theoretical mean wait must lie inside the simulation's 95 %
confidence interval over independent replications.
"""

from __future__ import annotations

import pytest

from queue_server.domain.policy import Assignment, PolicySettings
from queue_server.domain.simulation.engine import simulate_day
from queue_server.domain.simulation.model import Block, Handling, Scenario, ServiceSpec, Shape, WindowSpec
from queue_server.domain.simulation.summary import estimate, replicate
from queue_server.domain.simulation.theory import erlang_c, mmc_mean_wait, priority_mean_waits

SERVICE_SECONDS = 300.0
MU = 1 / SERVICE_SECONDS
NO_ANTI_STARVATION = PolicySettings(priority_max=None, normal_max_wait=None)


def mmc(servers: int, rho: float, customers: int, priority_share: float = 0.0) -> Scenario:
    """One long stationary stretch of M/M/c: ``customers`` expected arrivals, the first 5 % not counted."""
    rate = rho * servers * MU
    horizon = customers / rate
    service = ServiceSpec(
        "S", (rate * 3600,), Handling(SERVICE_SECONDS, shape=Shape.EXPONENTIAL), priority_share=priority_share
    )
    windows = tuple(
        WindowSpec(str(i), (Block(0.0, (Assignment("S"),)),), ((0.0, horizon * 20),)) for i in range(servers)
    )
    return Scenario((service,), windows, policy=NO_ANTI_STARVATION, slot=horizon, count_from=horizon * 0.05)


def test_erlang_c_matches_the_single_server_formula() -> None:
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert mmc_mean_wait(1, 0.7 * MU, MU) == pytest.approx(0.7 / (MU - 0.7 * MU))


@pytest.mark.parametrize("servers", [1, 5, 20])
@pytest.mark.parametrize("rho", [0.5, 0.7, 0.9])
def test_mmc_waits_agree_with_erlang_c(servers: int, rho: float) -> None:
    customers = 5000 if servers == 1 else 3000
    found = replicate(mmc(servers, rho, customers), replications=10, seed=1).services["S"]
    expected = mmc_mean_wait(servers, rho * servers * MU, MU)
    assert found.mean_wait.covers(expected), (expected, found.mean_wait)
    assert found.mean_wait.half_width < 0.3 * expected + 5.0  # narrow enough to mean something


@pytest.mark.parametrize("servers", [1, 5])
def test_two_priority_classes_agree_with_cobham(servers: int) -> None:
    """30 % priority at utilisation 0.8: priority waits much less, normal a little more than FIFO."""
    scenario = mmc(servers, 0.8, 5000, priority_share=0.3)
    days = [_split_by_class(scenario, seed) for seed in range(1, 11)]
    rate = 0.8 * servers * MU
    high, low = priority_mean_waits(servers, 0.3 * rate, 0.7 * rate, MU)
    high_found = estimate([d[0] for d in days])
    low_found = estimate([d[1] for d in days])
    assert high_found.covers(high), (high, high_found)
    assert low_found.covers(low), (low, low_found)
    assert high < mmc_mean_wait(servers, rate, MU) < low


def _split_by_class(scenario: Scenario, seed: int) -> tuple[float, float]:
    """Mean waits of priority and normal tickets in one replication."""
    result = simulate_day(scenario, seed)
    waits = result.services["S"]
    high = [w for w, p in zip(waits.waits, waits.priority, strict=True) if p]
    low = [w for w, p in zip(waits.waits, waits.priority, strict=True) if not p]
    return sum(high) / len(high), sum(low) / len(low)
