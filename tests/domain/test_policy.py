"""The calling policy: which waiting ticket a window calls next (DESIGN.md, "Rules of the queue")."""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.policy import (
    Assignment,
    Candidate,
    Mode,
    PolicySettings,
    WindowView,
    choose_next,
    is_eligible,
    people_ahead,
    requeue_rank,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
SERVICES = ("S1", "S2", "S3")
WINDOWS = ("W1", "W2", "W3", "W4")
MODES = list(Mode)

# ---------------------------------------------------------------------------------------------------------
# Builders and strategies
# ---------------------------------------------------------------------------------------------------------


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def ticket(
    ticket_id: int,
    service: str = "S1",
    waited_minutes: float = 0,
    *,
    priority: bool = False,
    target: str | None = None,
    appointment_at: datetime | None = None,
) -> Candidate:
    return Candidate(
        ticket_id=ticket_id,
        service=service,
        rank_at=ago(waited_minutes),
        priority=priority,
        target_window=target,
        appointment_at=appointment_at,
    )


def window(
    number: str = "W1", *services: str, is_open: bool = True, recent: tuple[bool, ...] = ()
) -> WindowView:
    assignments = tuple(
        Assignment(service, preference=i + 1) for i, service in enumerate(services or ("S1",))
    )
    return WindowView(number=number, is_open=is_open, assignments=assignments, recent_priority=recent)


def serves(view: WindowView, t: Candidate) -> bool:
    """The test's own statement of eligibility (not the module's)."""
    if t.target_window is not None:
        return t.target_window == view.number
    return t.service in {a.service for a in view.assignments}


def fifo_key(t: Candidate) -> tuple[datetime, int]:
    return (t.rank_at, t.ticket_id)


def is_due(t: Candidate, now: datetime, rules: PolicySettings) -> bool:
    return t.appointment_at is not None and t.appointment_at - rules.appointment_grace <= now


no_target = st.none()
some_target = st.one_of(st.none(), st.none(), st.sampled_from((*WINDOWS, "W9")))
no_appointment = st.none()
some_appointment = st.one_of(
    st.none(), st.none(), st.integers(-60, 90).map(lambda minutes: NOW + timedelta(minutes=minutes))
)


@st.composite
def pools(
    draw: st.DrawFn,
    *,
    services: tuple[str, ...] = SERVICES,
    priority: st.SearchStrategy[bool] = st.booleans(),
    targets: st.SearchStrategy[str | None] = no_target,
    appointments: st.SearchStrategy[datetime | None] = no_appointment,
    min_size: int = 0,
    max_size: int = 20,
) -> list[Candidate]:
    """Waiting tickets with unique ids in an order unrelated to their rank; some ranks tie."""
    specs = draw(
        st.lists(
            st.tuples(st.sampled_from(services), st.integers(-5, 240), priority, targets, appointments),
            min_size=min_size,
            max_size=max_size,
        )
    )
    ids = draw(st.permutations(range(1, len(specs) + 1)))
    return [
        Candidate(
            ticket_id=ticket_id,
            service=service,
            rank_at=ago(waited),
            priority=is_priority,
            target_window=target,
            appointment_at=appointment_at,
        )
        for ticket_id, (service, waited, is_priority, target, appointment_at) in zip(ids, specs, strict=True)
    ]


@st.composite
def windows(
    draw: st.DrawFn,
    number: str | st.SearchStrategy[str] = "W1",
    *,
    is_open: st.SearchStrategy[bool] = st.just(True),
    min_services: int = 0,
) -> WindowView:
    if not isinstance(number, str):
        number = draw(number)
    services = draw(st.lists(st.sampled_from(SERVICES), unique=True, min_size=min_services, max_size=3))
    weights = draw(st.lists(st.sampled_from((0.5, 1.0, 1.5, 2.0, 3.0)), min_size=3, max_size=3))
    preferences = draw(st.permutations(range(1, len(services) + 1)))
    assignments = tuple(
        Assignment(service, preference=preference, weight=weight)
        for service, preference, weight in zip(services, preferences, weights, strict=False)
    )
    recent = tuple(draw(st.lists(st.booleans(), max_size=6)))
    return WindowView(number=number, is_open=draw(is_open), assignments=assignments, recent_priority=recent)


policy_settings = st.builds(
    PolicySettings,
    mode=st.sampled_from(MODES),
    priority_max=st.one_of(st.none(), st.integers(1, 3)),
    priority_span=st.integers(2, 5),
    normal_max_wait=st.one_of(st.none(), st.integers(5, 120).map(lambda m: timedelta(minutes=m))),
    appointment_grace=st.integers(0, 20).map(lambda m: timedelta(minutes=m)),
)

modes = st.sampled_from(MODES)

# ---------------------------------------------------------------------------------------------------------
# Closed windows and eligibility
# ---------------------------------------------------------------------------------------------------------


def test_a_closed_window_gets_nothing_even_with_its_own_tickets_waiting() -> None:
    pool = [ticket(1, "S1", 30), ticket(2, "S1", 10, target="W1"), ticket(3, "S1", 5, priority=True)]
    assert choose_next(window("W1", "S1", is_open=False), pool, NOW, PolicySettings()) is None


@given(
    view=windows(number=st.sampled_from(WINDOWS), is_open=st.just(False)),
    pool=pools(targets=some_target, appointments=some_appointment),
    rules=policy_settings,
)
@settings(deadline=None)
def test_a_closed_window_never_gets_a_ticket(
    view: WindowView, pool: list[Candidate], rules: PolicySettings
) -> None:
    assert choose_next(view, pool, NOW, rules) is None


def test_an_open_window_with_nothing_waiting_gets_nothing() -> None:
    assert choose_next(window("W1", "S1"), [], NOW, PolicySettings()) is None


def test_a_window_gets_nothing_when_only_other_services_wait() -> None:
    pool = [ticket(1, "S2", 30), ticket(2, "S3", 10, priority=True)]
    assert choose_next(window("W1", "S1"), pool, NOW, PolicySettings()) is None


def test_a_ticket_sent_to_another_window_is_never_taken_even_when_the_service_matches() -> None:
    pool = [ticket(1, "S1", 60, target="W2"), ticket(2, "S1", 60, priority=True, target="W2")]
    assert choose_next(window("W1", "S1"), pool, NOW, PolicySettings()) is None
    assert not is_eligible(window("W1", "S1"), pool[0])


def test_a_ticket_sent_to_this_window_is_taken_even_if_the_window_does_not_serve_its_service() -> None:
    sent = ticket(1, "S3", 1, target="W1")
    view = WindowView(number="W1", is_open=True, assignments=())
    assert choose_next(view, [sent], NOW, PolicySettings()) == sent


def test_the_waiting_tickets_may_be_given_as_any_iterable() -> None:
    pool = [ticket(1, "S1", 10), ticket(2, "S1", 20)]
    assert choose_next(window("W1", "S1"), iter(pool), NOW, PolicySettings()) == pool[1]


@given(
    view=windows(number=st.sampled_from(WINDOWS)),
    pool=pools(targets=some_target, appointments=some_appointment),
    rules=policy_settings,
)
@settings(deadline=None)
def test_the_chosen_ticket_is_always_one_of_the_waiting_tickets_this_window_may_serve(
    view: WindowView, pool: list[Candidate], rules: PolicySettings
) -> None:
    chosen = choose_next(view, pool, NOW, rules)
    eligible = [t for t in pool if serves(view, t)]
    if not eligible:
        assert chosen is None
        return
    assert chosen is not None, "an open window with eligible tickets got nothing"
    assert chosen in eligible
    assert is_eligible(view, chosen)
    if chosen.target_window is not None:
        assert chosen.target_window == view.number
    else:
        assert chosen.service in {a.service for a in view.assignments}


@given(view=windows(number=st.sampled_from(WINDOWS)), pool=pools(targets=some_target))
@settings(deadline=None)
def test_eligibility_means_sent_here_or_untargeted_of_a_served_service(
    view: WindowView, pool: list[Candidate]
) -> None:
    for t in pool:
        assert is_eligible(view, t) == serves(view, t)


# ---------------------------------------------------------------------------------------------------------
# Order of precedence: sent here, due appointments, priority, normal
# ---------------------------------------------------------------------------------------------------------


def test_a_ticket_sent_to_this_window_goes_before_appointments_priority_and_older_tickets() -> None:
    sent = ticket(9, "S2", 1, target="W1")
    pool = [
        ticket(1, "S1", 120),
        ticket(2, "S1", 100, priority=True),
        ticket(3, "S1", 90, appointment_at=NOW - timedelta(minutes=5)),
        sent,
    ]
    assert choose_next(window("W1", "S1"), pool, NOW, PolicySettings()) == sent


def test_tickets_sent_to_this_window_go_in_rank_order_among_themselves() -> None:
    pool = [ticket(1, "S1", 5, target="W1"), ticket(2, "S2", 50, target="W1", priority=False)]
    assert choose_next(window("W1", "S1"), pool, NOW, PolicySettings()) == pool[1]


def test_a_due_appointment_goes_before_priority_and_older_normal_tickets() -> None:
    appointment = ticket(3, "S1", 1, appointment_at=NOW + timedelta(minutes=5))
    pool = [ticket(1, "S1", 120), ticket(2, "S1", 100, priority=True), appointment]
    assert choose_next(window("W1", "S1"), pool, NOW, PolicySettings()) == appointment


def test_an_appointment_is_due_from_the_grace_period_before_its_slot() -> None:
    rules = PolicySettings(appointment_grace=timedelta(minutes=10))
    older = ticket(1, "S1", 60)
    at_grace = ticket(2, "S1", 1, appointment_at=NOW + timedelta(minutes=10))
    assert choose_next(window("W1", "S1"), [older, at_grace], NOW, rules) == at_grace


def test_an_appointment_not_yet_due_does_not_jump_the_queue() -> None:
    rules = PolicySettings(appointment_grace=timedelta(minutes=10))
    older = ticket(1, "S1", 60)
    early = ticket(2, "S1", 1, appointment_at=NOW + timedelta(minutes=10, seconds=1))
    assert choose_next(window("W1", "S1"), [older, early], NOW, rules) == older


def test_due_appointments_go_in_order_of_their_slot() -> None:
    later_slot = ticket(1, "S1", 50, appointment_at=NOW)
    earlier_slot = ticket(2, "S1", 1, appointment_at=NOW - timedelta(minutes=5))
    assert choose_next(window("W1", "S1"), [later_slot, earlier_slot], NOW, PolicySettings()) == earlier_slot


def test_a_priority_ticket_goes_before_an_older_normal_ticket() -> None:
    urgent = ticket(2, "S1", 1, priority=True)
    pool = [ticket(1, "S1", 60), urgent]
    assert choose_next(window("W1", "S1"), pool, NOW, PolicySettings()) == urgent


@given(
    view=windows(number=st.sampled_from(WINDOWS), min_services=1),
    pool=pools(targets=some_target, appointments=some_appointment),
    rules=policy_settings,
)
@settings(deadline=None)
def test_sent_here_goes_first_then_due_appointments_then_priority_then_normal(
    view: WindowView, pool: list[Candidate], rules: PolicySettings
) -> None:
    chosen = choose_next(view, pool, NOW, rules)
    eligible = [t for t in pool if serves(view, t)]
    if not eligible:
        assert chosen is None
        return
    assert chosen is not None
    sent_here = [t for t in eligible if t.target_window == view.number]
    due = [t for t in eligible if is_due(t, NOW, rules)]
    if sent_here:
        assert chosen == min(sent_here, key=fifo_key)
        return
    assert chosen.target_window is None
    if due:
        assert chosen in due
        assert chosen.appointment_at == min(t.appointment_at for t in due if t.appointment_at)
        return
    assert not is_due(chosen, NOW, rules)
    if any(t.priority for t in eligible) and rules.priority_max is None and rules.normal_max_wait is None:
        assert chosen.priority


# ---------------------------------------------------------------------------------------------------------
# FIFO within a class, and the three modes
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_within_one_service_the_earliest_arrival_is_called_first_in_every_mode(mode: Mode) -> None:
    pool = [ticket(3, "S1", 10), ticket(1, "S1", 30), ticket(2, "S1", 20)]
    assert choose_next(window("W1", "S1"), pool, NOW, PolicySettings(mode=mode)) == pool[1]


@pytest.mark.parametrize("mode", MODES)
def test_equal_arrivals_are_split_by_ticket_id_in_every_mode(mode: Mode) -> None:
    pool = [ticket(7, "S1", 10), ticket(4, "S1", 10), ticket(5, "S1", 10)]
    assert choose_next(window("W1", "S1"), pool, NOW, PolicySettings(mode=mode)) == pool[1]


@given(
    view=windows(min_services=1),
    pool=pools(min_size=1),
    mode=modes,
    priority_max=st.one_of(st.none(), st.integers(1, 3)),
)
@settings(deadline=None)
def test_fifo_holds_within_a_service_and_priority_class_in_every_mode(
    view: WindowView, pool: list[Candidate], mode: Mode, priority_max: int | None
) -> None:
    rules = PolicySettings(mode=mode, priority_max=priority_max)
    remaining = list(pool)
    called: list[Candidate] = []
    recent: list[bool] = []
    while (chosen := choose_next(_with_recent(view, recent), remaining, NOW, rules)) is not None:
        same_class = [t for t in remaining if (t.service, t.priority) == (chosen.service, chosen.priority)]
        assert chosen == min(same_class, key=fifo_key)
        remaining.remove(chosen)
        called.append(chosen)
        recent.append(chosen.priority)
    for service in SERVICES:
        for flag in (False, True):
            in_class = [t for t in called if (t.service, t.priority) == (service, flag)]
            assert in_class == sorted(in_class, key=fifo_key)


def _with_recent(view: WindowView, recent: list[bool]) -> WindowView:
    return WindowView(view.number, view.is_open, view.assignments, tuple(recent))


def test_strict_mode_calls_the_first_service_before_an_older_ticket_of_the_second() -> None:
    view = WindowView("W1", True, (Assignment("S2", preference=2), Assignment("S1", preference=1)))
    pool = [ticket(1, "S2", 90), ticket(2, "S1", 1)]
    assert choose_next(view, pool, NOW, PolicySettings(mode=Mode.STRICT)) == pool[1]


def test_oldest_mode_calls_the_oldest_ticket_across_the_window_services() -> None:
    view = WindowView("W1", True, (Assignment("S2", preference=2), Assignment("S1", preference=1)))
    pool = [ticket(1, "S2", 90), ticket(2, "S1", 1)]
    assert choose_next(view, pool, NOW, PolicySettings(mode=Mode.OLDEST)) == pool[0]


@given(
    pool=pools(services=("S1", "S2"), priority=st.just(False), min_size=1),
    reverse_listing=st.booleans(),
)
@settings(deadline=None)
def test_strict_mode_calls_the_preferred_service_whenever_it_has_normal_tickets_waiting(
    pool: list[Candidate], reverse_listing: bool
) -> None:
    assignments = (Assignment("S1", preference=1), Assignment("S2", preference=2))
    view = WindowView("W1", True, assignments[::-1] if reverse_listing else assignments)
    chosen = choose_next(view, pool, NOW, PolicySettings(mode=Mode.STRICT))
    assert chosen is not None
    first = [t for t in pool if t.service == "S1"]
    if first:
        assert chosen == min(first, key=fifo_key)
    else:
        assert chosen == min(pool, key=fifo_key)


def test_weighted_mode_weighs_the_wait_by_the_service_weight() -> None:
    view = WindowView("W1", True, (Assignment("S1", weight=1.0), Assignment("S2", weight=3.0)))
    pool = [ticket(1, "S1", 50), ticket(2, "S2", 20)]  # 50×1 < 20×3
    assert choose_next(view, pool, NOW, PolicySettings(mode=Mode.WEIGHTED)) == pool[1]
    pool = [ticket(1, "S1", 70), ticket(2, "S2", 20)]  # 70×1 > 20×3
    assert choose_next(view, pool, NOW, PolicySettings(mode=Mode.WEIGHTED)) == pool[0]


@given(view=windows(min_services=1), pool=pools(min_size=1), flag=st.booleans())
@settings(deadline=None)
def test_weighted_mode_picks_the_largest_wait_times_weight(
    view: WindowView, pool: list[Candidate], flag: bool
) -> None:
    pool = [Candidate(t.ticket_id, t.service, t.rank_at, priority=flag) for t in pool]
    served = {a.service: a.weight for a in view.assignments}
    eligible = [t for t in pool if t.service in served]
    chosen = choose_next(view, pool, NOW, PolicySettings(mode=Mode.WEIGHTED))
    if not eligible:
        assert chosen is None
        return
    assert chosen is not None

    def score(t: Candidate) -> float:
        return max((NOW - t.rank_at).total_seconds(), 0.0) * served[t.service]

    best = max(score(t) for t in eligible)
    assert score(chosen) == best
    tied = [t for t in eligible if score(t) == best]
    assert chosen == min(tied, key=fifo_key)


# ---------------------------------------------------------------------------------------------------------
# Anti-starvation: at most N priority calls in any M while a normal ticket waits; a wait bound
# ---------------------------------------------------------------------------------------------------------


def call_all(
    view: WindowView, pool: list[Candidate], rules: PolicySettings, now: datetime = NOW
) -> list[tuple[Candidate, bool]]:
    """Let one window call until nothing is left; each call with whether a normal ticket was waiting."""
    remaining = list(pool)
    calls: list[tuple[Candidate, bool]] = []
    recent: list[bool] = list(view.recent_priority)
    while True:
        normal_waiting = any(not t.priority and serves(view, t) for t in remaining)
        chosen = choose_next(_with_recent(view, recent), remaining, now, rules)
        if chosen is None:
            return calls
        remaining.remove(chosen)
        recent.append(chosen.priority)
        calls.append((chosen, normal_waiting))


def test_one_priority_one_normal_alternates_while_both_wait() -> None:
    pool = [ticket(i, "S1", 60 - i, priority=i % 2 == 0) for i in range(1, 9)]
    calls = call_all(window("W1", "S1"), pool, PolicySettings(priority_max=1, priority_span=2))
    assert [t.priority for t, _ in calls] == [True, False, True, False, True, False, True, False]


def test_two_in_three_lets_two_priority_tickets_through_then_one_normal() -> None:
    pool = [ticket(i, "S1", 60 - i, priority=i <= 4) for i in range(1, 9)]
    calls = call_all(window("W1", "S1"), pool, PolicySettings(priority_max=2, priority_span=3))
    assert [t.priority for t, _ in calls] == [True, True, False, True, True, False, False, False]


def test_with_no_normal_ticket_waiting_priority_tickets_are_called_back_to_back() -> None:
    pool = [ticket(i, "S1", 60 - i, priority=True) for i in range(1, 5)]
    calls = call_all(window("W1", "S1"), pool, PolicySettings(priority_max=1, priority_span=2))
    assert [t.ticket_id for t, _ in calls] == [1, 2, 3, 4]


def test_without_a_priority_limit_every_priority_ticket_goes_first() -> None:
    pool = [ticket(i, "S1", 60 - i, priority=i > 3) for i in range(1, 7)]
    calls = call_all(window("W1", "S1"), pool, PolicySettings(priority_max=None))
    assert [t.priority for t, _ in calls] == [True, True, True, False, False, False]


@st.composite
def starvation_cases(draw: st.DrawFn) -> tuple[PolicySettings, WindowView, list[Candidate]]:
    n = draw(st.integers(1, 3))
    m = draw(st.integers(n + 1, 5))
    rules = PolicySettings(mode=draw(modes), priority_max=n, priority_span=m)
    view = draw(windows(min_services=1))
    services = tuple(a.service for a in view.assignments)
    pool = draw(pools(services=services, min_size=2, max_size=25))
    # Make sure both kinds wait at the start.
    pool[0] = Candidate(pool[0].ticket_id, pool[0].service, pool[0].rank_at, priority=True)
    pool[1] = Candidate(pool[1].ticket_id, pool[1].service, pool[1].rank_at, priority=False)
    return rules, view, pool


@given(case=starvation_cases())
@settings(deadline=None)
def test_at_most_n_priority_calls_in_any_m_consecutive_calls_while_a_normal_ticket_waits(
    case: tuple[PolicySettings, WindowView, list[Candidate]],
) -> None:
    rules, view, pool = case
    assert rules.priority_max is not None
    calls = call_all(view, pool, rules)
    assert sorted(t.ticket_id for t, _ in calls) == sorted(t.ticket_id for t in pool)
    m = rules.priority_span
    for start in range(len(calls) - m + 1):
        run = calls[start : start + m]
        if all(normal_waiting for _, normal_waiting in run):
            assert sum(t.priority for t, _ in run) <= rules.priority_max, [t.priority for t, _ in calls]


@given(case=starvation_cases())
@settings(deadline=None)
def test_priority_is_only_held_back_when_it_has_had_its_share(
    case: tuple[PolicySettings, WindowView, list[Candidate]],
) -> None:
    rules, view, pool = case
    assert rules.priority_max is not None
    calls = call_all(view, pool, rules)
    history = list(view.recent_priority)
    priority_left = sum(t.priority for t in pool)
    for chosen, _ in calls:
        if not chosen.priority and priority_left:
            assert sum(history[-(rules.priority_span - 1) :]) >= rules.priority_max
        priority_left -= chosen.priority
        history.append(chosen.priority)


@given(
    bound=st.integers(1, 60),
    over=st.integers(1, 120),
    priority_waits=st.lists(st.integers(0, 240), min_size=1, max_size=6),
    younger_normal=st.lists(st.integers(0, 59), max_size=4),
    mode=modes,
)
@settings(deadline=None)
def test_a_normal_ticket_waiting_longer_than_the_bound_goes_before_priority_tickets(
    bound: int, over: int, priority_waits: list[int], younger_normal: list[int], mode: Mode
) -> None:
    rules = PolicySettings(mode=mode, priority_max=None, normal_max_wait=timedelta(minutes=bound))
    old = ticket(1, "S1", bound + over / 60)
    pool = [old]
    pool += [ticket(10 + i, "S1", w, priority=True) for i, w in enumerate(priority_waits)]
    pool += [ticket(100 + i, "S1", min(w, bound)) for i, w in enumerate(younger_normal)]
    chosen = choose_next(window("W1", "S1"), pool, NOW, rules)
    assert chosen is not None
    assert not chosen.priority
    assert chosen == old  # one service: the longest-waiting normal ticket in every mode


def test_a_normal_ticket_within_the_bound_still_lets_priority_go_first() -> None:
    rules = PolicySettings(priority_max=None, normal_max_wait=timedelta(minutes=30))
    pool = [ticket(1, "S1", 30), ticket(2, "S1", 1, priority=True)]
    assert choose_next(window("W1", "S1"), pool, NOW, rules) == pool[1]


# ---------------------------------------------------------------------------------------------------------
# Several windows sharing one pool: no double claims, no idle window while eligible work waits
# ---------------------------------------------------------------------------------------------------------


@st.composite
def halls(draw: st.DrawFn) -> tuple[list[WindowView], list[Candidate], list[int], PolicySettings]:
    count = draw(st.integers(1, len(WINDOWS)))
    views = [draw(windows(number=WINDOWS[i], is_open=st.booleans())) for i in range(count)]
    pool = draw(pools(targets=some_target, appointments=some_appointment, max_size=30))
    order = draw(st.lists(st.integers(0, count - 1), max_size=60))
    return views, pool, order, draw(policy_settings)


@given(hall=halls())
@settings(deadline=None)
def test_windows_calling_from_one_pool_never_claim_a_ticket_twice_and_never_idle_while_work_waits(
    hall: tuple[list[WindowView], list[Candidate], list[int], PolicySettings],
) -> None:
    views, pool, order, rules = hall
    remaining = list(pool)
    claims: dict[int, str] = {}
    recent: dict[str, list[bool]] = {v.number: [] for v in views}
    now = NOW
    for index in order:
        view = _with_recent(views[index], recent[views[index].number])
        eligible = [t for t in remaining if serves(view, t)]
        chosen = choose_next(view, remaining, now, rules)
        if not view.is_open:
            assert chosen is None
        elif eligible:
            assert chosen is not None, f"{view.number} idle while {eligible} wait"
            assert chosen in eligible
            assert chosen.ticket_id not in claims
            claims[chosen.ticket_id] = view.number
            remaining.remove(chosen)
            recent[view.number].append(chosen.priority)
        else:
            assert chosen is None
        now += timedelta(minutes=1)
    by_id = {t.ticket_id: t for t in pool}
    for ticket_id, number in claims.items():
        claimed = by_id[ticket_id]
        if claimed.target_window is not None:
            assert claimed.target_window == number
        else:
            assert claimed.service in {a.service for v in views if v.number == number for a in v.assignments}
    assert len(claims) + len(remaining) == len(pool)


def test_a_ticket_sent_to_a_closed_window_waits_for_that_window() -> None:
    sent = ticket(1, "S1", 60, target="W2")
    assert choose_next(window("W1", "S1"), [sent], NOW, PolicySettings()) is None
    assert choose_next(window("W2", "S1", is_open=False), [sent], NOW, PolicySettings()) is None
    assert choose_next(window("W2", "S1"), [sent], NOW, PolicySettings()) == sent


# ---------------------------------------------------------------------------------------------------------
# Requeue of a late no-show (过号召回)
# ---------------------------------------------------------------------------------------------------------


def test_a_requeued_ticket_goes_halfway_between_the_nth_and_the_next_waiting_ticket() -> None:
    ranks = [ago(50), ago(10), ago(30), ago(40)]
    rank = requeue_rank(ranks, 2, NOW)
    assert rank == ago(35)


def test_a_requeued_ticket_goes_to_the_end_when_fewer_tickets_wait() -> None:
    assert requeue_rank([ago(5), ago(3)], 3, NOW) == NOW
    assert requeue_rank([], 3, NOW) == NOW


def test_a_requeue_zero_places_back_goes_to_the_head() -> None:
    assert requeue_rank([ago(5), ago(3)], 0, NOW) == ago(5) - timedelta(microseconds=1)
    assert requeue_rank([], 0, NOW) == NOW


@given(
    offsets=st.lists(st.integers(1, 10**7), unique=True, max_size=20),
    places_back=st.integers(-2, 25),
)
@settings(deadline=None)
def test_a_requeued_ticket_ends_exactly_places_back_behind_the_head_or_at_the_end(
    offsets: list[int], places_back: int
) -> None:
    # Distinct ranks at least a millisecond apart, all before now.
    ranks = [NOW - timedelta(milliseconds=offset) for offset in offsets]
    rank = requeue_rank(ranks, places_back, NOW)
    ordered = sorted(ranks)
    assert rank not in ranks
    position = bisect_left(ordered, rank)
    if not ranks:
        assert rank == NOW
    elif places_back <= 0:
        assert position == 0
    elif places_back <= len(ranks):
        assert position == places_back
    else:
        assert rank == NOW
        assert position == len(ranks)


@given(
    offsets=st.lists(st.integers(1, 10**7), unique=True, min_size=1, max_size=20),
    places_back=st.integers(1, 25),
)
@settings(deadline=None)
def test_a_requeued_ticket_is_then_called_after_exactly_the_tickets_ahead_of_it(
    offsets: list[int], places_back: int
) -> None:
    pool = [Candidate(i + 1, "S1", NOW - timedelta(milliseconds=o)) for i, o in enumerate(offsets)]
    back = Candidate(0, "S1", requeue_rank([t.rank_at for t in pool], places_back, NOW))
    calls = call_all(window("W1", "S1"), [*pool, back], PolicySettings())
    position = [t.ticket_id for t, _ in calls].index(0)
    assert position == min(places_back, len(pool))


def test_two_no_shows_requeued_in_turn_each_land_exactly_places_back_behind_the_head() -> None:
    pool = [Candidate(10 + i, "S1", ago(50 - i)) for i in range(5)]
    first = Candidate(1, "S1", requeue_rank([t.rank_at for t in pool], 2, NOW))
    pool.append(first)
    second = Candidate(2, "S1", requeue_rank([t.rank_at for t in pool], 2, NOW))
    pool.append(second)
    assert people_ahead(first, [t for t in pool if t is not second]) == 2
    assert people_ahead(second, pool) == 2


# ---------------------------------------------------------------------------------------------------------
# People ahead of a ticket
# ---------------------------------------------------------------------------------------------------------


def test_people_ahead_counts_priority_then_earlier_tickets_of_the_same_service() -> None:
    mine = ticket(5, "S1", 10)
    pool = [
        ticket(1, "S1", 20),  # earlier: ahead
        ticket(2, "S1", 5, priority=True),  # priority: ahead
        ticket(3, "S1", 5),  # later: behind
        ticket(4, "S2", 60),  # other service: not counted
        mine,
    ]
    assert people_ahead(mine, pool) == 2


def test_a_priority_ticket_has_only_earlier_priority_tickets_ahead() -> None:
    mine = ticket(5, "S1", 1, priority=True)
    pool = [ticket(1, "S1", 60), ticket(2, "S1", 5, priority=True), mine]
    assert people_ahead(mine, pool) == 1


def test_a_ticket_not_in_the_pool_counts_everyone_before_it() -> None:
    newcomer = ticket(99, "S1", 0)
    assert people_ahead(newcomer, [ticket(1, "S1", 5), ticket(2, "S1", 3)]) == 2


@given(
    pool=pools(services=("S1",), min_size=1, max_size=25),
    noise=pools(services=("S2", "S3"), max_size=8),
)
@settings(deadline=None)
def test_people_ahead_is_the_place_at_which_a_single_window_calls_the_ticket(
    pool: list[Candidate], noise: list[Candidate]
) -> None:
    noise = [Candidate(t.ticket_id + 1000, t.service, t.rank_at, t.priority) for t in noise]
    waiting = pool + noise
    view = window("W1", "S1")
    calls = call_all(view, waiting, PolicySettings(mode=Mode.OLDEST, priority_max=None))
    order = [t.ticket_id for t, _ in calls]
    assert sorted(order) == sorted(t.ticket_id for t in pool)
    for t in pool:
        assert people_ahead(t, waiting) == order.index(t.ticket_id)
