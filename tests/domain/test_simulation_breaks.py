"""Windows' breaks and 暂离: learned from recorded open stretches, drawn in a forecast, covered by AB岗."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from queue_server.domain.policy import Assignment
from queue_server.domain.simulation.breaks import (
    closed_pieces,
    draw_breaks,
    gaps_while_open,
    learn_breaks,
    without,
)
from queue_server.domain.simulation.engine import simulate_day
from queue_server.domain.simulation.model import Block, Handling, Scenario, ServiceSpec, WindowSpec
from queue_server.domain.simulation.summary import replicate

H = 3600.0
PERIODS = ((9 * H, 12 * H), (13.5 * H, 17 * H))  # morning and afternoon; the hall is closed for lunch


def test_closed_pieces_are_the_periods_the_stretches_leave_uncovered() -> None:
    # Opened at 8:50, away 10:00–10:15, lunch 11:55–13:40, closed at 17:05.
    stretches = ((8.8 * H, 10 * H), (10.25 * H, 11.9 * H + 300), (13.5 * H + 600, 17.1 * H))
    assert closed_pieces(stretches, PERIODS) == (
        (10 * H, 10.25 * H),  # the 暂离
        (11.9 * H + 300, 12 * H),  # left 5 minutes before the morning's end
        (13.5 * H, 13.5 * H + 600),  # came back 10 minutes late; the lunch itself is no break
    )
    assert closed_pieces(((9 * H, 10 * H), (10 * H + 30, 17 * H)), PERIODS) == ()  # a 30 s toggle
    # A hall open at all hours has no periods: a gap while another window stayed open is a break,
    # one with a moment when every window was closed (lunch) the hall's own pause.
    one = ((9 * H, 10 * H), (10.25 * H, 12 * H), (13.5 * H, 17 * H))
    two = ((8.9 * H, 12.1 * H), (13.4 * H, 17 * H))
    assert gaps_while_open(one, one + two) == ((10 * H, 10.25 * H),)
    assert without(((9 * H, 12 * H),), ((10 * H, 10.25 * H),)) == ((9 * H, 10 * H), (10.25 * H, 12 * H))


def test_the_learned_breaks_match_the_recorded_pattern() -> None:
    """Ten recorded days: window 1 away 15 minutes at 10:00 every day, and 10 minutes at 15:00 every
    other day; window 2 never away, and a day it stayed shut says nothing."""
    first = date(2026, 3, 2)
    days: dict[date, dict[str, list[tuple[float, float]]]] = {}
    periods: dict[date, tuple[tuple[float, float], ...]] = {}
    for i in range(10):
        day = first + timedelta(days=i)
        one = [(8.9 * H, 10 * H), (10.25 * H, 12 * H)]
        one += [(13.5 * H, 15 * H), (15 * H + 600, 17 * H)] if i % 2 == 0 else [(13.5 * H, 17 * H)]
        days[day] = {"1": one, "2": [] if i == 3 else [(8.9 * H, 12 * H), (13.4 * H, 17.2 * H)]}
        periods[day] = PERIODS
    learned = learn_breaks(days, periods)
    one, two = learned["1"], learned["2"]
    assert (one.days, one.count, one.per_day) == (10, 15, 1.5)
    assert one.mean_seconds == (10 * 900 + 5 * 600) / 15
    assert one.by_hour()[10] == 10 and one.by_hour()[15] == 5 and sum(one.by_hour()) == 15
    assert (two.days, two.count, two.mean_seconds) == (9, 0, 0.0)  # the day it stayed shut is not a break
    # A replication draws one recorded day, the same for a window and seed whatever else differs.
    drawn = {draw_breaks(one.patterns, "1", seed) for seed in range(40)}
    assert drawn == {((10 * H, 10.25 * H),), ((10 * H, 10.25 * H), (15 * H, 15 * H + 600))}
    assert draw_breaks(one.patterns, "1", 7) == draw_breaks(one.patterns, "1", 7)


def _hall(*, covers: bool, breaks: bool) -> Scenario:
    """Window A on a busy service whose clerk is away an hour each morning (at 10:00 or 10:30 on the
    recorded days), window B on a quiet one; with AB岗 B covers for A."""
    busy = ServiceSpec("S1", (0.0,) * 9 + (14.0,) * 8, Handling(200.0, 0.5))
    quiet = ServiceSpec("S2", (0.0,) * 9 + (3.0,) * 8, Handling(200.0, 0.5))
    shifts = ((9 * H, 17 * H),)
    recorded = (((10 * H, 11 * H),), ((10.5 * H, 11.5 * H),)) if breaks else ()
    a = WindowSpec("A", (Block(0.0, (Assignment("S1"),)),), shifts, breaks=recorded)
    b = WindowSpec("B", (Block(0.0, (Assignment("S2"),)),), shifts, covers=("A",) if covers else ())
    return Scenario((busy, quiet), (a, b))


def test_ab_cover_measurably_changes_a_forecast_with_breaks_and_nothing_without() -> None:
    alone = replicate(_hall(covers=False, breaks=True), 20)
    covered = replicate(_hall(covers=True, breaks=True), 20)
    # An hour away from a service at 80 % load: without cover its people wait the hour out.
    assert covered.services["S1"].mean_wait.high < alone.services["S1"].mean_wait.low
    assert covered.utilisation["B"].low > alone.utilisation["B"].high  # B did A's work meanwhile
    # The drawn breaks are taken out of A's day: it was open 7 of the 8 hours.
    day = simulate_day(_hall(covers=False, breaks=True), 3)
    assert day.open["A"] == 7 * H and day.open["B"] == 8 * H
    # Without breaks both windows are open all day: the pairing has nothing to cover.
    assert replicate(_hall(covers=True, breaks=False), 20) == replicate(_hall(covers=False, breaks=False), 20)
    # Drawing breaks leaves the people of a seed as they were (common random numbers).
    plain = simulate_day(_hall(covers=False, breaks=False), 3)
    assert sum(len(r.waits) + r.unserved for r in plain.services.values()) == sum(
        len(r.waits) + r.unserved for r in day.services.values()
    )


def test_a_covered_window_that_opens_late_is_covered_from_the_start() -> None:
    late = replace(_hall(covers=True, breaks=False), windows=())
    a = WindowSpec("A", (Block(0.0, (Assignment("S1"),)),), ((11 * H, 17 * H),))
    b = WindowSpec("B", (Block(0.0, (Assignment("S2"),)),), ((9 * H, 17 * H),), covers=("A",))
    with_cover = replicate(late.with_windows((a, b)), 10)
    without_cover = replicate(late.with_windows((a, replace(b, covers=()))), 10)
    assert with_cover.services["S1"].mean_wait.high < without_cover.services["S1"].mean_wait.low
