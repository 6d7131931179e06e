"""``hallq advise``: the advisor on the command line (the SQL history adapter meets the services)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.table import Table

from queue_server.domain.actors import Actor
from queue_server.domain.simulation.advice import Progress, Recommendation
from queue_server.domain.simulation.history import Learned, Rate
from queue_server.messages import render
from queue_server.runtime import Runtime
from queue_server.services.advisor import advice
from queue_server.services.advisor import hall as hall_model
from queue_server.services.advisor.proposal import proposal_file
from queue_server.services.desk import profiles


def advise_day(
    runtime: Runtime,
    hall: str | None,
    day: date,
    replications: int,
    cap_minutes: float | None,
    seed: int,
    progress: Progress | None = None,
) -> tuple[Recommendation, dict[str, Any], Learned]:
    """Forecast ``day`` from the history, recommend an allocation; the proposal file's content and
    what the history said."""

    def prepare(uow: Any) -> Any:
        hall_id = uow.stores.hall.hall_id(hall)
        actor = Actor(hall_id, "manager", name="hallq advise")
        scenario, known = advice.forecast(uow, actor, uow.stores.history, day, replications)
        catalogue = uow.catalogue(hall_id)
        kept = [p.services for p in profiles.list_profiles(uow, actor)]
        return scenario, known, kept, hall_model.block_starts(catalogue, day), catalogue.code

    scenario, known, kept, starts, code = runtime.read_sync(prepare)
    rules = advice.constraints(scenario, kept)
    cap = cap_minutes * 60 if cap_minutes is not None else None
    found = advice.advise(scenario, starts, rules, cap, replications, seed, progress)
    return found, proposal_file(code, day, starts, found), known


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


def comparison_table(found: Recommendation) -> Table:
    """Per service: mean and p90 wait today and under the proposal (minutes, ± the 95 % interval)."""
    table = Table(
        "service",
        "tickets",
        "mean now",
        "mean proposed",
        "p90 now",
        "p90 proposed",
        "over threshold now → proposed",
        title="Expected waits (minutes, 95 % interval)",
    )
    for code, now in sorted(found.current.services.items()):
        later = found.proposed.services[code]
        if now.served == 0:
            continue
        table.add_row(
            code,
            f"{now.served:.0f}",
            f"{_minutes(now.mean_wait.mean)} ± {_minutes(now.mean_wait.half_width)}",
            f"{_minutes(later.mean_wait.mean)} ± {_minutes(later.mean_wait.half_width)}",
            f"{_minutes(now.p90_wait.mean)} ± {_minutes(now.p90_wait.half_width)}",
            f"{_minutes(later.p90_wait.mean)} ± {_minutes(later.p90_wait.half_width)}",
            f"{now.over_threshold.mean:.0%} → {later.over_threshold.mean:.0%}",
        )
    return table


def _share(rate: Rate) -> str:
    return f"{rate.share:.0%} of {rate.of}"


def learned_table(known: Learned) -> Table:
    """What the history says per service, with the data behind each figure."""
    kind = known.kind
    season = known.season
    table = Table(
        "service",
        "tickets",
        "days (this kind)",
        "peak /h",
        "handling min (n, cv)",
        "no-show",
        "recall",
        "transfer",
        "priority",
        "booked",
        title=(
            f"Learned from {known.days} days, {known.tickets} tickets; "
            f"{render(f'advisor.kind.{kind}')[1] if kind is not None else 'all days'}, "
            f"season ×{season.factor:.2f} "
            f"({season.days} days a year back, {season.baseline_days} before them)"
        ),
    )
    for code, s in sorted(known.services.items()):
        rates, behind = s.rates(kind)
        handling = s.handling
        table.add_row(
            code,
            str(s.tickets),
            f"{sum(s.days.values())} ({behind})",
            f"{max(rates) * season.factor:.1f}" if behind else "—",
            f"{handling.mean / 60:.1f} ({handling.n}, {handling.cv:.2f})" if handling else "—",
            _share(s.no_show),
            _share(s.recall),
            _share(s.transfer),
            _share(s.priority),
            _share(s.appointment),
        )
    return table


def breaks_table(known: Learned) -> Table:
    """Each window's breaks and 暂离 as its recorded stretches show them (what a forecast draws)."""
    table = Table(
        "window",
        "days open",
        "breaks a day (all)",
        "mean min",
        "usual hours",
        title="Breaks and 暂离 per window (the hall's hours its open stretches leave uncovered)",
    )
    for window, b in sorted(known.breaks.items()):
        hours = sorted(((n, h) for h, n in enumerate(b.by_hour()) if n), reverse=True)[:3]
        table.add_row(
            window,
            str(b.days),
            f"{b.per_day:.2f} ({b.count})",
            f"{b.mean_seconds / 60:.1f}" if b.count else "—",
            ", ".join(f"{h:02d}:00 ×{n}" for n, h in hours) or "—",
        )
    return table
