"""Check-in (预约签到): a booking becomes a ticket served at its slot; too early, too late, missed."""

from __future__ import annotations

from typing import Any

from httpx import Response
from sqlalchemy import select

from queue_server.adapters import tables as t
from queue_server.services.tickets.check_in import mark_missed
from tests.server.conftest import Hall
from tests.server.test_appointments_api import TODAY, booked, booking, event_types, slot
from tests.server.test_live_ws import receive_until
from tests.server.test_settings_api import WEEKDAYS, put_settings

# The test clock starts on Monday 2026-03-02, 09:00 in Shanghai (01:00 UTC).


def check_in(hall: Hall, code: str, who: str = "kiosk") -> Response:
    return hall.client.post("/api/v1/appointments/check-in", json={"code": code}, headers=hall.as_(who))


def checked_in(hall: Hall, code: str) -> dict[str, Any]:
    response = check_in(hall, code)
    assert response.status_code == 200, response.text
    return dict(response.json())


def ticket_row(hall: Hall, number: str) -> Any:
    with hall.runtime.read_engine.connect() as conn:
        return conn.execute(select(t.tickets).where(t.tickets.c.number == number)).one()


def waiting(hall: Hall, service: str = "S1") -> int:
    services = hall.client.get("/api/v1/services", headers=hall.as_("kiosk")).json()
    return int(next(s["waiting"] for s in services if s["code"] == service))


def test_a_checked_in_booking_is_called_at_its_slot_before_older_walk_ins(hall: Hall) -> None:
    hall.open_all()
    code = booked(hall, slot(hall, "09:30", "10:00"))["code"]
    hall.issue("S1")  # A001, a walk-in since 09:00
    hall.clock.advance(minutes=25)  # 09:25: check-in opens 10 minutes before the slot
    hall.issue("S1")  # A002
    result = checked_in(hall, code)
    assert result["ticket"]["number"] == "A003" and result["ticket"]["phone_masked"] == "138****5678"
    assert result["ticket"]["people_ahead"] == 0  # the walk-ins come after a due appointment
    assert (result["appointment"]["status"], result["appointment"]["ticket"]) == ("checked_in", "A003")
    row = ticket_row(hall, "A003")
    assert (row.channel, row.appointment_at.isoformat()) == ("appointment", "2026-03-02T01:30:00+00:00")
    assert hall.act("1", "call-next").json()["ticket"]["number"] == "A003"
    hall.act("1", "conclude")
    assert hall.act("1", "call-next").json()["ticket"]["number"] == "A001"
    assert booking(hall, code).json()["ticket"] == "A003"
    assert event_types(hall)[-1] == "appointment.checked_in"


def test_checking_in_again_returns_the_same_ticket_and_no_second_one(hall: Hall) -> None:
    code = booked(hall, slot(hall, "09:00", "09:30"))["code"]
    first = checked_in(hall, code)["ticket"]
    again = checked_in(hall, code)["ticket"]
    assert (again["number"], again["token"]) == (first["number"], first["token"])
    assert waiting(hall) == 1
    via_tickets = hall.client.post(
        "/api/v1/tickets", json={"service_code": "S1", "appointment_code": code}, headers=hall.as_("kiosk")
    )
    assert via_tickets.status_code == 201 and via_tickets.json()["number"] == first["number"]


def test_checking_in_too_early_is_refused_with_the_time_check_in_opens(hall: Hall) -> None:
    code = booked(hall, slot(hall, "10:00", "10:30"))["code"]
    tomorrow = booked(hall, slot(hall, "10:00", "10:30", day="2026-03-03"))["code"]
    early = check_in(hall, code)
    assert early.status_code == 409 and early.json()["code"] == "appointment.too_early"
    assert early.json()["fields"] == {"day": TODAY, "start": "10:00", "opens": "09:50"}
    assert "09:50 起可签到" in early.json()["message"]
    assert check_in(hall, tomorrow).json()["fields"]["opens"] == "2026-03-03 09:50"
    hall.clock.advance(minutes=50)
    assert checked_in(hall, code)["ticket"]["number"] == "A001"


def test_checking_in_too_late_records_the_booking_missed_and_issues_no_ticket(hall: Hall) -> None:
    nine = slot(hall, "09:00", "09:30")
    in_time, late = booked(hall, nine)["code"], booked(hall, nine)["code"]
    hall.clock.advance(minutes=45)  # 09:45: the slot's end plus the 15-minute late window
    checked_in(hall, in_time)
    hall.clock.advance(minutes=1)
    refused = check_in(hall, late)
    assert refused.status_code == 409 and refused.json()["code"] == "appointment.too_late"
    assert refused.json()["fields"] == {"until": "09:45"}
    assert "爽约" in refused.json()["message"] and "no ticket" in refused.json()["message_en"]
    assert booking(hall, late).json()["status"] == "missed"
    assert waiting(hall) == 1  # only the booking checked in on time
    assert check_in(hall, late).json()["code"] == "appointment.too_late"
    assert event_types(hall).count("appointment.missed") == 1


def test_the_late_window_is_a_hall_setting(hall: Hall) -> None:
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    assert current["appointment_late_minutes"] == 15
    assert put_settings(hall, appointment_late_minutes=30).status_code == 200
    code = booked(hall, slot(hall, "09:00", "09:30"))["code"]
    hall.clock.advance(minutes=55)
    assert checked_in(hall, code)["appointment"]["status"] == "checked_in"


def test_housekeeping_marks_bookings_never_checked_in_as_missed(hall: Hall) -> None:
    hall_id = hall.runtime.read_sync(lambda uow: uow.stores.hall.hall_id("t1"))
    nine, ten = slot(hall, "09:00", "09:30", capacity=3), slot(hall, "10:00", "10:30")
    came, stayed_away = booked(hall, nine)["code"], booked(hall, nine)["code"]
    later = booked(hall, ten)["code"]
    checked_in(hall, came)
    cancelled = booked(hall, nine)["code"]
    hall.client.post(f"/api/v1/appointments/{cancelled}/cancel", headers=hall.as_("kiosk"))

    def sweep() -> int:
        return int(hall.runtime.write_sync(lambda uow: mark_missed(uow, hall_id)))

    hall.clock.advance(minutes=45)
    assert sweep() == 0  # 09:45: the late window is still open
    hall.clock.advance(minutes=1)
    assert sweep() == 1
    assert sweep() == 0
    states = [booking(hall, code).json()["status"] for code in (came, stayed_away, later, cancelled)]
    assert states == ["checked_in", "missed", "booked", "cancelled"]
    hall.clock.advance(days=1)
    assert sweep() == 1 and booking(hall, later).json()["status"] == "missed"


def test_an_off_peak_slot_before_opening_hours_checks_in_while_walk_ins_wait(hall: Hall) -> None:
    put_settings(hall, always_open=False, hours=WEEKDAYS)  # 08:30 to 17:30
    code = booked(hall, slot(hall, "07:30", "08:00", day="2026-03-03"))["code"]
    hall.clock.advance(hours=22, minutes=25)  # Tuesday 07:25
    walk_in = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=hall.as_("kiosk"))
    assert walk_in.json()["code"] == "hall.not_open_yet"
    assert checked_in(hall, code)["ticket"]["number"] == "A001"


def test_a_booking_does_not_use_the_walk_in_daily_cap(hall: Hall) -> None:
    code = booked(hall, slot(hall, "09:00", "09:30", service_code="S4"))["code"]
    hall.issue("S4")
    hall.issue("S4")  # S4's daily cap of 2 is reached
    assert checked_in(hall, code)["ticket"]["number"] == "C003"


def test_a_cancelled_booking_cannot_check_in_and_a_clerk_cannot_check_anyone_in(hall: Hall) -> None:
    slot_id = slot(hall, "09:00", "09:30")
    code, other = booked(hall, slot_id)["code"], booked(hall, slot_id)["code"]
    hall.client.post(f"/api/v1/appointments/{code}/cancel", headers=hall.as_("kiosk"))
    assert check_in(hall, code).json()["code"] == "appointment.cancelled"
    assert check_in(hall, other, who="clerk1").status_code == 403
    assert check_in(hall, other, who="manager").status_code == 200


def test_managers_hear_bookings_live(hall: Hall) -> None:
    slot_id = slot(hall, "09:00", "09:30")
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['manager']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["manager"]})
        receive_until(ws, "snapshot")
        code = booked(hall, slot_id)["code"]
        assert receive_until(ws, "appointment.booked")["payload"]["slot"] == slot_id
        checked_in(hall, code)
        assert receive_until(ws, "appointment.checked_in")["payload"]["number"] == "A001"


def test_a_kiosk_checks_in_the_booking_of_the_id_card_put_on_its_reader(hall: Hall) -> None:
    person = "11010519491231002X"
    code = booked(hall, slot(hall, "09:00", "09:30"), id_number=person)["code"]
    booked(hall, slot(hall, "09:30", "10:00"))  # someone else's booking, same service
    by_card = {"code": "-", "id_number": person}
    response = hall.client.post("/api/v1/appointments/check-in", json=by_card, headers=hall.as_("kiosk"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["appointment"]["code"] == code and result["ticket"]["id_masked"].endswith("002X")
    again = hall.client.post("/api/v1/appointments/check-in", json=by_card, headers=hall.as_("kiosk"))
    assert again.json()["ticket"]["token"] == result["ticket"]["token"]  # the same ticket, not a second
    nobody = {"code": "-", "id_number": "440524188001010014"}
    missing = hall.client.post("/api/v1/appointments/check-in", json=nobody, headers=hall.as_("kiosk"))
    assert missing.status_code == 404 and missing.json()["code"] == "appointment.not_found"
