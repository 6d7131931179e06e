"""The monthly assessment meeting over the API, against sheets worked out by hand (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from queue_server.adapters import tables as t
from tests.server.conftest import Hall
from tests.server.test_settings_api import put_settings

WEEKDAY = [["08:30", "12:00"], ["14:30", "17:30"]]
HOURS = {day: WEEKDAY for day in ("mon", "tue", "wed", "thu", "fri")}


def at(hall: Hall, month: int, day: int, hh: int, mm: int) -> None:
    """Set the clock to a Shanghai wall time in 2026."""
    hall.clock.now = datetime(2026, month, day, hh - 8, mm, tzinfo=UTC)


def as_clerk(hall: Hall, staff_no: str, password: str, window: str) -> dict[str, str]:
    """Log a clerk in at a window (a session cookie); the headers their actions need."""
    login = hall.client.post(
        "/api/v1/auth/login",
        data={"staff_no": staff_no, "password": password, "window": window, "hall": "t1"},
    )
    assert login.status_code == 200, login.text
    return {"x-csrf-token": login.json()["csrf"]}


def clerk_act(hall: Hall, headers: dict[str, str], window: str, action: str, body: Any = None) -> None:
    response = hall.client.post(f"/api/v1/windows/{window}/{action}", json=body, headers=headers)
    assert response.status_code == 200, response.text


def post(hall: Hall, path: str, body: Any, status: int = 200, who: str = "manager") -> Any:
    response = hall.client.post(f"/api/v1{path}", json=body, headers=hall.as_(who))
    assert response.status_code == status, response.text
    return response.json()


def month(hall: Hall, name: str = "2026-03") -> dict[str, Any]:
    response = hall.client.get(f"/api/v1/assessment/{name}", headers=hall.as_("manager"))
    assert response.status_code == 200, response.text
    return response.json()


def sheet(result: dict[str, Any], window: str) -> dict[str, Any]:
    return next(w for w in result["windows"] if w["window"] == window)


def sections(window: dict[str, Any]) -> dict[str, float]:
    return {s["key"]: s["score"] for s in window["sections"]}


def march(hall: Hall) -> None:
    """Monday 2 March: C2 opens window 2 on time and leaves at 16:00 (早退); C1 opens window 1 at 08:40
    (迟到, 10 minutes), is away 10:00–10:45 (脱岗: more than 30 minutes) and closes at 17:30."""
    assert put_settings(hall, hours=HOURS, always_open=False).status_code == 200
    at(hall, 3, 2, 8, 30)
    c2 = as_clerk(hall, "C2", "pw-c2", "2")
    clerk_act(hall, c2, "2", "open")
    at(hall, 3, 2, 16, 0)
    clerk_act(hall, c2, "2", "close")
    at(hall, 3, 2, 8, 40)
    c1 = as_clerk(hall, "C1", "pw-c1", "1")
    clerk_act(hall, c1, "1", "open")
    at(hall, 3, 2, 10, 0)
    clerk_act(hall, c1, "1", "pause", {"reason": "away"})
    at(hall, 3, 2, 10, 45)
    clerk_act(hall, c1, "1", "resume")
    at(hall, 3, 2, 17, 30)
    clerk_act(hall, c1, "1", "close")


def test_the_march_meeting_scored_ranked_flagged_and_closed(hall: Hall) -> None:
    march(hall)
    at(hall, 3, 20, 9, 0)
    attitude = post(
        hall,
        "/complaints",
        {
            "category": "attitude",
            "summary": "态度生硬",
            "window": "1",
            "clerk_staff_no": "C1",
            "contact_phone": "13812345678",
        },
        201,
    )
    assert attitude["contact_masked"] == "138****5678" and attitude["verdict"] == "pending"
    unfounded = post(hall, "/complaints", {"category": "fees", "summary": "多收费", "window": "2"}, 201)
    post(hall, f"/complaints/{attitude['id']}/report", {"outcome": "x"}, 409)  # not judged yet
    post(
        hall,
        f"/complaints/{attitude['id']}/verdict",
        {"verdict": "verified", "finding": "属实", "points": 11},
        409,
    )
    post(
        hall, f"/complaints/{attitude['id']}/verdict", {"verdict": "verified", "finding": "属实", "points": 6}
    )
    post(hall, f"/complaints/{attitude['id']}/verdict", {"verdict": "unfounded", "finding": "改判"}, 409)
    post(hall, f"/complaints/{unfounded['id']}/verdict", {"verdict": "unfounded", "finding": "按标准收费"})
    reported = post(hall, f"/complaints/{attitude['id']}/report", {"outcome": "已批评教育并致歉"})
    assert reported["reported_at"] is not None
    post(hall, f"/complaints/{attitude['id']}/report", {"outcome": "again"}, 409)
    post(hall, "/praise", {"kind": "banner", "window": "2", "clerk_staff_no": "C2", "day": "2026-03-05"}, 201)

    result = month(hall)
    one, two = sheet(result, "1"), sheet(result, "2")
    assert [w["window"] for w in result["windows"]] == ["2", "1"]  # by rank; 3 and 4 never served
    assert sections(one)["attendance"] == 6 and sections(one)["results"] == 14 and one["total"] == 90
    # window 2: left early (−2), praise +2; C2 has an attendance fact, so no full-attendance bonus
    assert sections(two)["attendance"] == 8 and two["bonus"] == 2 and two["total"] == 100
    early = next(line for line in two["lines"] if line["rule"] == "attendance.early")
    assert early["clerk_staff_no"] == "C2" and early["ref"]["minutes"] == 90 and early["source"] == "measured"
    late = next(line for line in one["lines"] if line["rule"] == "attendance.late")
    assert late["ref"]["minutes"] == 10 and len(late["ref"]["events"]) == 1

    # the manager waives the early leave (approved leave) and records a messy desk at window 2
    post(hall, "/assessment/2026-03/entries", {"window": "2", "waives": "nothing", "reason": "x"}, 409)
    post(
        hall,
        "/assessment/2026-03/entries",
        {"window": "2", "waives": early["fact_id"], "reason": "事假已批准"},
        201,
    )
    two = post(
        hall,
        "/assessment/2026-03/entries",
        {"window": "2", "rule": "hygiene.messy", "reason": "桌面杂乱（3月10日检查）"},
        201,
    )
    # 100 − 2 (hygiene) + 2 (praise) + 2 (C2's full attendance) = 102
    assert sections(two)["attendance"] == 10 and sections(two)["hygiene"] == 3 and two["total"] == 102
    assert {line["rule"] for line in two["lines"] if line["points"] > 0} == {
        "hygiene.messy",
        "bonus.praise",
        "bonus.full_attendance",
    }
    post(hall, "/assessment/2026-03/entries", {"window": "2", "rule": "no.such", "reason": "x"}, 409)
    post(
        hall,
        "/assessment/2026-03/entries",
        {"window": "2", "rule": "conduct.equipment", "points": 6, "reason": "x"},
        409,
    )  # range 1–5

    result = month(hall)
    assert [(w["window"], w["total"], w["rank"]) for w in result["windows"]] == [("2", 102, 1), ("1", 90, 2)]
    one, two = sheet(result, "1"), sheet(result, "2")
    assert two["model_eligible"] and not one["model_eligible"]
    assert one["yellow"] and one["yellow_count"] == 1 and not one["warning"] and not one["unsatisfied"]
    post(hall, "/assessment/2026-03/model", {"window": "1"}, 409)
    result = post(hall, "/assessment/2026-03/model", {"window": "2", "note": "月度模范"})
    assert sheet(result, "2")["model_confirmed"]
    clerks = {p["staff_no"]: p for p in result["clerks"]}
    # C1 on the individual sheet: late −2, away −2 (出勤值勤 12 → 8), complaint −6 (工作实绩 35 → 29)
    assert clerks["C1"]["total"] == 90 and clerks["C1"]["grade"] == "excellent"
    # C2: praise +2, full attendance +2, own window 模范 +2
    assert clerks["C2"]["total"] == 106 and clerks["C2"]["windows"] == ["2"]

    post(hall, "/assessment/2026-03/close", None, 409)  # March is not over
    at(hall, 4, 1, 9, 0)
    closed = post(hall, "/assessment/2026-03/close", None)
    assert closed["closed"] and closed["closed_by"]
    post(hall, "/assessment/2026-03/close", None, 409)
    post(hall, "/assessment/2026-03/entries", {"window": "1", "rule": "hygiene.messy", "reason": "x"}, 409)
    post(hall, "/praise", {"kind": "letter", "window": "1", "day": "2026-03-30"}, 201)  # too late for March
    assert month(hall) == closed
    audit = hall.runtime.read_sync(
        lambda uow: uow.stores.conn.execute(select(t.audit_log.c.action, t.audit_log.c.detail)).all()
    )
    actions = [row[0] for row in audit]
    assert actions.count("assessment.entry") == 2 and "assessment.closed" in actions
    assert "complaint.verified" in actions and "complaint.reported" in actions
    details = {action: detail for action, detail in audit}
    waiver = next(d for a, d in audit if a == "assessment.entry")
    assert (
        waiver["before"] == {"total": 100} and waiver["after"]["total"] == 104
    )  # +2 early, +2 full attendance
    assert waiver["after"]["reason"] == "事假已批准" and waiver["after"]["waives"] == early["fact_id"]
    assert details["complaint.verified"]["before"]["verdict"] == "pending"
    assert details["complaint.verified"]["after"]["points"] == 6


def test_two_yellow_flags_warn_and_sixty_points_put_up_the_rectification_sign(hall: Hall) -> None:
    at(hall, 3, 2, 9, 0)
    entries = [
        ("fees.other", 5, None),  # −10
        ("quality.other", 11, None),  # −22
        ("hygiene.messy", 2, None),  # −4
        ("appraisal.centre", 1, 4),  # −4 (range 1–5)
    ]
    for rule, count, points in entries:  # 100 − 40 = 60: 群众不满意窗口 (低于60分(含60分))
        post(
            hall,
            "/assessment/2026-03/entries",
            {"window": "4", "rule": rule, "count": count, "points": points, "reason": "督查记录"},
            201,
        )
    post(
        hall,
        "/assessment/2026-03/entries",
        {"window": "3", "rule": "bonus.suggestion", "reason": "建议被采用"},
        201,
    )
    result = month(hall)
    four = sheet(result, "4")
    assert four["total"] == 60 and four["unsatisfied"] and four["yellow"] and not four["warning"]
    assert sheet(result, "3")["total"] == 102

    at(hall, 4, 1, 9, 0)
    post(hall, "/assessment/2026-03/close", None)
    assert hall.client.get("/api/v1/windows/4", headers=hall.as_("board")).json()["rectification_until"] == (
        "2026-04-07"
    )
    assert (
        hall.client.get("/api/v1/windows/3", headers=hall.as_("board")).json()["rectification_until"] is None
    )

    post(
        hall,
        "/assessment/2026-04/entries",
        {"window": "4", "rule": "hygiene.archives", "reason": "资料丢失"},
        201,
    )
    post(
        hall,
        "/assessment/2026-04/entries",
        {"window": "3", "rule": "bonus.cleaning", "reason": "主动清扫"},
        201,
    )
    april = month(hall, "2026-04")
    four = sheet(april, "4")
    assert four["total"] == 99 and four["yellow"] and four["yellow_count"] == 2 and four["warning"]
    assert not four["unsatisfied"]
    at(hall, 4, 8, 9, 0)  # a week later the sign is down
    assert (
        hall.client.get("/api/v1/windows/4", headers=hall.as_("board")).json()["rectification_until"] is None
    )


def test_verified_misconduct_empties_conduct_and_makes_the_window_unsatisfied(hall: Hall) -> None:
    at(hall, 3, 10, 9, 0)
    complaint = post(
        hall, "/complaints", {"category": "misconduct", "summary": "索要财物", "window": "3"}, 201
    )
    post(
        hall,
        f"/complaints/{complaint['id']}/verdict",
        {"verdict": "verified", "finding": "查实", "points": 10},
    )
    post(hall, "/praise", {"kind": "letter", "window": "1", "day": "2026-03-10"}, 201)
    result = month(hall)
    three = sheet(result, "3")
    assert sections(three)["conduct"] == 0 and three["total"] == 100 - 28 - 10
    assert three["unsatisfied"] and not three["model_eligible"]
    assert sheet(result, "1")["total"] == 102 and sheet(result, "1")["model_eligible"]


def test_the_rubric_is_per_hall_and_checked(hall: Hall) -> None:
    rubric = hall.client.get("/api/v1/assessment/rubric", headers=hall.as_("manager")).json()
    assert [s["max_points"] for s in rubric["window"]["sections"]] == [10, 28, 22, 20, 10, 5, 5]
    rubric["window"]["bonus"]["rules"][-2]["points"] = 3  # praise worth 3 in this hall
    rubric["flags"]["unsatisfied_at"] = 70
    response = hall.client.put("/api/v1/assessment/rubric", json=rubric, headers=hall.as_("manager"))
    assert response.status_code == 200, response.text
    at(hall, 3, 10, 9, 0)
    post(hall, "/praise", {"kind": "banner", "window": "1", "day": "2026-03-10"}, 201)
    assert sheet(month(hall), "1")["total"] == 103
    other = hall.client.get("/api/v1/assessment/rubric", headers=hall.as_("manager_t2")).json()
    assert other["window"]["bonus"]["rules"][-2]["points"] == 2
    broken = {**rubric, "window": {"sections": rubric["window"]["sections"]}}
    response = hall.client.put("/api/v1/assessment/rubric", json=broken, headers=hall.as_("manager"))
    assert response.status_code == 409 and response.json()["code"] == "assessment.bad_rubric"
    assert hall.client.get("/api/v1/assessment/rubric", headers=hall.as_("clerk1")).status_code == 403
    assert hall.client.get("/api/v1/assessment/2026-3", headers=hall.as_("manager")).json()["code"] == (
        "assessment.bad_month"
    )
    assert hall.client.get("/api/v1/assessment/2026-05", headers=hall.as_("manager")).status_code == 409
    assert hall.client.get("/api/v1/complaints", headers=hall.as_("clerk1")).status_code == 403


def test_full_attendance_is_per_window_for_windows_and_once_for_the_person(hall: Hall) -> None:
    assert put_settings(hall, hours=HOURS, always_open=False).status_code == 200
    at(hall, 3, 2, 8, 30)  # Monday: C1 at window 1 on time, to the end of the day
    monday = as_clerk(hall, "C1", "pw-c1", "1")
    clerk_act(hall, monday, "1", "open")
    at(hall, 3, 2, 17, 30)
    clerk_act(hall, monday, "1", "close")
    at(hall, 3, 3, 8, 31)  # Tuesday: C1 covers window 3 (AB岗), on time, to the end of the day
    tuesday = as_clerk(hall, "C1", "pw-c1", "3")
    clerk_act(hall, tuesday, "3", "open")
    at(hall, 3, 3, 17, 29)
    clerk_act(hall, tuesday, "3", "close")
    result = month(hall)
    assert sheet(result, "1")["bonus"] == 2 and sheet(result, "3")["bonus"] == 2
    (c1,) = result["clerks"]
    assert c1["total"] == 102 and c1["windows"] == ["1", "3"]
    at(hall, 3, 4, 9, 0)  # Wednesday: late at window 3 (30 minutes)
    wednesday = as_clerk(hall, "C1", "pw-c1", "3")
    clerk_act(hall, wednesday, "3", "open")
    at(hall, 3, 4, 17, 30)
    clerk_act(hall, wednesday, "3", "close")
    result = month(hall)
    assert sheet(result, "1")["total"] == 102 and sheet(result, "3")["total"] == 98
    (c1,) = result["clerks"]
    assert c1["total"] == 98 and c1["grade"] == "excellent"


def test_a_no_show_marked_seconds_after_the_call_without_a_recall_counts(hall: Hall) -> None:
    at(hall, 3, 2, 9, 0)
    hall.open_all()
    first, second = hall.issue("S1"), hall.issue("S1")
    assert hall.act("1", "call-next").status_code == 200
    hall.clock.advance(seconds=20)
    assert hall.act("1", "no-show").status_code == 200  # 20 s, no recall: hasty
    assert hall.act("1", "call-next").status_code == 200
    hall.clock.advance(seconds=20)
    assert hall.act("1", "recall").status_code == 200
    hall.clock.advance(seconds=20)
    assert hall.act("1", "no-show").status_code == 200  # recalled first: fine
    (line,) = [x for x in sheet(month(hall), "1")["lines"] if x["rule"] == "quality.hasty_no_show"]
    assert line["ref"]["ticket"] == first["number"] and line["ref"]["seconds"] == 20 and line["points"] == 2
    assert second["number"] != first["number"]


def test_a_promised_case_finished_after_its_date_counts_in_the_month_of_its_date(hall: Hall) -> None:
    from tests.server.test_cases_api import open_cases, serve, set_guide_limit

    put_settings(hall, always_open=False, hours=HOURS)
    set_guide_limit(hall, 5)
    at(hall, 3, 2, 9, 0)
    serve(hall, {"outcome": "promised"})  # due Monday 9 March
    (case,) = open_cases(hall)
    at(hall, 3, 9, 16, 0)
    assert not [x for x in sheet(month(hall), "1")["lines"] if x["rule"] == "results.overdue"]  # due today
    at(hall, 3, 10, 9, 0)
    complete = hall.client.post(f"/api/v1/cases/{case['id']}/complete", headers=hall.as_("clerk1"))
    assert complete.status_code == 200, complete.text
    one = sheet(month(hall), "1")
    (line,) = [x for x in one["lines"] if x["rule"] == "results.overdue"]
    assert line["ref"]["case"] == case["id"] and line["ref"]["due"] == "2026-03-09" and line["points"] == 5
    assert line["ref"]["completed"] == "2026-03-10"
    assert next(s for s in one["sections"] if s["key"] == "results")["score"] == 15
