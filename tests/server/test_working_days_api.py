"""Two calendars kept apart over the API: a Saturday 延时服务 opens the hall but is no 工作日 for any
deadline; a calendar change recounts the open 差评 follow-ups and flags 承诺件 due on a new holiday."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.server.conftest import Hall
from tests.server.test_cases_api import open_cases, serve, set_guide_limit
from tests.server.test_evaluations_api import concluded, evaluation_of, rate
from tests.server.test_settings_api import WEEKDAYS, put_settings

# The demo hall's week: weekdays, and Saturday morning 延时服务.
WITH_SATURDAY = {**WEEKDAYS, "sat": [["09:00", "12:00"]]}


def monday_december_7(hall: Hall) -> None:
    """Monday 2026-12-07, 09:00 in Shanghai, on the demo hall's week."""
    hall.clock.now = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    assert put_settings(hall, always_open=False, hours=WITH_SATURDAY).status_code == 200


def mark(hall: Hall, day: str, kind: str, note: str = "") -> dict[str, Any]:
    response = hall.client.put(
        f"/api/v1/calendar/{day}", json={"kind": kind, "note": note}, headers=hall.as_("manager")
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_bad_rating_on_monday_is_rectified_in_fifteen_statutory_working_days(hall: Hall) -> None:
    monday_december_7(hall)
    hall.open_all()
    bad = rate(hall, evaluation_of(hall, concluded(hall))["id"], level="dissatisfied").json()
    follow = bad["follow_up"]
    assert (follow["verify_due"], follow["rectify_due"], follow["revisit_due"]) == (
        "2026-12-08",
        "2026-12-28",
        "2026-12-28",
    )
    week = hall.client.get(
        "/api/v1/calendar?start=2026-12-12&end=2026-12-13", headers=hall.as_("board")
    ).json()
    saturday, sunday = week
    assert (saturday["working"], saturday["workday"]) == (True, False)  # open for 延时服务, no 工作日
    assert (sunday["working"], sunday["workday"]) == (False, False)


def test_a_promised_case_counts_working_days_not_opening_days(hall: Hall) -> None:
    monday_december_7(hall)
    set_guide_limit(hall, 5)
    serve(hall, {"outcome": "promised"})
    (case,) = open_cases(hall)
    assert case["promised_date"] == "2026-12-14"  # Mon + 5 工作日; Saturday 12-12 opens but does not count


def test_a_new_holiday_recounts_open_follow_ups_audited(hall: Hall) -> None:
    monday_december_7(hall)
    hall.open_all()
    bad = rate(hall, evaluation_of(hall, concluded(hall))["id"], level="very_dissatisfied").json()
    changed = mark(hall, "2026-12-21", "holiday", "临时休假")
    assert changed["workday"] is False
    moved = [(d["kind"], d["stage"], d["before"], d["after"]) for d in changed["deadlines"]]
    assert moved == [
        ("follow_up", "rectify", "2026-12-28", "2026-12-29"),
        ("follow_up", "revisit", "2026-12-28", "2026-12-29"),
    ]
    follow = hall.client.get("/api/v1/follow-ups", headers=hall.as_("manager")).json()[0]
    assert follow["id"] == bad["follow_up"]["id"] and follow["rectify_due"] == "2026-12-29"
    audit = hall.client.get("/api/v1/audit?action=follow_up.recounted", headers=hall.as_("manager")).json()
    (line,) = audit
    assert {"follow_up": follow["id"], "stage": "rectify", "before": "2026-12-28", "after": "2026-12-29"} in (
        line["detail"]["moved"]
    )
    back = mark(hall, "2026-12-26", "workday", "调休上班")  # a Saturday worked: one day earlier again
    assert back["workday"] is True
    assert [(d["stage"], d["after"]) for d in back["deadlines"]] == [
        ("rectify", "2026-12-28"),
        ("revisit", "2026-12-28"),
    ]


def test_a_promise_falling_on_a_new_holiday_is_flagged_to_the_manager(hall: Hall) -> None:
    monday_december_7(hall)
    set_guide_limit(hall, 5)
    serve(hall, {"outcome": "promised"})
    (case,) = open_cases(hall)
    changed = mark(hall, case["promised_date"], "holiday")
    (flag,) = changed["deadlines"]
    assert (flag["kind"], flag["id"], flag["before"], flag["flagged"]) == (
        "case",
        case["id"],
        "2026-12-14",
        True,
    )
    assert open_cases(hall)[0]["promised_date"] == "2026-12-14"  # the promise given stands
    audit = hall.client.get("/api/v1/audit?action=case.deadline_flagged", headers=hall.as_("manager")).json()
    assert audit and audit[0]["subject"] == f"case:{case['id']}"


def test_weekly_hours_can_be_marked_as_extended_service(hall: Hall) -> None:
    saturday = {"sat": [["09:00", "12:00"]]}
    assert put_settings(hall, always_open=False, hours=WEEKDAYS, extended_hours=saturday).status_code == 200
    stored = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    assert stored["extended_hours"] == {"sat": [["09:00:00", "12:00:00"]]} and "sat" not in stored["hours"]
    hall.clock.now = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)  # Saturday 10:00 in Shanghai
    assert hall.issue("S1")["number"]  # the hall opens for 延时服务
    (entry,) = hall.client.get(
        "/api/v1/calendar?start=2026-12-12&end=2026-12-12", headers=hall.as_("board")
    ).json()
    assert (entry["working"], entry["workday"]) == (True, False)
    overlapping = put_settings(hall, hours=WEEKDAYS, extended_hours={"mon": [["11:00", "13:00"]]})
    assert overlapping.status_code == 422 and overlapping.json()["code"] == "request.invalid"
