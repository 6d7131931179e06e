"""A manager changes the hall's rules live: calling mode, priority share, opening hours."""

from __future__ import annotations

from typing import Any

from tests.server.conftest import Hall

WEEKDAYS = {day: [["08:30", "12:00"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def put_settings(hall: Hall, **changes: Any) -> Any:
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    current.update(changes)
    return hall.client.put("/api/v1/hall/settings", json=current, headers=hall.as_("manager"))


def called(hall: Hall, window: str) -> str:
    response = hall.act(window, "call-next")
    hall.act(window, "conclude")
    return response.json()["ticket"]["number"]


def test_strict_mode_serves_the_windows_first_service_before_older_tickets_of_its_second(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S2")  # A001, window 1's second service, older
    hall.clock.advance(minutes=1)
    hall.issue("S1")  # A002, window 1's first service
    assert put_settings(hall, policy={"mode": "strict"}).status_code == 200
    assert called(hall, "1") == "A002"


def test_oldest_mode_serves_the_oldest_ticket_across_the_windows_services(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S2")
    hall.clock.advance(minutes=1)
    hall.issue("S1")
    assert called(hall, "1") == "A001"


def test_without_a_priority_limit_every_priority_ticket_goes_first(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.issue("S1", priority_class="elderly")
    hall.issue("S1", priority_class="pregnant")
    put_settings(hall, policy={"mode": "oldest", "priority_max": None})
    assert [called(hall, "1") for _ in range(3)] == ["A002", "A003", "A001"]


def test_issuing_follows_the_halls_hours_lunch_break_and_cutoff(hall: Hall) -> None:
    assert put_settings(hall, always_open=False, hours=WEEKDAYS, cutoff_minutes=30).status_code == 200
    hall.issue("S1")  # Monday 09:00 in Shanghai
    hall.clock.advance(hours=3, minutes=15)  # 12:15, lunch
    lunch = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=hall.as_("kiosk"))
    assert lunch.status_code == 409 and lunch.json()["code"] == "hall.lunch_break"
    assert lunch.json()["fields"] == {"opens": "13:30"}
    assert "午休" in lunch.json()["message"]
    hall.clock.advance(hours=4, minutes=50)  # 17:05, after the 17:00 cut-off
    late = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=hall.as_("kiosk"))
    assert late.json()["code"] == "hall.after_cutoff"


def test_bad_settings_are_refused_and_change_nothing(hall: Hall) -> None:
    refused = put_settings(hall, hours={"mon": [["12:00", "08:00"]]})
    assert refused.status_code == 422 and refused.json()["code"] == "request.invalid"
    assert hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["always_open"] is True
    assert put_settings(hall, policy={"mode": "fastest"}).status_code == 422
    assert hall.client.put("/api/v1/hall/settings", json={}, headers=hall.as_("clerk1")).status_code == 403
