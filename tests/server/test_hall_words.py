"""Messages name stages, levels and grades in the hall's words; one key per grade on the wire; a
ticket shows where it came from (an appointment's ticket its slot)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from queue_server.adapters import tables as t
from queue_server.messages import render
from tests.server.conftest import Hall
from tests.server.test_appointment_check_in_api import checked_in
from tests.server.test_appointments_api import booked, slot
from tests.server.test_assessment_api import as_clerk, at, clerk_act, month, post
from tests.server.test_evaluations_api import concluded, evaluation_of, rate


def test_a_follow_up_at_the_wrong_stage_names_the_stage_as_the_hall_says_it(hall: Hall) -> None:
    hall.open_all()
    bad = rate(hall, evaluation_of(hall, concluded(hall))["id"], level="dissatisfied").json()
    step = f"/api/v1/follow-ups/{bad['follow_up']['id']}"
    refused = hall.client.post(step, json={"action": "revisit", "note": "x"}, headers=hall.as_("manager"))
    assert refused.status_code == 409
    error = refused.json()
    assert error["message"] == "该整改件当前处于“核实”环节。"
    assert "verify" not in error["message"] and "verification (核实)" in error["message_en"]


def test_levels_grades_and_ticket_actions_render_as_words_in_each_language() -> None:
    assert render(
        "ticket.illegal_transition", {"number": "A001", "status": "concluded", "action": "cancel"}
    ) == (
        "号票 A001 当前为“已办结”，不能执行“取消”。",
        "Ticket A001 is concluded; cannot cancel.",
    )
    assert render("clerk.evaluation.rated", {"ticket": "A001", "level": "very_dissatisfied"})[0] == (
        "A001：已评价“非常不满意”"
    )
    assert render("assess.grade.passing") == ("基本合格", "passing")
    assert render("complaint.already_judged", {"verdict": "unfounded"})[0] == "该投诉已有调查结论（不属实）。"


def test_the_grade_key_on_the_wire_is_the_rubrics_own(hall: Hall) -> None:
    rubric = hall.client.get("/api/v1/assessment/rubric", headers=hall.as_("manager")).json()
    assert set(rubric["grades"]) == {"excellent", "good", "passing"}
    at(hall, 3, 2, 9, 0)
    clerk_act(hall, as_clerk(hall, "C1", "pw-c1", "1"), "1", "open")
    entry = {
        "window": "1",
        "clerk_staff_no": "C1",
        "rule": "conduct.damage",
        "count": 5,
        "reason": "损坏设备",
    }
    post(hall, "/assessment/2026-03/entries", entry, 201)
    (c1,) = month(hall)["clerks"]
    assert 60 <= c1["total"] < 80
    assert (c1["grade"], c1["grade_name"]) == ("passing", "基本合格")
    assert c1["grade"] in rubric["grades"]


def test_a_ticket_shows_that_it_came_from_an_appointment(hall: Hall) -> None:
    hall.open_all()
    code = booked(hall, slot(hall, "09:30", "10:00"))["code"]
    walk_in = hall.issue("S1")
    assert (walk_in["channel"], walk_in["appointment_at"]) == ("kiosk", None)
    hall.clock.advance(minutes=25)
    issued = checked_in(hall, code)["ticket"]
    assert (issued["channel"], issued["appointment_at"]) == ("appointment", "2026-03-02T01:30:00Z")
    status = hall.client.get(f"/api/v1/tickets/{issued['token']}").json()
    assert (status["channel"], status["appointment_at"]) == ("appointment", "2026-03-02T01:30:00Z")


def test_a_month_closed_with_the_former_grade_key_reads_with_the_rubrics_key(hall: Hall) -> None:
    at(hall, 3, 2, 9, 0)
    clerk_act(hall, as_clerk(hall, "C1", "pw-c1", "1"), "1", "open")
    entry = {
        "window": "1",
        "clerk_staff_no": "C1",
        "rule": "conduct.damage",
        "count": 5,
        "reason": "损坏设备",
    }
    post(hall, "/assessment/2026-03/entries", entry, 201)
    at(hall, 4, 1, 9, 0)
    post(hall, "/assessment/2026-03/close", None)

    def former_key(uow: Any) -> None:  # what months closed before the rename hold
        table = t.assessment_months
        results = uow.stores.conn.execute(select(table.c.results)).scalar_one()
        results["clerks"][0]["grade"] = "pass"
        uow.stores.conn.execute(update(table).values(results=results))

    hall.runtime.write_sync(former_key)
    (c1,) = month(hall)["clerks"]
    assert (c1["grade"], c1["grade_name"]) == ("passing", "基本合格")
