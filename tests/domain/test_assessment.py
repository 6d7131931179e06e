"""The monthly assessment: scoring, ranking, flags and grades, against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain import assessment as a
from queue_server.domain import complaints as cp
from queue_server.domain import measures as m
from queue_server.domain import supervision as sv
from queue_server.domain.errors import Rejected
from queue_server.domain.rubric import FlagRules, Grades, Measure, default_rubric, from_dict, to_dict

RUBRIC = default_rubric()
SHANGHAI = ZoneInfo("Asia/Shanghai")


def fact(rule: str, n: int = 1, window: str = "1", **kw: object) -> a.Fact:
    return a.Fact(f"{rule}:{n}", rule, window, **kw)  # type: ignore[arg-type]


def test_the_default_rubric_is_the_seeds_one() -> None:
    window = RUBRIC.window
    assert [(s.key, s.max_points) for s in window.sections] == [
        ("attendance", 10),
        ("conduct", 28),
        ("quality", 22),
        ("results", 20),
        ("fees", 10),
        ("hygiene", 5),
        ("appraisal", 5),
    ]
    assert window.base == 100 and window.bonus.max_points == 20
    assert [s.max_points for s in RUBRIC.individual.sections] == [25, 23, 12, 35, 5]
    assert from_dict(to_dict(RUBRIC)) == RUBRIC


def test_a_month_scored_by_hand() -> None:
    # 2 late (−4), 1 off post (−2), a 差评 at 3 points (−3), a verified complaint at 8 (−8),
    # 1 overdue case (−5): attendance 10−6 = 4, results 20−16 = 4; praise ×2 (+4) → 100 − 22 + 4 = 82
    facts = [
        fact("attendance.late", 1),
        fact("attendance.late", 2),
        fact("attendance.off_post"),
        fact("results.bad_rating", points=3),
        fact("results.complaint", points=8),
        fact("results.overdue"),
        fact("bonus.praise", 1),
        fact("bonus.praise", 2),
    ]
    result = a.score(RUBRIC.window, facts)
    sections = {s.key: s.score for s in result.sections}
    assert sections["attendance"] == 4 and sections["results"] == 4
    assert result.deducted == 22 and result.bonus == 4
    assert result.total == 82


def test_a_section_stops_at_zero_and_the_bonus_at_its_cap() -> None:
    # 6 late = 12 points on a 10-point section; 11 praise = 22 bonus, capped at 20
    facts = [fact("attendance.late", i) for i in range(6)] + [fact("bonus.praise", i) for i in range(11)]
    result = a.score(RUBRIC.window, facts)
    assert result.sections[0].score == 0 and result.sections[0].deducted == 10
    assert result.bonus_raw == 22 and result.bonus == 20
    assert result.total == 90 + 20


def test_misconduct_empties_the_conduct_section_and_a_waiver_counts_nothing() -> None:
    facts = [fact("conduct.misconduct"), fact("conduct.uncivil"), fact("attendance.late")]
    result = a.score(RUBRIC.window, facts, waived=frozenset({"attendance.late:1"}))
    conduct = next(s for s in result.sections if s.key == "conduct")
    assert conduct.score == 0 and conduct.lost_whole
    attendance = result.sections[0]
    assert attendance.score == 10 and attendance.lines[0].waived
    assert result.total == 72


def test_range_rules_hold_chosen_points_within_their_bounds() -> None:
    rule = RUBRIC.window.rule("results.complaint")
    assert rule is not None
    assert a.fact_points(rule[1], fact("results.complaint", points=30)) == 10
    assert a.fact_points(rule[1], fact("results.complaint", points=1)) == 5
    assert a.fact_points(rule[1], fact("results.complaint")) == 5
    rule[1].check_points(7, 1)
    with pytest.raises(Rejected):
        rule[1].check_points(11, 1)


def test_the_individual_sheet_uses_its_own_points() -> None:
    # individual: wrong result is 5–10 (window: 5); leave is per day in the 12-point attendance
    facts = [fact("results.wrong", points=8), fact("attendance.leave", count=3), fact("bonus.model_window")]
    person = a.score(RUBRIC.individual, facts)
    assert person.total == 100 - 8 - 3 + 2
    window = a.score(RUBRIC.window, facts)
    assert window.total == 100 - 5 - 3  # no model-window bonus on the window sheet


def test_ties_share_a_rank() -> None:
    ranked = a.rank({"1": 90, "2": 95, "3": 90, "10": 80})
    assert ranked == [("2", 95, 1), ("1", 90, 2), ("3", 90, 2), ("10", 80, 4)]


def test_flags_top_five_last_yellow_second_yellow_warning_sixty_unsatisfied() -> None:
    totals = {"1": 100, "2": 98, "3": 97, "4": 96, "5": 95, "6": 94, "7": 60}
    flags = a.flags(a.rank(totals), FlagRules(), yellow_before={"7": 1})
    assert [w for w, f in flags.items() if f.model_eligible] == ["1", "2", "3", "4", "5"]
    assert flags["7"].yellow and flags["7"].yellow_count == 2 and flags["7"].warning
    assert flags["7"].unsatisfied and not flags["6"].unsatisfied
    assert not any(f.yellow for w, f in flags.items() if w != "7")


def test_nobody_is_last_when_all_tie_and_disqualified_windows_are_unsatisfied() -> None:
    flags = a.flags(a.rank({"1": 100, "2": 100}), FlagRules(), disqualified=frozenset({"2"}))
    assert not flags["1"].yellow and not flags["2"].yellow
    assert flags["2"].unsatisfied and not flags["2"].model_eligible and flags["1"].model_eligible


def test_a_small_hall_the_last_is_yellow_not_model() -> None:
    flags = a.flags(a.rank({"1": 99, "2": 80}), FlagRules())
    assert flags["1"].model_eligible and not flags["2"].model_eligible and flags["2"].yellow
    assert not flags["2"].warning


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (90, a.Grade.EXCELLENT),
        (89.5, a.Grade.GOOD),
        (80, a.Grade.GOOD),
        (79, a.Grade.PASSING),
        (60, a.Grade.PASSING),
        (59.9, a.Grade.FAIL),
    ],
)
def test_individual_grades(total: float, expected: a.Grade) -> None:
    assert a.grade(total, Grades()) is expected


def test_full_attendance_goes_to_clerks_without_attendance_facts() -> None:
    facts = [fact("attendance.late", clerk=7), fact("attendance.late", 2, window="2", clerk=8)]
    bonus = a.full_attendance("1", [7, 8, 8], facts, frozenset())
    assert [(f.rule, f.clerk) for f in bonus] == [("bonus.full_attendance", 8)]
    assert a.full_attendance("1", [7, 8], facts, frozenset({"attendance.late:1"})) != []
    assert a.full_attendance("1", [8], [fact("attendance.late")], frozenset()) == []


# ------------------------------------------------------------------ measuring


def at(day: int, hh: int, mm: int) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=SHANGHAI).astimezone(UTC)


def periods(day: date) -> tuple[tuple[time, time], ...]:
    if day.weekday() >= 5:
        return ()
    return ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))


def test_attendance_measured_from_status_changes() -> None:
    changes = [
        m.StatusChange(1, at(2, 8, 40), "open", clerk=5),  # 10 min late (grace 5)
        m.StatusChange(2, at(2, 10, 0), "paused", "away", 5),
        m.StatusChange(3, at(2, 10, 45), "open", clerk=5),  # away 45 min > 30: 脱岗
        m.StatusChange(4, at(2, 11, 0), "paused", "lunch", 5),
        m.StatusChange(5, at(2, 17, 0), "closed", clerk=5),  # 30 min early
        m.StatusChange(6, at(3, 8, 33), "open", clerk=6),  # within grace
        m.StatusChange(7, at(3, 9, 0), "paused", "away", 6),
        m.StatusChange(8, at(3, 9, 30), "open", clerk=6),  # exactly 30 min: not more than 30
        m.StatusChange(10, at(3, 17, 30), "closed", clerk=6),
        m.StatusChange(9, at(7, 9, 0), "open", clerk=6),  # Saturday: no hours, nothing measured
    ]
    facts = m.attendance("1", changes, periods, SHANGHAI, Measure())
    assert [(f.rule, f.clerk, f.ref["events"]) for f in facts] == [
        ("attendance.late", 5, [1]),
        ("attendance.early", 5, [5]),
        ("attendance.off_post", 5, [2, 3]),
    ]
    assert facts[0].ref["minutes"] == 10 and facts[1].ref["minutes"] == 30


def test_hasty_no_shows_need_a_recall_or_time() -> None:
    t0 = at(2, 9, 0)
    events = [
        m.CallEvent(1, 100, "ticket.called", t0, "1"),
        m.CallEvent(2, 100, "ticket.no_show", t0 + timedelta(seconds=20), "1", 5, "A001"),  # hasty
        m.CallEvent(3, 101, "ticket.called", t0, "1"),
        m.CallEvent(4, 101, "ticket.recalled", t0 + timedelta(seconds=10), "1"),
        m.CallEvent(5, 101, "ticket.no_show", t0 + timedelta(seconds=30), "1"),  # recalled first
        m.CallEvent(6, 102, "ticket.called", t0, "2"),
        m.CallEvent(7, 102, "ticket.no_show", t0 + timedelta(seconds=90), "2"),  # waited long enough
    ]
    facts = m.hasty_no_shows(events, Measure())
    assert [(f.window, f.clerk, f.ref["events"], f.ref["seconds"]) for f in facts] == [("1", 5, [1, 2], 20)]


def test_overdue_cases_count_in_the_month_of_their_date() -> None:
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    cases = [
        m.CaseRecord(1, "1", date(2026, 3, 10), date(2026, 3, 12)),  # late
        m.CaseRecord(2, "1", date(2026, 3, 10), date(2026, 3, 10)),  # on time
        m.CaseRecord(3, "2", date(2026, 3, 20), None),  # open past its date
        m.CaseRecord(4, "2", date(2026, 3, 30), None),  # open, not yet due
        m.CaseRecord(5, "2", date(2026, 2, 27), None),  # February's
    ]
    facts = m.overdue_cases(cases, first, last, date(2026, 3, 25))
    assert [f.ref["case"] for f in facts] == [1, 3]


# ------------------------------------------------------------------ complaints and supervision


def test_complaints_are_judged_once_and_reported_after_the_verdict() -> None:
    cp.check_verdict(cp.Verdict.PENDING, cp.Verdict.VERIFIED)
    with pytest.raises(Rejected):
        cp.check_verdict(cp.Verdict.VERIFIED, cp.Verdict.UNFOUNDED)
    with pytest.raises(Rejected):
        cp.check_report(cp.Verdict.PENDING, False)
    with pytest.raises(Rejected):
        cp.check_report(cp.Verdict.UNFOUNDED, True)
    cp.check_report(cp.Verdict.UNFOUNDED, False)
    facts = cp.complaint_facts(4, "3", 9, cp.Category.MISCONDUCT, 10)
    assert [f.rule for f in facts] == ["results.complaint", "conduct.misconduct"]
    result = a.score(RUBRIC.window, facts)
    assert result.total == 100 - 10 - 28


def test_alert_response_times_by_rule() -> None:
    t0 = at(2, 9, 0)
    alerts = [
        sv.AlertRecord(
            1, "window.away", "1", "yellow", t0, t0 + timedelta(seconds=60), t0 + timedelta(seconds=600)
        ),
        sv.AlertRecord(
            2, "window.away", "2", "red", t0, t0 + timedelta(seconds=180), t0 + timedelta(seconds=300)
        ),
        sv.AlertRecord(3, "window.away", "1", "yellow", t0, t0 + timedelta(seconds=120)),
        sv.AlertRecord(4, "ticket.long_wait", None, "yellow", t0),
    ]
    rows = {g.key: g for g in sv.group(alerts, lambda r: r.rule)}
    away = rows["window.away"]
    assert (away.raised, away.red, away.open) == (3, 1, 1)
    assert away.acknowledge == sv.Times(3, 120.0, 120.0, 180.0)
    assert away.clear == sv.Times(2, 450.0, 450.0, 600.0)
    assert rows["ticket.long_wait"].acknowledge == sv.Times(0, None, None, None)


# ------------------------------------------------------------------ properties

facts_strategy = st.lists(
    st.tuples(
        st.sampled_from(
            [r.key for s in RUBRIC.window.sections for r in s.rules] + ["bonus.praise", "bonus.media_city"]
        ),
        st.floats(min_value=0, max_value=30, allow_nan=False),
    ),
    max_size=40,
)


@given(facts_strategy)
def test_scores_stay_within_bounds_and_each_section_within_its_points(raw: list[tuple[str, float]]) -> None:
    facts = [a.Fact(f"f{i}", rule, "1", points=p) for i, (rule, p) in enumerate(raw)]
    result = a.score(RUBRIC.window, facts)
    assert 0 <= result.total <= 120
    for section in result.sections:
        assert 0 <= section.score <= section.max_points


@given(facts_strategy, st.sampled_from([r.key for s in RUBRIC.window.sections for r in s.rules]))
def test_one_more_deduction_never_raises_a_score(raw: list[tuple[str, float]], extra: str) -> None:
    facts = [a.Fact(f"f{i}", rule, "1", points=p) for i, (rule, p) in enumerate(raw)]
    before = a.score(RUBRIC.window, facts).total
    after = a.score(RUBRIC.window, [*facts, a.Fact("extra", extra, "1")]).total
    assert after <= before


@given(st.dictionaries(st.sampled_from([str(n) for n in range(1, 13)]), st.integers(0, 120), min_size=1))
def test_a_higher_total_never_ranks_below_a_lower_one(totals: dict[str, int]) -> None:
    ranked = a.rank(totals)
    by_window = {w: r for w, _, r in ranked}
    for w1, t1 in totals.items():
        for w2, t2 in totals.items():
            if t1 > t2:
                assert by_window[w1] < by_window[w2]
            if t1 == t2:
                assert by_window[w1] == by_window[w2]
    flags = a.flags(ranked, FlagRules())
    assert all(f.rank <= 5 and not f.yellow for f in flags.values() if f.model_eligible)
    assert sum(f.yellow for f in flags.values()) == (
        0 if len(set(totals.values())) == 1 else sum(1 for t in totals.values() if t == min(totals.values()))
    )


calls_strategy = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from(["ticket.called", "ticket.recalled", "ticket.no_show"]),
        st.integers(0, 300),
    ),
    max_size=30,
)


@given(calls_strategy)
def test_a_hasty_no_show_always_follows_its_own_call_within_the_limit(
    raw: list[tuple[int, str, int]],
) -> None:
    t0 = at(2, 9, 0)
    clock = 0
    events = []
    for i, (ticket, kind, gap) in enumerate(raw):
        clock += gap
        events.append(m.CallEvent(i, ticket, kind, t0 + timedelta(seconds=clock), "1"))
    facts = m.hasty_no_shows(events, Measure())
    by_id = {e.event_id: e for e in events}
    assert len(facts) <= sum(1 for e in events if e.type == "ticket.no_show")
    for f in facts:
        call, no_show = (by_id[i] for i in f.ref["events"])
        assert call.type == "ticket.called" and no_show.type == "ticket.no_show"
        assert call.ticket_id == no_show.ticket_id and 0 <= f.ref["seconds"] < 60
        between = [
            e
            for e in events
            if call.event_id < e.event_id < no_show.event_id and e.ticket_id == call.ticket_id
        ]
        assert not any(e.type == "ticket.recalled" for e in between)
