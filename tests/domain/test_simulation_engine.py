"""The day simulator: it calls with the live policy, keeps its shifts and blocks, and is reproducible."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.policy import Assignment, Candidate, Mode, PolicySettings, WindowView, choose_next
from queue_server.domain.simulation.engine import simulate_day
from queue_server.domain.simulation.model import (
    Arrival,
    Block,
    Handling,
    Recorded,
    Scenario,
    ServiceSpec,
    WindowSpec,
)
from queue_server.domain.simulation.summary import replicate

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SERVICES = ("S1", "S2", "S3")


def heads(waiting: list[Candidate]) -> list[Candidate]:
    """What the simulator hands the policy: per service the first normal, priority and appointment ticket."""
    out = []
    for code in SERVICES:
        mine = [t for t in waiting if t.service == code]
        appointments = [t for t in mine if t.appointment_at is not None]
        priority = [t for t in mine if t.priority and t.appointment_at is None]
        normal = [t for t in mine if not t.priority and t.appointment_at is None]
        if appointments:
            out.append(min(appointments, key=lambda t: (t.appointment_at, t.ticket_id)))
        for group in (priority, normal):
            if group:
                out.append(min(group, key=lambda t: (t.rank_at, t.ticket_id)))
    return out


tickets = st.lists(
    st.tuples(
        st.sampled_from(SERVICES),
        st.integers(0, 120),  # minutes ago
        st.sampled_from(["normal", "priority", "appointment"]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(
    tickets,
    st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True),
    st.lists(st.floats(0.2, 3.0), min_size=3, max_size=3),
    st.sampled_from(list(Mode)),
    st.lists(st.booleans(), max_size=3),
    st.sampled_from([None, 20, 60]),
)
def test_the_head_of_each_queue_is_all_the_policy_needs(
    raw: list[tuple[str, int, str]],
    serves: list[str],
    weights: list[float],
    mode: Mode,
    recent: list[bool],
    max_wait: int | None,
) -> None:
    waiting = []
    for i, (service, minutes, kind) in enumerate(raw, start=1):
        at = NOW - timedelta(minutes=minutes)
        waiting.append(
            Candidate(
                i, service, at, kind == "priority", appointment_at=at if kind == "appointment" else None
            )
        )
    assignments = tuple(Assignment(s, i, weights[i - 1]) for i, s in enumerate(serves, start=1))
    view = WindowView("1", True, assignments, tuple(recent))
    rules = PolicySettings(
        mode=mode, normal_max_wait=None if max_wait is None else timedelta(minutes=max_wait)
    )
    assert choose_next(view, heads(waiting), NOW, rules) == choose_next(view, waiting, NOW, rules)


def one_window(*blocks: Block, shifts: tuple[tuple[float, float], ...] = ((0.0, 36000.0),)) -> WindowSpec:
    return WindowSpec("1", blocks, shifts)


def replay(*arrivals: Arrival, windows: tuple[WindowSpec, ...], **rules: object) -> Scenario:
    services = tuple(ServiceSpec(code, (), Handling(60.0)) for code in SERVICES)
    return Scenario(services, windows, replay=arrivals, **rules)  # type: ignore[arg-type]


def test_a_window_serves_in_turn_and_waits_add_up() -> None:
    day = simulate_day(
        replay(
            Arrival(100.0, "S1", handle=300.0),
            Arrival(110.0, "S1", handle=300.0),
            Arrival(120.0, "S1", handle=300.0),
            windows=(one_window(Block(0.0, (Assignment("S1"),))),),
        ),
        seed=1,
    )
    assert day.services["S1"].waits == [0.0, 290.0, 580.0]
    assert day.busy["1"] == 900.0 and day.open["1"] == 36000.0


def test_nobody_is_called_outside_a_window_s_shifts() -> None:
    lunch = one_window(Block(0.0, (Assignment("S1"),)), shifts=((0.0, 1000.0), (3000.0, 9000.0)))
    day = simulate_day(replay(Arrival(1500.0, "S1", handle=60.0), windows=(lunch,)), seed=1)
    assert day.services["S1"].waits == [1500.0]  # it waited for the window to come back from lunch


def test_an_afternoon_block_moves_the_window_to_another_service() -> None:
    window = one_window(Block(0.0, (Assignment("S1"),)), Block(5000.0, (Assignment("S2"),)))
    day = simulate_day(
        replay(Arrival(100.0, "S2", handle=60.0), Arrival(6000.0, "S1", handle=60.0), windows=(window,)),
        seed=1,
    )
    assert day.services["S2"].waits == [4900.0]
    assert day.services["S1"].waits == [] and day.services["S1"].unserved == 1


def test_priority_goes_first_but_not_twice_in_a_row_while_normal_waits() -> None:
    arrivals = [Arrival(10.0 + i, "S1", priority=i >= 2, handle=100.0) for i in range(5)]
    window = one_window(Block(0.0, (Assignment("S1"),)))
    day = simulate_day(replay(*arrivals, windows=(window,), turnaround=0.0), seed=1)
    # One priority, one normal: the window alternates while both wait (DESIGN.md's anti-starvation rule).
    assert day.services["S1"].priority == [False, True, False, True, True]


def s1_and_s2() -> tuple[WindowSpec, ...]:
    """Window 1 serving S1 and window 2 serving S2, open all day: a transfer's two queues."""
    return (
        WindowSpec("1", (Block(0.0, (Assignment("S1"),)),), ((0.0, 9000.0),)),
        WindowSpec("2", (Block(0.0, (Assignment("S2"),)),), ((0.0, 9000.0),)),
    )


def test_a_transfer_queues_again_keeping_its_place() -> None:
    windows = s1_and_s2()
    day = simulate_day(
        replay(
            Arrival(0.0, "S2", handle=1000.0),
            Arrival(10.0, "S1", handle=100.0, transfer_to="S2", handle_after=50.0),
            Arrival(20.0, "S2", handle=50.0),
            windows=windows,
        ),
        seed=1,
    )
    # The transferred ticket (rank 10 s) goes before the S2 ticket that came at 20 s.
    assert day.services["S2"].waits == [0.0, 890.0, 1030.0]


def test_a_transferred_priority_ticket_stays_priority_in_its_new_queue() -> None:
    """As at the window (a transfer changes the service, not the ticket's priority class): window 2
    is busy until 1000 s while a normal S2 ticket (20 s) and a transferred priority one (from S1,
    110 s) wait; the priority one is called first."""
    windows = s1_and_s2()
    day = simulate_day(
        replay(
            Arrival(0.0, "S2", handle=1000.0),
            Arrival(10.0, "S1", priority=True, handle=100.0, transfer_to="S2", handle_after=50.0),
            Arrival(20.0, "S2", handle=50.0),
            windows=windows,
            transfer_keeps_place=False,
        ),
        seed=1,
    )
    assert day.services["S2"].priority == [False, True, False]
    assert day.services["S2"].waits == [0.0, 890.0, 1030.0]  # it waited from its transfer at 110 s


def test_a_replayed_ticket_goes_to_the_idle_window_that_took_it_on_the_day() -> None:
    windows = tuple(WindowSpec(n, (Block(0.0, (Assignment("S1"),)),), ((0.0, 9000.0),)) for n in "12")
    as_recorded = simulate_day(replay(Arrival(100.0, "S1", handle=500.0, window="2"), windows=windows), 1)
    assert as_recorded.busy == {"1": 0.0, "2": 500.0}
    unknown = simulate_day(replay(Arrival(100.0, "S1", handle=500.0), windows=windows), 1)
    assert unknown.busy == {"1": 500.0, "2": 0.0}  # else the window idle longest (the first, on a tie)


def test_a_window_calls_only_after_its_opening_delay_so_a_short_stretch_calls_nobody() -> None:
    window = one_window(Block(0.0, (Assignment("S1"),)), shifts=((0.0, 10.0), (1000.0, 9000.0)))
    waiting = Arrival(0.0, "S1", handle=60.0)
    assert simulate_day(replay(waiting, windows=(window,)), 1).services["S1"].waits == [0.0]
    late = simulate_day(replay(waiting, windows=(window,), opening=30.0), 1)
    assert late.services["S1"].waits == [1030.0]  # back from the break at 1000 s, its first call 30 s on


def test_an_idle_window_notices_a_transferred_ticket_after_its_own_delay() -> None:
    windows = s1_and_s2()
    moved = Arrival(10.0, "S1", handle=100.0, transfer_to="S2", handle_after=50.0)
    day = simulate_day(replay(moved, windows=windows, reaction=5.0, transfer_reaction=60.0), 1)
    assert day.services["S1"].waits == [5.0] and day.services["S2"].waits == [60.0]
    same = simulate_day(replay(moved, windows=windows, reaction=5.0), 1)
    assert same.services["S2"].waits == [5.0]  # no delay of its own: the arrivals' one


def test_a_replayed_window_calls_after_its_own_recorded_gap_so_a_near_tie_goes_as_on_the_day() -> None:
    """Windows 1 and 2 free 1.5 s apart while a long and a short ticket wait. On the day window 2
    pressed 2 s after its ticket and window 1 30 s after: window 2 took the long one. One mean gap
    for both (16 s) lets window 1, freed first, take it: the other path, where every later call of
    the two windows differs."""
    windows = tuple(WindowSpec(n, (Block(0.0, (Assignment("S1"),)),), ((0.0, 9000.0),)) for n in "12")
    arrivals = (
        Arrival(0.0, "S1", handle=100.0, window="1"),
        Arrival(0.5, "S1", handle=101.0, window="2"),
        Arrival(50.0, "S1", handle=1000.0),
        Arrival(51.0, "S1", handle=10.0),
    )
    # Window 1's gap near 100 s is its own (the one at 5000 s is another hour's).
    as_on_the_day = Recorded(after=(("1", ((100.0, 30.0), (5000.0, 300.0))), ("2", ((101.5, 2.0),))))
    day = simulate_day(replay(*arrivals, windows=windows, turnaround=16.0, recorded=as_on_the_day), 1)
    assert day.busy == {"1": 110.0, "2": 1101.0}
    assert day.services["S1"].waits == [0.0, 0.0, 53.5, 79.0]
    one_mean = simulate_day(replay(*arrivals, windows=windows, turnaround=16.0), 1)
    assert one_mean.busy == {"1": 1100.0, "2": 111.0}


def test_a_replay_answers_a_newcomer_and_reopens_after_the_delays_recorded_on_the_day() -> None:
    """An idle window calls a newcomer after that ticket's recorded delay; one who waited on the day
    (none of its own) after one of the day's measured delays; back from a break, the window calls
    after its recorded delay for that stretch."""
    window = one_window(Block(0.0, (Assignment("S1"),)), shifts=((0.0, 500.0), (1000.0, 9000.0)))
    recorded = Recorded(opened=(("1", 1000.0, 45.0),), reactions=(3.0,))
    day = simulate_day(
        replay(
            Arrival(100.0, "S1", handle=60.0, reaction=7.0),
            Arrival(300.0, "S1", handle=60.0),
            Arrival(600.0, "S1", handle=60.0),
            windows=(window,),
            reaction=20.0,
            opening=30.0,
            recorded=recorded,
        ),
        1,
    )
    assert day.services["S1"].waits == [7.0, 3.0, 445.0]


def test_a_window_s_own_pace_scales_its_handling_times_and_a_replay_s_too() -> None:
    slow = WindowSpec("slow", (Block(0.0, (Assignment("S1"),)),), ((0.0, 9000.0),), pace=(("S1", 2.0),))
    day = simulate_day(replay(Arrival(0.0, "S1", handle=100.0), windows=(slow,)), 1)
    assert day.busy == {"slow": 200.0}
    # Recorded at the slow window (200 s there), served here by a window of the hall's pace: 100 s.
    quick = WindowSpec("quick", (Block(0.0, (Assignment("S1"),)),), ((0.0, 9000.0),))
    closed = replace(slow, shifts=((8000.0, 9000.0),))
    moved = simulate_day(replay(Arrival(0.0, "S1", handle=200.0, window="slow"), windows=(closed, quick)), 1)
    assert moved.busy == {"slow": 0.0, "quick": 100.0}


def test_an_ab_partner_serves_the_closed_window_s_services_until_it_is_back() -> None:
    away = WindowSpec("A", (Block(0.0, (Assignment("S1"),)),), ((0.0, 1000.0), (3000.0, 9000.0)))
    partner = WindowSpec("B", (Block(0.0, (Assignment("S2"),)),), ((0.0, 9000.0),), covers=("A",))
    arrivals = (
        Arrival(1500.0, "S1", handle=100.0),  # A is away: B takes it at once
        Arrival(3100.0, "S1", handle=500.0),  # A is back and takes it
        Arrival(3200.0, "S1", handle=100.0),  # waits for A: B covers no more
        Arrival(3300.0, "S2", handle=100.0),  # B's own service, as ever
    )
    day = simulate_day(replay(*arrivals, windows=(away, partner)), 1)
    assert day.services["S1"].waits == [0.0, 0.0, 400.0] and day.services["S2"].waits == [0.0]
    alone = simulate_day(replay(*arrivals, windows=(away, replace(partner, covers=()))), 1)
    assert alone.services["S1"].waits[0] == 1500.0  # without AB岗 it waits for A's return


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    service = ServiceSpec("S1", (0.0, 30.0, 30.0), Handling(100.0), no_show=0.05)
    windows = tuple(
        WindowSpec(str(i), (Block(0.0, (Assignment("S1"),)),), ((3600.0, 10800.0),)) for i in range(2)
    )
    scenario = Scenario((service,), windows)
    assert simulate_day(scenario, 3) == simulate_day(scenario, 3)
    assert simulate_day(scenario, 3) != simulate_day(scenario, 4)
    found = replicate(scenario, 5, seed=3)
    assert found.services["S1"].served > 50
    assert 0.0 < found.utilisation["0"].mean <= 1.0
    assert found.p90_wait.mean >= found.mean_wait.mean


def test_people_nobody_called_count_with_their_wait_up_to_the_close() -> None:
    window = one_window(Block(0.0, (Assignment("S1"),)), shifts=((0.0, 1000.0),))
    scenario = replay(
        Arrival(0.0, "S1", handle=1200.0), Arrival(100.0, "S1", handle=900.0), windows=(window,)
    )
    day = simulate_day(scenario, seed=1)
    assert day.services["S1"].waits == [0.0] and day.services["S1"].unserved == 1
    assert day.services["S1"].censored == [900.0]  # from 100 s to the close at 1000 s
    counted = replicate(scenario, 1).services["S1"]
    assert counted.mean_wait.mean == 450.0 and counted.unserved.mean == 1.0
    assert replicate(scenario, 1, unserved=False).services["S1"].mean_wait.mean == 0.0


@settings(max_examples=200, deadline=None)
@given(
    tickets.map(lambda raw: raw[:1]),
    st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True),
    st.sampled_from(list(Mode)),
    st.lists(st.booleans(), max_size=3),
    st.sampled_from([None, 20]),
)
def test_with_one_eligible_ticket_the_policy_always_calls_it(
    raw: list[tuple[str, int, str]], serves: list[str], mode: Mode, recent: list[bool], max_wait: int | None
) -> None:
    """So the simulator does not ask it when a window has a single ticket to choose from."""
    service, minutes, kind = raw[0]
    at = NOW - timedelta(minutes=minutes)
    only = Candidate(1, service, at, kind == "priority", appointment_at=at if kind == "appointment" else None)
    view = WindowView(
        "1", True, tuple(Assignment(s, i) for i, s in enumerate([*serves, service], 1)), tuple(recent)
    )
    rules = PolicySettings(
        mode=mode, normal_max_wait=None if max_wait is None else timedelta(minutes=max_wait)
    )
    assert choose_next(view, [only], NOW, rules) == only
