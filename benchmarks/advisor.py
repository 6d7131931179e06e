"""The allocation advisor on a 223-window hall's day of 10,000 tickets (pure simulation, in-process).

    .venv/bin/python -m benchmarks.advisor [--tickets 10000] [--windows 223] [--replications 5]

A synthetic hall shaped like Haiyang's (DOMAIN.md): 223 windows in 33 departments, 66 services, the
hall open 09:00–12:00 and 13:30–17:00, a morning peak; most windows serve one to three services of
their department, a few are comprehensive (综合窗口). Demand is 10,000 tickets with the windows
about 70 % busy over the day; each service's demand is 0.3–1.7 times what its department's windows
were staffed for, so some windows sit on the wrong service and the search has work.
Figures: one replication of the day (median of five), a whole recommendation (current, proposal,
cap rounds and the attribution runs), and what-ifs of 20 replications as the manager page asks
them: cold (a process that kept nothing: today's allocation and the change), the first of the day
after the housekeeping's nightly prediction (today's kept) and a next one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

from benchmarks.common import failures, heading, report
from queue_server.domain.policy import Assignment
from queue_server.domain.simulation.advice import recommend
from queue_server.domain.simulation.engine import _drawn, simulate_day
from queue_server.domain.simulation.model import HOUR, Block, Handling, Scenario, ServiceSpec, WindowSpec
from queue_server.domain.simulation.search import Constraints
from queue_server.services.advisor import advice as advisor

OPEN = ((9 * HOUR, 12 * HOUR), (13.5 * HOUR, 17 * HOUR))
BUSY = 0.7  # the windows' mean utilisation over the day (the morning peak runs above it)
SHAPE = {9: 1.5, 10: 1.4, 11: 0.9, 13: 0.6, 14: 1.1, 15: 1.2, 16: 0.8}  # relative arrivals by hour


def big_hall(tickets: int, windows: int, seed: int = 7) -> tuple[Scenario, Constraints]:
    """The synthetic hall, and its constraints (each window may take its department's services)."""
    rng = random.Random(seed)
    departments = [f"D{i:02d}" for i in range(33)]
    services = [
        (f"{d}S{j}", d, rng.choice((300.0, 420.0, 600.0, 900.0))) for d in departments for j in (1, 2)
    ]
    staffed = {d: 1 for d in departments}
    for _ in range(windows - len(departments)):
        staffed[rng.choice(departments)] += 1
    plan: list[tuple[str, str, tuple[str, ...]]] = []
    for d, count in staffed.items():
        mine = [s for s, dep, _ in services if dep == d]
        for k in range(count):
            plan.append((f"{len(plan) + 1}", d, tuple(mine) if k % 3 == 0 else (mine[k % 2],)))
    # Tickets per service in proportion to its windows (give or take), handling times scaled so the
    # windows are BUSY over the day.
    weights = {s: staffed[d] * rng.uniform(0.3, 1.7) for s, d, _ in services}
    total = sum(weights.values())
    daily = {s: tickets * w / total for s, w in weights.items()}
    capacity = sum(b - a for a, b in OPEN) * windows * BUSY
    stretch = capacity / sum(daily[s] * m for s, _, m in services)
    shape_sum = sum(SHAPE.values())
    specs = [
        ServiceSpec(
            s,
            tuple(daily[s] * SHAPE.get(h, 0.0) / shape_sum for h in range(24)),
            Handling(mean * stretch),
            priority_share=0.05,
            appointment_share=0.08,
            no_show=0.04,
            department=d,
        )
        for s, d, mean in services
    ]
    spec_windows = tuple(
        WindowSpec(
            number,
            (Block(0.0, tuple(Assignment(c, i) for i, c in enumerate(codes, 1))),),
            OPEN,
            frozenset({d}),
        )
        for number, d, codes in plan
    )
    choices = {}
    for number, d, _ in plan:
        mine = [s.code for s in specs if s.department == d]
        choices[number] = [(Assignment(c),) for c in mine] + [
            tuple(Assignment(c, i) for i, c in enumerate(mine, 1))
        ]
    return Scenario(tuple(specs), spec_windows), Constraints(choices=choices)


def forget() -> None:
    """Drop what the process kept: today's figures per scenario, and the seeds' people."""
    advisor._today.clear()
    advisor._today_days.clear()
    _drawn.cache_clear()


def timed_what_if(
    label: str, scenario: Scenario, changes: dict[str, list[str]], ceiling: float | None
) -> None:
    """One what-if as the page asks it, in wall and CPU seconds (CPU against ``ceiling``)."""
    wall, cpu = time.perf_counter(), time.process_time()
    advisor.what_if(scenario, changes, 20, seed=1)
    spent, used = time.perf_counter() - wall, time.process_time() - cpu
    report(f"{label} (wall)", spent, "s", None, None)
    target = f"<= {ceiling:g}" if ceiling is not None else None
    report(f"{label} (CPU)", used, "s", target, None if ceiling is None else used <= ceiling)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--windows", type=int, default=223)
    parser.add_argument("--replications", type=int, default=5, help="per scenario in the recommendation")
    args = parser.parse_args(argv)
    scenario, constraints = big_hall(args.tickets, args.windows)
    heading(f"advisor: {args.windows} windows, ~{args.tickets} tickets a day")
    walls, cpus, served = [], [], []
    for seed in range(1, 6):
        wall, cpu = time.perf_counter(), time.process_time()
        day = simulate_day(scenario, seed)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        served.append(sum(len(r.waits) for r in day.services.values()))
    report("tickets served per day", statistics.median(served), "tickets", None, None)
    report("one replication (wall)", statistics.median(walls), "s", "<= 1", statistics.median(walls) <= 1.0)
    report("one replication (CPU)", statistics.median(cpus), "s", None, None)
    wall, cpu = time.perf_counter(), time.process_time()
    found = recommend(scenario, (9 * HOUR, 13.5 * HOUR), constraints, {}, args.replications, seed=1)
    spent = time.perf_counter() - wall
    report("recommendation (wall)", spent, "s", "<= 60", spent <= 60.0)
    report("recommendation (CPU)", time.process_time() - cpu, "s", None, None)
    report("  replications per scenario", args.replications, "", None, None)
    report("  moves proposed", len(found.moves), "", None, None)
    report("  hall p90 wait now", found.current.p90_wait.mean / 60, "min", None, None)
    report("  hall p90 wait proposed", found.proposed.p90_wait.mean / 60, "min", None, None)
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    # What-ifs as the manager page asks them (services.advisor.advice.what_if), each of 20
    # replications. Cold: a process that has simulated nothing for the day (restarted), so the
    # first what-if simulates today's allocation (20 replications), draws the seeds' people, and
    # simulates again only the part of the hall its change reaches. Then as a day runs: the
    # housekeeping's nightly prediction (while the hall is closed) simulates today's allocation
    # with the same replications and seed, so the manager's first what-if of the day finds it kept
    # and simulates its change only; and a next one.
    elsewhere = [a.service for a in scenario.windows[-1].blocks[0].assignments]
    moved = {w.number: elsewhere for w in scenario.windows[:3]}
    forget()
    timed_what_if("what-if, 20 reps, cold first", scenario, moved, 3.0)
    forget()
    wall, cpu = time.perf_counter(), time.process_time()
    advisor.today(scenario, 20)
    report("nightly prediction, 20 reps (wall)", time.perf_counter() - wall, "s", None, None)
    report("nightly prediction, 20 reps (CPU)", time.process_time() - cpu, "s", None, None)
    timed_what_if("what-if, 20 reps, first of the day", scenario, moved, 3.0)
    timed_what_if("what-if, 20 reps, next", scenario, dict(list(moved.items())[:1]), 3.0)
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
