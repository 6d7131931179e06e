"""The monthly assessment on fakes: a month's sheets computed from its facts (差评, praise, complaints,
managers' entries), waivers, and closing the month (results and flags frozen)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import Rejected
from queue_server.services.assessment import scores
from queue_server.services.assessment.ports import BadRating, PromisedCase
from queue_server.services.evaluations.ports import NewComplaint, NewPraise, Person
from tests.fakes.stores import FakeStores
from tests.services.halls import small_hall

MANAGER = Actor(1, "manager", user_id=1, name="张主任")
APRIL = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)  # the month after: March can be closed
MID_MARCH = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


@pytest.fixture
def stores() -> FakeStores:
    """March at two windows: a 差评 at 01 (clerk S05), a banner for 02 (clerk S06)."""
    stores = FakeStores(small_hall())
    stores.directory.add_person(1, Person(5, "S05", "王芳", "clerk"))
    stores.directory.add_person(1, Person(6, "S06", "李明", "clerk"))
    rated = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    stores.assessment.ratings.append((1, rated, BadRating(41, 1, 5, "dissatisfied", 9)))
    stores.assessment.ratings.append((1, APRIL, BadRating(42, 1, 5, "dissatisfied", None)))  # April's
    stores.complaints.add_praise(NewPraise(1, "banner", 2, 6, date(2026, 3, 12), "锦旗", rated, "张主任"))
    return stores


def month(stores: FakeStores, at: datetime = APRIL) -> c.MonthAssessment:
    return scores.month_assessment(stores.unit(at), MANAGER, "2026-03")


def totals(result: c.MonthAssessment) -> dict[str, tuple[float, int]]:
    return {w.window: (w.total, w.rank) for w in result.windows}


def test_a_month_is_scored_from_its_facts_window_by_window_and_clerk_by_clerk(stores: FakeStores) -> None:
    result = month(stores)

    assert totals(result) == {"02": (102.0, 1), "01": (98.0, 2)}
    bad = next(w for w in result.windows if w.window == "01")
    assert [(line.fact_id, line.points, line.clerk_staff_no) for line in bad.lines] == [
        ("results.bad_rating:evaluation:41", 2.0, "S05")
    ]
    assert bad.lines[0].ref == {"evaluation": 41, "level": "dissatisfied", "follow_up": 9}
    assert (bad.yellow, bad.model_eligible) == (True, False)
    assert [(p.staff_no, p.total, p.windows) for p in result.clerks] == [
        ("S05", 98.0, ["01"]),
        ("S06", 102.0, ["02"]),
    ]
    assert not result.closed


def test_verified_complaints_and_overdue_promised_cases_count_against_their_window(
    stores: FakeStores,
) -> None:
    verified_at = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    new = NewComplaint(
        1, "attitude", verified_at, "phone", 2, 6, "", "态度差", None, None, "pending", "张主任"
    )
    complaint_id = stores.complaints.add(new)
    stores.complaints.judge(complaint_id, "verified", 6.0, "属实", verified_at, "张主任")
    late = PromisedCase(
        77, 2, 6, "A077", date(2026, 3, 5), completed_at=datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    )
    stores.assessment.cases.append((1, late))

    window = next(w for w in month(stores).windows if w.window == "02")
    assert [(line.fact_id, line.points) for line in window.lines] == [
        ("results.overdue:case:77", 5.0),  # promised for 3-05, done on 3-09
        ("results.complaint:complaint:1", 6.0),  # the deduction chosen at verification
        ("bonus.praise:praise:1", 2.0),
    ]
    assert window.total == 91.0


def test_a_waiver_sets_a_measured_fact_aside_until_it_is_withdrawn(stores: FakeStores) -> None:
    waiver = c.NewAssessmentEntry(
        window="01", waives="results.bad_rating:evaluation:41", reason="系统故障误评"
    )
    window = scores.add_entry(stores.unit(APRIL), MANAGER, "2026-03", waiver)

    assert window.total == 100.0
    assert [(line.waived, line.waived_by_entry) for line in window.lines] == [(True, 1)]
    assert stores.directory.audit_lines[-1].subject == "assessment:2026-03:entry:1"
    with pytest.raises(Rejected) as unknown:
        scores.add_entry(stores.unit(APRIL), MANAGER, "2026-03", waiver.model_copy(update={"waives": "x"}))
    assert unknown.value.code == "assessment.unknown_fact"

    after = scores.withdraw_entry(stores.unit(APRIL), MANAGER, "2026-03", 1)
    assert totals(after)["01"] == (98.0, 2)


def test_a_manager_counts_a_rubric_rule_with_its_reason(stores: FakeStores) -> None:
    entry = c.NewAssessmentEntry(window="02", rule="bonus.grievance", clerk_staff_no="S06", reason="委屈奖")
    window = scores.add_entry(stores.unit(APRIL), MANAGER, "2026-03", entry)

    manual = [line for line in window.lines if line.source == "manual"]
    assert [(line.rule, line.points, line.entry_id, line.clerk_staff_no) for line in manual] == [
        ("bonus.grievance", 5.0, 1, "S06")
    ]


def test_a_month_closes_once_over_and_reads_back_frozen(stores: FakeStores) -> None:
    with pytest.raises(Rejected) as still_open:
        scores.close_month(stores.unit(MID_MARCH), MANAGER, "2026-03")
    assert still_open.value.code == "assessment.month_open"

    closed = scores.close_month(stores.unit(APRIL), MANAGER, "2026-03")

    assert closed.closed and closed.closed_by == MANAGER.label
    assert [(f.window_id, f.kind) for f in stores.assessment.flags(1, "2026-03")] == [(1, "yellow")]
    later = datetime(2026, 3, 25, 2, 0, tzinfo=UTC)
    stores.assessment.ratings.append((1, later, BadRating(43, 2, 6, "very_dissatisfied", None)))
    assert month(stores) == closed  # a closed month no longer follows the record
    with pytest.raises(Rejected) as frozen:
        scores.withdraw_entry(stores.unit(APRIL), MANAGER, "2026-03", 1)
    assert frozen.value.code == "assessment.month_closed"


def test_a_month_not_begun_is_refused(stores: FakeStores) -> None:
    with pytest.raises(Rejected) as future:
        scores.month_assessment(stores.unit(MID_MARCH), MANAGER, "2026-04")
    assert future.value.code == "assessment.future_month"
