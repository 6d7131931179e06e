"""The advisor against a recorded day: it learns the day's figures and its replay reproduces the waits.

The day is made by ``hallq simulate`` through the real services (event rows as a live hall leaves
them), read back through the SQL history adapter.
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hallq.bootstrap import build_runtime
from hallq.simulate import simulate
from queue_server import contract as c
from queue_server.config import ServerSettings
from queue_server.domain.actors import Actor
from queue_server.domain.errors import Rejected
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.advisor import advice, public
from tests.server.catalogue import small_hall

MONDAY = date(2026, 3, 2)
DAYS = [MONDAY + timedelta(days=i) for i in range(3)]  # Monday to Wednesday
MANAGER = Actor(hall_id=1, role="manager")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("advisor")
    runtime = build_runtime(ServerSettings(db=str(folder / "sim.db"), secret_key_file=str(folder / "key")))
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(small_hall("t1"))))
    summary = simulate(runtime, "t1", MONDAY, len(DAYS), seed=21, load=0.6)
    yield runtime, summary
    runtime.stop()


def test_the_advisor_learns_the_day_with_the_data_behind_each_figure(recorded: Any) -> None:
    runtime, summary = recorded
    found = runtime.read_sync(lambda uow: advice.learned(uow, MANAGER, uow.stores.history, MONDAY, MONDAY))
    assert found.days == 1 and 0 < found.tickets < summary.issued
    everything = runtime.read_sync(
        lambda uow: advice.learned(uow, MANAGER, uow.stores.history, DAYS[0], DAYS[-1])
    )
    assert everything.days == 3 and everything.tickets == summary.issued
    assert sum(s.tickets for s in everything.services.values()) == summary.issued
    counted = everything.services.values()
    assert sum(round(s.no_show.share * s.no_show.of) for s in counted) == summary.no_shows
    assert sum(round(s.transfer.share * s.transfer.of) for s in counted) == summary.transfers
    busiest = max(found.services.values(), key=lambda s: s.tickets)
    assert busiest.handling is not None and busiest.handling.n > 20
    assert 0.5 * 300 < busiest.handling.mean < 2.5 * 300  # 5-minute services, plus the walk to the window
    monday = busiest.hourly[0]
    assert sum(monday) == busiest.tickets and max(monday) == max(monday[9:12] + monday[13:17])
    assert 0 < found.turnaround < 120


def compared(runtime: Any, replications: int = 10) -> dict[str, tuple[int, int]]:
    """Service → (observed, replayed) mean wait in seconds over the recorded days, for each service
    with at least 60 called tickets (fewer: a mean says little). The replayed figure is the mean
    over the replications (they differ where a clerk's delay is drawn, ``model.Recorded``)."""
    observed: dict[str, list[float]] = {}
    simulated: dict[str, list[tuple[float, float]]] = {}
    for day in DAYS:
        found = runtime.read_sync(
            lambda uow, day=day: advice.replay(uow, MANAGER, uow.stores.history, day, replications)
        )
        for code, waits in found.observed.items():
            observed.setdefault(code, []).extend(waits)
            figures = found.simulated.services[code]
            simulated.setdefault(code, []).append((figures.mean_wait.mean, figures.served))
    out = {}
    for code, waits in observed.items():
        if len(waits) < 60:
            continue
        replayed = sum(m * n for m, n in simulated[code]) / sum(n for _, n in simulated[code])
        out[code] = (round(statistics.fmean(waits)), round(replayed))
    return out


def test_replaying_recorded_days_reproduces_each_service_s_mean_wait_within_ten_percent(
    recorded: Any,
) -> None:
    """Three recorded days replayed (their tickets, handling times, windows' stretches, which idle
    window answered a newcomer, and each clerk's delays): the mean wait per service over the days,
    observed and simulated, agree within 10 %.

    Measured here: S1 1651 s observed / 1607 s replayed (−2.7 %), S2 790 / 778 (−1.6 %), S3 548 /
    551 (+0.6 %). With one mean delay for every clerk: −8.5, −7.1 and −0.5 %; before the replay
    took the answering window from the record, S2 was −10.0 %: one newcomer sent to another idle
    window than on the day moves every later call of a busy morning.
    """
    runtime, _ = recorded
    found = compared(runtime)
    assert len(found) >= 3
    assert all(abs(replayed - seen) <= 0.10 * seen for seen, replayed in found.values()), found


@pytest.fixture(scope="module", params=[2, 6])
def other_seed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp(f"seed{request.param}")
    runtime = build_runtime(ServerSettings(db=str(folder / "sim.db"), secret_key_file=str(folder / "key")))
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(small_hall("t1"))))
    simulate(runtime, "t1", MONDAY, len(DAYS), seed=request.param, load=0.6)
    yield runtime
    runtime.stop()


def test_the_replay_holds_within_ten_percent_on_other_seeds_too(other_seed: Any) -> None:
    """The same comparison on the days ``hallq simulate`` records with seeds 2 and 6, where the
    replay was off most while every clerk took the day's mean delay (S1 +16.6 and S3 +19.1 % on
    seed 2, S3 +15.6 % on seed 6): two windows freeing within seconds called in the other order
    than on the day, and every later call took another path. Measured with each clerk's delays as
    recorded: seed 2 S1 +7.7, S2 −1.0, S3 +5.9 %; seed 6 S1 −0.0, S2 +4.3, S3 +8.3 %
    (``benchmarks/advisor_replay.py`` prints seeds 1–6 and 21)."""
    found = compared(other_seed)
    assert len(found) >= 2
    assert all(abs(replayed - seen) <= 0.10 * seen for seen, replayed in found.values()), found


def test_a_day_without_history_is_refused_with_a_clear_code(recorded: Any) -> None:
    runtime, _ = recorded
    with pytest.raises(Rejected) as refused:
        runtime.read_sync(lambda uow: advice.replay(uow, MANAGER, uow.stores.history, date(2026, 3, 9)))
    assert refused.value.code == "advisor.no_history"


def test_the_forecast_shows_its_kind_of_day_and_season_with_the_data_behind_them(recorded: Any) -> None:
    runtime, summary = recorded
    until = DAYS[-1] + timedelta(days=3)
    per_day = runtime.read_sync(
        lambda uow: uow.stores.history.issued_per_day(1, DAYS[0], until, "Asia/Shanghai")
    )
    assert sorted(per_day) == DAYS and sum(per_day.values()) == summary.issued
    thursday = DAYS[-1] + timedelta(days=1)
    found = runtime.read_sync(lambda uow: public.learned(uow, MANAGER, uow.stores.history, thursday))
    assert (found.kind, found.kind_en, found.days) == ("周四", "Thursday", 3)
    # No Thursday seen: each service's rates are all days' mean, three days behind them.
    assert {s.kind_days for s in found.services if s.tickets} == {3}
    # Nothing a year back: no season, and it says so.
    assert (found.season_factor, found.season_days, found.season_baseline_days) == (1.0, 0, 0)


def test_the_check_compares_with_the_prediction_stored_before_the_day(recorded: Any) -> None:
    runtime, _ = recorded
    wednesday, tuesday = DAYS[2], DAYS[1]
    ask = c.AdvisorPredictIn(date=wednesday, replications=2)
    kept = runtime.write_sync(
        lambda uow: public.predict(uow, MANAGER, uow.stores.history, ask, "proposal 09:00")
    )
    assert kept.rows and kept.source == "proposal 09:00"
    checked = runtime.read_sync(lambda uow: public.check(uow, MANAGER, uow.stores.history, wednesday))
    assert checked.source == "proposal 09:00" and checked.made_at is not None
    stored = {r.code: r.mean_wait for r in kept.rows}
    for row in checked.rows:
        assert row.stored == (row.code in stored)
        if row.stored:
            assert row.predicted == stored[row.code] and row.observed_n > 0
    recomputed = runtime.read_sync(lambda uow: public.check(uow, MANAGER, uow.stores.history, tuesday, 2))
    assert recomputed.source == "" and not any(r.stored for r in recomputed.rows)


def test_the_learned_breaks_are_the_pauses_the_clerks_took(recorded: Any) -> None:
    """``hallq simulate`` has each clerk take none, one or two pauses of 5–25 minutes a day (besides
    lunch, when the hall is closed): the windows' breaks learned from the recorded status events are
    those pauses, as many and as long, each with the days behind it."""
    runtime, summary = recorded
    thursday = DAYS[-1] + timedelta(days=1)
    found = runtime.read_sync(lambda uow: public.learned(uow, MANAGER, uow.stores.history, thursday))
    assert found.windows and all(w.days == len(DAYS) for w in found.windows)
    assert summary.pauses > 0 and sum(w.breaks for w in found.windows) == summary.pauses
    assert all(w.breaks == sum(w.by_hour) for w in found.windows)
    assert all(5 <= w.mean_minutes <= 26 for w in found.windows if w.breaks)
    # The forecast draws them: each window carries its recorded days of breaks.
    scenario, _ = runtime.read_sync(
        lambda uow: advice.forecast(uow, MANAGER, uow.stores.history, thursday, 2)
    )
    drawn = {w.number: w.breaks for w in scenario.windows}
    assert all(len(drawn[w.window]) == len(DAYS) for w in found.windows if w.window in drawn)


def test_a_forecast_asked_during_the_day_learns_only_finished_days_and_keeps_them(recorded: Any) -> None:
    """Asked on Wednesday while its hours last (this hall is open at all hours), Thursday's forecast
    learns Monday and Tuesday: half of Wednesday would read as a quiet day, and each new event would
    make the forecast learn its eight weeks again. What it learned is kept through the day."""
    runtime, _ = recorded
    thursday = DAYS[-1] + timedelta(days=1)
    zone = ZoneInfo("Asia/Shanghai")
    clock = runtime.clock
    try:
        runtime.clock = lambda: datetime.combine(DAYS[-1], time(10), zone)
        _, morning = runtime.read_sync(
            lambda uow: advice.forecast(uow, MANAGER, uow.stores.history, thursday)
        )
        runtime.clock = lambda: datetime.combine(DAYS[-1], time(16), zone)
        _, afternoon = runtime.read_sync(
            lambda uow: advice.forecast(uow, MANAGER, uow.stores.history, thursday)
        )
    finally:
        runtime.clock = clock
    assert morning.days == 2 and afternoon is morning
    _, later = runtime.read_sync(lambda uow: advice.forecast(uow, MANAGER, uow.stores.history, thursday))
    assert later.days == 3  # Wednesday over: learned too
