"""好差评 on the server: one evaluation per case, ratings, deadlines, 差评 follow-up, figures, export."""

from __future__ import annotations

import csv
import io
from typing import Any

from queue_server.services.operations.alerts import run_alerts
from queue_server.services.operations.housekeeping import chores
from tests.server.conftest import Hall
from tests.server.test_live_ws import receive_until
from tests.server.test_settings_api import WEEKDAYS, put_settings


def login_clerk(hall: Hall) -> dict[str, str]:
    """Clerk C1 (张敏) logs in at window 1 and opens it; returns the session's CSRF header."""
    me = hall.client.post(
        "/api/v1/auth/login", data={"staff_no": "C1", "password": "pw-c1", "window": "1", "hall": "t1"}
    ).json()
    headers = {"X-CSRF-Token": me["csrf"]}
    assert hall.client.post("/api/v1/windows/1/open", headers=headers).status_code == 200
    return headers


def concluded(hall: Hall, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Issue, call and conclude one ticket at window 1; returns the ticket."""
    ticket = hall.issue("S1")
    call = hall.client.post("/api/v1/windows/1/call-next", headers=headers or hall.as_("clerk1"))
    assert call.status_code == 200, call.text
    done = hall.client.post("/api/v1/windows/1/conclude", headers=headers or hall.as_("clerk1"))
    assert done.status_code == 200, done.text
    return ticket


def evaluation_of(hall: Hall, ticket: dict[str, Any]) -> dict[str, Any]:
    response = hall.client.get(f"/api/v1/tickets/{ticket['token']}/evaluation")
    assert response.status_code == 200, response.text
    return response.json()


def rate(hall: Hall, evaluation_id: int, who: str = "evaluator1", **body: Any) -> Any:
    headers = hall.as_(who) if who else {}
    return hall.client.post(f"/api/v1/evaluations/{evaluation_id}/rating", json=body, headers=headers)


def test_the_pad_is_asked_at_conclusion_and_its_rating_is_bound_to_case_window_and_clerk(hall: Hall) -> None:
    headers = login_clerk(hall)
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['evaluator1']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["evaluator:1"]})
        receive_until(ws, "snapshot")
        ticket = concluded(hall, headers)
        asked = receive_until(ws, "evaluation.requested")["payload"]
    assert (asked["number"], asked["window"], asked["clerk_name"], asked["staff_no"]) == (
        ticket["number"],
        "1",
        "张敏",
        "C1",
    )
    assert asked["timeout_seconds"] == 120
    hall.clock.advance(seconds=5)
    pressed = (hall.clock.now.replace(microsecond=0)).isoformat()
    first = rate(hall, asked["evaluation_id"], level="satisfied", pressed_at=pressed)
    assert first.status_code == 201, first.text
    got = first.json()
    assert (got["status"], got["channel"], got["level_name"], got["window"]) == ("rated", "pad", "满意", "1")
    assert (got["clerk_staff_no"], got["clerk_name"], got["service_code"]) == ("C1", "张敏", "S1")
    assert got["department_code"] == "D1" and got["case_id"] is not None
    again = rate(hall, asked["evaluation_id"], level="satisfied", pressed_at=pressed)
    assert again.status_code == 200 and again.json()["recorded_at"] == got["recorded_at"]
    other = rate(hall, asked["evaluation_id"], level="very_dissatisfied")
    assert other.status_code == 409 and other.json()["code"] == "evaluation.already_rated"


def test_only_the_windows_pad_or_the_tickets_page_may_rate(hall: Hall) -> None:
    hall.open_all()
    ticket = concluded(hall)
    evaluation = evaluation_of(hall, ticket)
    assert rate(hall, evaluation["id"], who="clerk1", level="satisfied").status_code == 403
    assert rate(hall, evaluation["id"], who="", level="satisfied").status_code == 404
    wrong = rate(hall, evaluation["id"], who="", level="satisfied", ticket_token="x" * 20)
    assert wrong.status_code == 404
    web = rate(hall, evaluation["id"], who="", level="very_satisfied", ticket_token=ticket["token"])
    assert web.status_code == 201 and web.json()["channel"] == "web"


def test_unrated_after_the_deadline_but_a_late_arrival_keeps_its_press_time(hall: Hall) -> None:
    hall.open_all()
    first, second = concluded(hall), concluded(hall)
    pressed = hall.clock.now.isoformat()
    hall.clock.advance(seconds=300)
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    assert evaluation_of(hall, first)["status"] == "unrated"
    late = rate(hall, evaluation_of(hall, first)["id"], level="basically_satisfied", pressed_at=pressed)
    assert late.status_code == 201, late.text
    assert late.json()["late"] is True and late.json()["pressed_at"].startswith(pressed[:19])
    too_late = rate(hall, evaluation_of(hall, second)["id"], level="satisfied")
    assert too_late.status_code == 409 and too_late.json()["code"] == "evaluation.closed"


def test_reasons_only_follow_a_bad_rating(hall: Hall) -> None:
    hall.open_all()
    evaluation = evaluation_of(hall, concluded(hall))
    bad = rate(hall, evaluation["id"], level="satisfied", reasons=["attitude"])
    assert bad.status_code == 409 and bad.json()["code"] == "evaluation.bad_reasons"


def test_a_bad_rating_opens_a_follow_up_on_working_days_and_overdue_raises_an_alert(hall: Hall) -> None:
    put_settings(hall, always_open=False, hours=WEEKDAYS)
    hall.open_all()
    evaluation = evaluation_of(hall, concluded(hall))
    got = rate(hall, evaluation["id"], level="dissatisfied", reasons=["attitude", "long_wait"]).json()
    follow = got["follow_up"]
    # Monday 2026-03-02: verify in 1 working day, rectify in 15 (three weeks of weekdays)
    assert (follow["stage"], follow["verify_due"], follow["rectify_due"]) == (
        "verify",
        "2026-03-03",
        "2026-03-23",
    )
    (listed,) = hall.client.get("/api/v1/follow-ups", headers=hall.as_("manager")).json()
    assert listed["id"] == follow["id"]
    hall.clock.advance(days=2)  # Wednesday: 核实 is overdue
    hall.runtime.write_sync(lambda uow: run_alerts(uow, 1))
    alerts = hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json()
    overdue = [a for a in alerts if a["rule"] == "evaluation.follow_up_overdue"]
    assert overdue and overdue[0]["severity"] == "red"
    step = f"/api/v1/follow-ups/{follow['id']}"
    refused = hall.client.post(step, json={"action": "rectify", "note": "x"}, headers=hall.as_("manager"))
    assert refused.status_code == 409 and refused.json()["code"] == "follow_up.wrong_stage"
    for body in (
        {"action": "assign", "owner": "王主任"},
        {"action": "verify", "note": "核实：等候确实过长"},
        {"action": "rectify", "note": "增开窗口"},
        {"action": "revisit", "note": "电话回访", "satisfied": True},
    ):
        response = hall.client.post(step, json=body, headers=hall.as_("manager"))
        assert response.status_code == 200, response.text
    closed = response.json()
    assert (closed["stage"], closed["owner"], closed["revisit_satisfied"]) == ("closed", "王主任", True)
    assert len(closed["notes"]) == 4
    hall.runtime.write_sync(lambda uow: run_alerts(uow, 1))
    alerts = hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json()
    assert not [a for a in alerts if a["rule"].startswith("evaluation.")]


def test_indicators_and_the_default_rule(hall: Hall) -> None:
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    put_settings(
        hall,
        evaluation={**current["evaluation"], "default_level": "basically_satisfied", "default_after_days": 1},
    )
    hall.open_all()
    tickets = [concluded(hall) for _ in range(5)]
    ids = [evaluation_of(hall, t)["id"] for t in tickets]
    rate(hall, ids[0], level="very_satisfied")
    rate(hall, ids[1], level="satisfied")
    bad = rate(hall, ids[2], level="very_dissatisfied").json()
    step = f"/api/v1/follow-ups/{bad['follow_up']['id']}"
    hall.client.post(step, json={"action": "verify", "note": "已核实"}, headers=hall.as_("manager"))
    hall.clock.advance(days=3)
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    statuses = [evaluation_of(hall, t)["status"] for t in tickets]
    assert statuses == ["rated", "rated", "rated", "defaulted", "defaulted"]
    figures = hall.client.get("/api/v1/evaluations/indicators?by=window", headers=hall.as_("manager")).json()
    (row,) = figures["rows"]
    assert row["key"] == "1" and row["total"] == 5 and row["rated"] == 3 and row["defaulted"] == 2
    assert row["active_good_rate"] == round(2 / 3, 4)  # defaults stay out of the active figures
    assert row["good_rate"] == 0.8
    assert row["unrated_rate"] == 0.4
    assert row["bad_reply_rate"] == 1.0 and row["rectify_rate"] == 0.0
    assert hall.client.get("/api/v1/evaluations/indicators", headers=hall.as_("clerk1")).status_code == 403


def test_export_in_csv_and_json(hall: Hall) -> None:
    hall.open_all()
    evaluation = evaluation_of(hall, concluded(hall))
    rate(hall, evaluation["id"], level="dissatisfied", reasons=["slow"], comment="太慢")
    response = hall.client.get("/api/v1/evaluations/export?format=csv", headers=hall.as_("manager"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    (record,) = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert (record["level_code"], record["level_name"], record["reasons"], record["channel"]) == (
        "4",
        "不满意",
        "slow",
        "pad",
    )
    assert record["hall_code"] == "t1" and record["is_default"] == "0" and record["comment"] == "太慢"
    data = hall.client.get("/api/v1/evaluations/export?format=json", headers=hall.as_("manager")).json()
    assert data["format"] == "hallq-evaluations/1" and data["hall"] == "t1"
    assert data["records"][0]["follow_up_stage"] == "verify"


def test_the_managers_page_reads_the_api(hall: Hall) -> None:
    refused = hall.client.get("/manager/evaluations", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/login?next=/manager/evaluations"
    login = hall.client.post("/api/v1/auth/login", data={"staff_no": "M1", "password": "pw-m1", "hall": "t1"})
    assert login.status_code == 200, login.text
    page = hall.client.get("/manager/evaluations")
    assert page.status_code == 200 and 'data-t="manager.eval.follow_ups"' in page.text
    assert "差评整改" in hall.client.get("/catalogue.js").text
    script = hall.client.get("/static/evaluations.js").text
    assert "/api/v1/follow-ups" in script and "/api/v1/evaluations/indicators" in script
