"""Case outcomes at the window, promised dates on the working calendar, and follow-up to completion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, select, update

from queue_server.adapters import tables as t
from tests.server.conftest import Hall
from tests.server.test_settings_api import WEEKDAYS, put_settings

# The test clock starts on Monday 2026-03-02, 09:00 in Shanghai.


def serve(hall: Hall, body: dict[str, Any], service: str = "S1", **issue: Any) -> Any:
    hall.open_all()
    ticket = hall.issue(service, **issue)
    hall.act("1", "call-next")
    concluded = hall.act("1", "conclude", body=body)
    assert concluded.status_code == 200, concluded.text
    return ticket


def set_guide_limit(hall: Hall, days: int) -> None:
    """Give S1 a promised limit and a two-item checklist (straight in the database)."""
    engine = create_engine(hall.runtime.url)
    with engine.begin() as conn:
        query = select(t.services.c.id, t.services.c.guide).where(
            t.services.c.code == "S1", t.services.c.hall_id == 1
        )
        service_id, guide = conn.execute(query).one()
        guide = {
            **guide,
            "promised_limit_days": days,
            "materials": [{"name": "居民身份证", "originals": 1}, {"name": "户口簿", "copies": 1}],
        }
        conn.execute(update(t.services).where(t.services.c.id == service_id).values(guide=guide))
    engine.dispose()


def open_cases(hall: Hall) -> list[dict[str, Any]]:
    return hall.client.get("/api/v1/cases?status=open", headers=hall.as_("manager")).json()


def test_a_promised_case_is_due_after_its_limit_in_working_days_skipping_weekends(hall: Hall) -> None:
    put_settings(hall, always_open=False, hours=WEEKDAYS)
    set_guide_limit(hall, 5)
    serve(hall, {"outcome": "promised"})
    (case,) = open_cases(hall)
    assert case["promised_date"] == "2026-03-09"  # Mon + 5 working days = next Monday


def test_a_holiday_and_a_make_up_saturday_move_the_promised_date(hall: Hall) -> None:
    put_settings(hall, always_open=False, hours=WEEKDAYS)
    set_guide_limit(hall, 5)
    for day in ("2026-03-04", "2026-03-05"):
        assert (
            hall.client.put(
                f"/api/v1/calendar/{day}",
                json={"kind": "holiday", "note": "节假日"},
                headers=hall.as_("manager"),
            ).status_code
            == 200
        )
    saturday = hall.client.put(
        "/api/v1/calendar/2026-03-07",
        json={"kind": "workday", "note": "调休上班"},
        headers=hall.as_("manager"),
    ).json()
    assert saturday["working"] is True and saturday["periods"][0] == ["08:30:00", "12:00:00"]
    serve(hall, {"outcome": "promised"})
    # working days after Mon 2: Tue 3, Fri 6, Sat 7 (调休), Mon 9, Tue 10
    assert open_cases(hall)[0]["promised_date"] == "2026-03-10"
    calendar = hall.client.get(
        "/api/v1/calendar?start=2026-03-02&end=2026-03-08", headers=hall.as_("board")
    ).json()
    assert [d["working"] for d in calendar] == [True, True, False, False, True, True, False]


def test_a_green_channel_case_gets_half_the_promised_time(hall: Hall) -> None:
    put_settings(hall, always_open=False, hours=WEEKDAYS)
    set_guide_limit(hall, 5)
    serve(hall, {"outcome": "promised"}, priority_class="green")
    (case,) = open_cases(hall)
    assert case["green"] is True and case["promised_date"] == "2026-03-05"  # ceil(5/2) = 3 working days


def test_completing_a_promised_case_on_time_and_an_approved_extension(hall: Hall) -> None:
    set_guide_limit(hall, 2)
    serve(hall, {"outcome": "promised"})
    (case,) = open_cases(hall)
    extended = hall.client.post(
        f"/api/v1/cases/{case['id']}/extend",
        json={"working_days": 2, "reason": "需实地核查"},
        headers=hall.as_("manager"),
    ).json()
    assert extended["promised_date"] == "2026-03-06"
    refused = hall.client.post(
        f"/api/v1/cases/{case['id']}/extend",
        json={"working_days": 1, "reason": "x"},
        headers=hall.as_("clerk1"),
    )
    assert refused.status_code == 403
    hall.clock.advance(days=3)
    done = hall.client.post(f"/api/v1/cases/{case['id']}/complete", headers=hall.as_("clerk1")).json()
    assert done["status"] == "done" and done["on_time"] is True
    assert open_cases(hall) == []


def test_materials_missing_gives_the_citizen_a_notice_reachable_from_the_ticket(hall: Hall) -> None:
    set_guide_limit(hall, 0)
    ticket = serve(hall, {"outcome": "correction", "missing_items": ["户口簿"]})
    notice = hall.client.get(f"/api/v1/tickets/{ticket['token']}/notice").json()
    assert notice["service_name"] == "事项S1" and [m["name"] for m in notice["missing_items"]] == ["户口簿"]
    assert notice["missing_items"][0]["copies"] == 1


def test_an_outcome_without_what_it_needs_is_refused_and_the_ticket_stays_at_the_window(hall: Hall) -> None:
    set_guide_limit(hall, 0)
    hall.open_all()
    hall.issue("S1")
    hall.act("1", "call-next")
    for body, code in [
        ({"outcome": "correction"}, "case.missing_items_required"),
        ({"outcome": "correction", "missing_items": ["结婚证"]}, "case.unknown_material"),
        ({"outcome": "refused"}, "case.reasons_required"),
        ({"outcome": "referred"}, "case.referral_required"),
    ]:
        response = hall.act("1", "conclude", body=body)
        assert response.status_code == 409 and response.json()["code"] == code
    window = hall.client.get("/api/v1/windows/1", headers=hall.as_("clerk1")).json()
    assert window["current"]["number"] == "A001"
    assert (
        hall.act("1", "conclude", body={"outcome": "refused", "reasons": "不属于本中心受理范围"}).status_code
        == 200
    )


def test_the_call_back_number_is_stored_encrypted_and_revealed_only_to_the_case_owner(hall: Hall) -> None:
    set_guide_limit(hall, 3)
    login = hall.client.post(
        "/api/v1/auth/login", data={"staff_no": "C1", "password": "pw-c1", "window": "1", "hall": "t1"}
    ).json()
    csrf = {"X-CSRF-Token": login["csrf"]}
    hall.client.post("/api/v1/windows/1/open", headers=csrf)
    hall.issue("S1")
    hall.client.post("/api/v1/windows/1/call-next", headers=csrf)
    hall.client.post(
        "/api/v1/windows/1/conclude", json={"outcome": "promised", "phone": "13812345678"}, headers=csrf
    )
    (case,) = open_cases(hall)
    assert case["phone_masked"] == "138****5678"
    with hall.runtime.read_engine.connect() as conn:
        dump = str(conn.exec_driver_sql("SELECT * FROM cases").all())
    assert "13812345678" not in dump
    assert (
        hall.client.post(f"/api/v1/cases/{case['id']}/reveal-phone", headers=hall.as_("manager")).status_code
        == 403
    )
    revealed = hall.client.post(f"/api/v1/cases/{case['id']}/reveal-phone", headers=csrf)
    assert revealed.json() == {"phone": "13812345678"}
    with hall.runtime.read_engine.connect() as conn:
        actions = [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-1] == "pii.reveal"


def test_a_window_with_approved_extended_hours_issues_its_services_after_the_hall_closes(hall: Hall) -> None:
    put_settings(hall, always_open=False, hours=WEEKDAYS)
    extended = {"periods": [["17:30", "19:30"]], "note": "延时服务"}
    assert (
        hall.client.put(
            "/api/v1/calendar/2026-03-02/windows/3", json=extended, headers=hall.as_("manager")
        ).status_code
        == 200
    )
    hall.clock.advance(hours=9)  # Monday 18:00: the hall has closed
    assert hall.issue("S3")["number"] == "B001"  # window 3 serves S3 in its extended hours
    closed = hall.client.post("/api/v1/tickets", json={"service_code": "S2"}, headers=hall.as_("kiosk"))
    assert closed.status_code == 409 and closed.json()["code"] == "hall.after_cutoff"
    hall.client.delete("/api/v1/calendar/2026-03-02/windows/3", headers=hall.as_("manager"))
    again = hall.client.post("/api/v1/tickets", json={"service_code": "S3"}, headers=hall.as_("kiosk"))
    assert again.status_code == 409
