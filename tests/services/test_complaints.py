"""The 投诉 and 表扬 registers on fakes: a phone kept only masked and hashed, a complaint judged once
within the rubric's range and reported back once, each change audited with before and after."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import NotFound, Rejected
from queue_server.services.evaluations import complaints
from queue_server.services.evaluations.ports import Person
from tests.fakes.stores import FakeStores
from tests.services.halls import small_hall

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
MANAGER = Actor(1, "manager", user_id=1, name="张主任")
ADMIN = Actor(1, "admin", user_id=2, name="管理员")


@pytest.fixture
def stores() -> FakeStores:
    stores = FakeStores(small_hall())
    stores.directory.add_person(1, Person(5, "S05", "王芳", "clerk"))
    return stores


def register(stores: FakeStores, **body: object) -> c.ComplaintPublic:
    fields = {"category": "attitude", "summary": "态度生硬，电话13812345678", "window": "01", **body}
    return complaints.register_complaint(stores.unit(NOW), MANAGER, c.NewComplaint.model_validate(fields))


def test_a_complainants_phone_is_kept_only_masked_and_hashed(stores: FakeStores) -> None:
    shown = register(stores, contact_phone="13812345678", clerk_staff_no="S05")

    assert shown.contact_masked == "138****5678"
    assert "13812345678" not in shown.summary  # free text masked for a manager
    assert stores.complaints.contact_hashes[shown.id] not in (None, "13812345678")
    assert (shown.clerk_name, shown.window, shown.verdict) == ("王芳", "01", c.ComplaintVerdict.PENDING)
    seen_by_admin = complaints.complaint(stores.unit(NOW), ADMIN, shown.id)
    assert "13812345678" in seen_by_admin.summary
    line = stores.directory.audit_lines[-1]
    assert (line.action, line.subject, line.detail["before"]) == ("complaint.registered", "complaint:1", None)


def test_an_unknown_staff_number_is_not_found_and_nothing_is_registered(stores: FakeStores) -> None:
    with pytest.raises(NotFound) as unknown:
        register(stores, clerk_staff_no="S99")
    assert unknown.value.code == "staff.not_found"
    assert stores.complaints.complaint_rows == {}


def test_a_complaint_is_judged_once_within_the_rubrics_range_then_reported_once(stores: FakeStores) -> None:
    complaint_id = register(stores).id
    uow = stores.unit(NOW)
    with pytest.raises(Rejected) as not_judged:
        complaints.report_complaint(uow, MANAGER, complaint_id, c.ReportComplaint(outcome="已答复"))
    with pytest.raises(Rejected):  # the seeds' rubric deducts 5–10 for a verified complaint
        complaints.judge_complaint(
            uow, MANAGER, complaint_id, c.JudgeComplaint(verdict="verified", finding="属实", points=12)
        )

    judged = complaints.judge_complaint(
        uow, MANAGER, complaint_id, c.JudgeComplaint(verdict="verified", finding="属实")
    )
    reported = complaints.report_complaint(uow, MANAGER, complaint_id, c.ReportComplaint(outcome="已答复"))

    assert not_judged.value.code == "complaint.not_judged"
    assert (judged.verdict, judged.points, judged.verified_by) == (
        c.ComplaintVerdict.VERIFIED,
        5.0,
        MANAGER.label,
    )
    assert (reported.outcome, reported.reported_at) == ("已答复", NOW)
    with pytest.raises(Rejected) as again:
        complaints.judge_complaint(
            uow, MANAGER, complaint_id, c.JudgeComplaint(verdict="unfounded", finding="x")
        )
    assert again.value.code == "complaint.already_judged"
    assert [line.action for line in stores.directory.audit_lines] == [
        "complaint.registered",
        "complaint.verified",
        "complaint.reported",
    ]


def test_praise_is_listed_newest_day_first_within_the_period(stores: FakeStores) -> None:
    uow = stores.unit(NOW)
    for day, window in ((date(2026, 2, 27), "01"), (date(2026, 3, 1), "02"), (date(2026, 2, 1), "01")):
        complaints.record_praise(uow, MANAGER, c.NewPraise(kind=c.PraiseKind.BANNER, window=window, day=day))

    listed = complaints.list_praise(uow, MANAGER, date(2026, 2, 15), date(2026, 3, 31))

    assert [(p.day, p.window) for p in listed] == [(date(2026, 3, 1), "02"), (date(2026, 2, 27), "01")]
