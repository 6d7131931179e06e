"""``hallq advise``: the advisor on the command line (the SQL history adapter meets the services)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.table import Table

from queue_server.adapters.history import SqlHistory
from queue_server.domain.actors import Actor
from queue_server.domain.simulation.advice import Progress, Recommendation
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
) -> tuple[Recommendation, dict[str, Any]]:
    """Forecast ``day`` from the history, recommend an allocation, and the proposal file's content."""

    def prepare(uow: Any) -> Any:
        hall_id = uow.repo.hall_id(hall)
        actor = Actor(hall_id, "manager", name="hallq advise")
        scenario, _ = advice.forecast(uow, actor, SqlHistory(uow.repo.conn), day, replications)
        catalogue = uow.catalogue(hall_id)
        kept = [p.services for p in profiles.list_profiles(uow, actor)]
        return scenario, kept, hall_model.block_starts(catalogue, day), catalogue.code

    scenario, kept, starts, code = runtime.read_sync(prepare)
    rules = advice.constraints(scenario, kept)
    cap = cap_minutes * 60 if cap_minutes is not None else None
    found = advice.advise(scenario, starts, rules, cap, replications, seed, progress)
    return found, proposal_file(code, day, starts, found)


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
