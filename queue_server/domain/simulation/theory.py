"""Textbook formulas the simulator is checked against: M/M/c (Erlang C), two priority classes (Cobham)."""

from __future__ import annotations


def erlang_c(servers: int, offered: float) -> float:
    """Probability an arrival waits in M/M/c with ``offered`` = λ/μ Erlangs (< servers)."""
    if offered >= servers:
        raise ValueError("the queue is unstable: offered load must be below the number of servers")
    term, total = 1.0, 1.0  # a^k/k! summed for k < c, built iteratively (no overflow at c = 20)
    for k in range(1, servers):
        term *= offered / k
        total += term
    last = term * offered / servers * servers / (servers - offered)
    return last / (total + last)


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue of M/M/c."""
    offered = arrival_rate / service_rate
    return erlang_c(servers, offered) / (servers * service_rate - arrival_rate)


def priority_mean_waits(
    servers: int, high_rate: float, low_rate: float, service_rate: float
) -> tuple[float, float]:
    """Mean waits (high, low) of non-preemptive two-class priority M/M/c with one service rate (Cobham)."""
    total = high_rate + low_rate
    residual = erlang_c(servers, total / service_rate) / (servers * service_rate)
    sigma_high = high_rate / (servers * service_rate)
    sigma_all = total / (servers * service_rate)
    return residual / (1 - sigma_high), residual / ((1 - sigma_high) * (1 - sigma_all))
