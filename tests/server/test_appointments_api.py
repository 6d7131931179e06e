"""Appointments (预约) through the API: slots with capacity, booking, cancel, reschedule, privacy."""

from __future__ import annotations

from typing import Any

from httpx import Response
from sqlalchemy import select

from queue_server.adapters import tables as t
from queue_server.domain.appointments import ALPHABET
from tests.server.conftest import Hall
from tests.server.test_settings_api import WEEKDAYS, put_settings

# The test clock starts on Monday 2026-03-02, 09:00 in Shanghai; hall t1 is open at all hours.
TODAY = "2026-03-02"
PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


def open_slot(
    hall: Hall, start: str = "10:00", end: str = "10:30", capacity: int = 2, **body: Any
) -> Response:
    wanted = {"service_code": "S1", "day": TODAY, "start": start, "end": end, "capacity": capacity, **body}
    return hall.client.post("/api/v1/appointments/slots", json=wanted, headers=hall.as_("manager"))


def slot(hall: Hall, start: str = "10:00", end: str = "10:30", capacity: int = 2, **body: Any) -> int:
    response = open_slot(hall, start, end, capacity, **body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def book(hall: Hall, slot_id: int, who: str = "kiosk", **body: Any) -> Response:
    wanted = {"slot_id": slot_id, "phone": PHONE, "channel": "web", **body}
    return hall.client.post("/api/v1/appointments", json=wanted, headers=hall.as_(who))


def booked(hall: Hall, slot_id: int, **body: Any) -> dict[str, Any]:
    response = book(hall, slot_id, **body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def slots(hall: Hall, query: str = f"?day={TODAY}", who: str = "kiosk") -> list[dict[str, Any]]:
    response = hall.client.get(f"/api/v1/appointments/slots{query}", headers=hall.as_(who))
    assert response.status_code == 200, response.text
    return list(response.json())


def booking(hall: Hall, code: str, who: str = "kiosk") -> Response:
    return hall.client.get(f"/api/v1/appointments/{code}", headers=hall.as_(who))


def event_types(hall: Hall) -> list[str]:
    query = select(t.events.c.type).where(t.events.c.type.startswith("appointment.")).order_by(t.events.c.id)
    with hall.runtime.read_engine.connect() as conn:
        return list(conn.scalars(query))


def test_a_manager_opens_slots_that_kiosks_list_with_places_booked_and_free(hall: Hall) -> None:
    morning = slot(hall, "10:00", "10:30", capacity=2)
    slot(hall, "10:30", "11:00", capacity=3, service_code="S2")
    booked(hall, morning)
    listed = slots(hall)
    assert [(s["service_code"], s["start"], s["booked"], s["free"]) for s in listed] == [
        ("S1", "10:00:00", 1, 1),
        ("S2", "10:30:00", 0, 3),
    ]
    assert [s["start"] for s in slots(hall, "?service=S2")] == ["10:30:00"]  # today and later
    assert slots(hall, f"?service=S1&day={TODAY}", who="manager")[0]["service_name"] == "事项S1"
    assert open_slot(hall, "10:00", "10:20").json()["code"] == "appointment.slot_exists"


def test_only_a_manager_opens_or_closes_slots_and_bad_slots_are_refused(hall: Hall) -> None:
    body = {"service_code": "S1", "day": TODAY, "start": "10:00", "end": "10:30", "capacity": 2}
    for who in ("kiosk", "clerk1"):
        response = hall.client.post("/api/v1/appointments/slots", json=body, headers=hall.as_(who))
        assert response.status_code == 403
    assert open_slot(hall, "10:30", "10:00").status_code == 422
    assert open_slot(hall, capacity=0).json()["code"] == "request.invalid"
    assert open_slot(hall, service_code="NOPE").json()["code"] == "service.not_found"
    assert open_slot(hall, "08:00", "08:30").json()["code"] == "appointment.slot_past"


def test_bookings_fill_a_slot_up_to_its_capacity_and_no_further(hall: Hall) -> None:
    slot_id = slot(hall, capacity=2)
    first, second = booked(hall, slot_id), booked(hall, slot_id, who="manager", channel="phone")
    assert first["code"] != second["code"]
    for code in (first["code"], second["code"]):
        assert len(code) == 8 and set(code) <= set(ALPHABET)
    assert (first["status"], first["phone_masked"], second["channel"]) == ("booked", "138****5678", "phone")
    full = book(hall, slot_id)
    assert full.status_code == 409 and full.json()["code"] == "appointment.slot_full"
    assert "约满" in full.json()["message"] and "fully booked" in full.json()["message_en"]
    assert slots(hall)[0]["free"] == 0
    assert book(hall, slot_id, phone="12345").json()["code"] == "ticket.invalid_phone"


def test_a_closed_slot_takes_no_more_bookings_but_keeps_those_it_has(hall: Hall) -> None:
    slot_id = slot(hall)
    code = booked(hall, slot_id)["code"]
    closed = hall.client.post(f"/api/v1/appointments/slots/{slot_id}/close", headers=hall.as_("manager"))
    assert closed.status_code == 200 and closed.json()["open"] is False and closed.json()["free"] == 0
    assert book(hall, slot_id).json()["code"] == "appointment.slot_closed"
    assert booking(hall, code).json()["status"] == "booked"
    reopened = open_slot(hall, capacity=5)
    assert reopened.status_code == 201 and reopened.json()["free"] == 4


def test_cancelling_a_booking_frees_its_place(hall: Hall) -> None:
    slot_id = slot(hall, capacity=1)
    code = booked(hall, slot_id)["code"]
    assert book(hall, slot_id).json()["code"] == "appointment.slot_full"
    cancelled = hall.client.post(f"/api/v1/appointments/{code}/cancel", headers=hall.as_("kiosk"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert slots(hall)[0]["free"] == 1
    booked(hall, slot_id)
    again = hall.client.post(f"/api/v1/appointments/{code}/cancel", headers=hall.as_("kiosk"))
    assert again.status_code == 409 and again.json()["code"] == "appointment.cancelled"
    assert event_types(hall) == [
        "appointment.slot_opened",
        "appointment.booked",
        "appointment.cancelled",
        "appointment.booked",
    ]


def test_rescheduling_moves_a_booking_and_its_place_to_another_slot_of_its_service(hall: Hall) -> None:
    ten, eleven = slot(hall, "10:00", "10:30", 1), slot(hall, "11:00", "11:30", 1)
    full = slot(hall, "12:00", "12:30")
    other_service = slot(hall, "10:00", "10:30", service_code="S2")
    booked(hall, full)
    booked(hall, full)
    code = booked(hall, ten)["code"]

    def move(slot_id: int) -> Response:
        path = f"/api/v1/appointments/{code}/reschedule"
        return hall.client.post(path, json={"slot_id": slot_id}, headers=hall.as_("manager"))

    moved = move(eleven)
    assert moved.status_code == 200 and moved.json()["slot"]["start"] == "11:00:00"
    assert [s["booked"] for s in slots(hall, "?service=S1")] == [0, 1, 2]
    assert move(full).json()["code"] == "appointment.slot_full"
    assert move(other_service).json()["code"] == "appointment.other_service"
    assert move(9999).json()["code"] == "appointment.slot_not_found"
    assert [s["booked"] for s in slots(hall, "?service=S1")] == [0, 1, 2]  # refused moves changed nothing
    assert booking(hall, code).json()["slot"]["id"] == eleven
    assert event_types(hall)[-1] == "appointment.rescheduled"


def test_no_slot_or_booking_on_a_holiday_but_extended_hours_on_a_weekend_count(hall: Hall) -> None:
    put_settings(hall, always_open=False, hours=WEEKDAYS)
    tuesday = slot(hall, day="2026-03-03")
    holiday = hall.client.put(
        "/api/v1/calendar/2026-03-03", json={"kind": "holiday"}, headers=hall.as_("manager")
    )
    assert holiday.status_code == 200
    refused = book(hall, tuesday)
    assert refused.status_code == 409 and refused.json()["code"] == "appointment.slot_not_working_day"
    assert refused.json()["fields"] == {"day": "2026-03-03"} and "不是工作日" in refused.json()["message"]
    assert open_slot(hall, day="2026-03-03").json()["code"] == "appointment.slot_not_working_day"
    assert open_slot(hall, day="2026-03-07").json()["code"] == "appointment.slot_not_working_day"  # Sat
    extended = {"kind": "extended", "periods": [["09:00", "12:00"]], "note": "周六延时服务"}
    hall.client.put("/api/v1/calendar/2026-03-07", json=extended, headers=hall.as_("manager"))
    saturday = slot(hall, day="2026-03-07")
    assert booked(hall, saturday)["slot"]["day"] == "2026-03-07"


def test_phone_and_id_numbers_are_masked_and_never_stored_in_the_clear(hall: Hall) -> None:
    appointment = booked(hall, slot(hall, "09:00", "09:30"), id_number=ID_NUMBER)
    assert (appointment["phone_masked"], appointment["id_masked"]) == ("138****5678", "110105********002X")
    checked = hall.client.post(
        "/api/v1/appointments/check-in", json={"code": appointment["code"]}, headers=hall.as_("kiosk")
    )
    assert checked.json()["ticket"]["phone_masked"] == "138****5678"
    dump = ""
    with hall.runtime.read_engine.connect() as conn:
        for table in ("appointments", "tickets", "events", "audit_log"):
            dump += "\n".join(str(row) for row in conn.exec_driver_sql(f"SELECT * FROM {table}"))
    assert "5678" in dump and PHONE not in dump and ID_NUMBER not in dump


def test_a_booking_in_one_hall_is_invisible_to_another(hall: Hall) -> None:
    slot_id = slot(hall)
    code = booked(hall, slot_id)["code"]
    assert booking(hall, code, who="kiosk_t2").json()["code"] == "appointment.not_found"
    assert book(hall, slot_id, who="kiosk_t2").json()["code"] == "appointment.slot_not_found"
    cancel = hall.client.post(f"/api/v1/appointments/{code}/cancel", headers=hall.as_("kiosk_t2"))
    assert cancel.status_code == 404
    check_in = hall.client.post(
        "/api/v1/appointments/check-in", json={"code": code}, headers=hall.as_("kiosk_t2")
    )
    assert check_in.status_code == 404
    close = hall.client.post(f"/api/v1/appointments/slots/{slot_id}/close", headers=hall.as_("manager_t2"))
    assert close.status_code == 404
    assert slots(hall, who="kiosk_t2") == []
    assert booking(hall, code).json()["status"] == "booked"


def test_only_kiosks_managers_and_admins_book_and_codes_are_checked(hall: Hall) -> None:
    slot_id = slot(hall, capacity=5)
    assert book(hall, slot_id, who="clerk1").status_code == 403
    assert book(hall, slot_id, who="board").status_code == 403
    assert book(hall, slot_id, who="admin").status_code == 201
    code = booked(hall, slot_id)["code"]
    assert booking(hall, code, who="board").status_code == 403
    assert booking(hall, f"{code[:4].lower()}-{code[4:]}").json()["code"] == code
    malformed = booking(hall, "ABC")
    assert malformed.status_code == 422 and malformed.json()["code"] == "appointment.invalid_code"
    assert booking(hall, "ABCDEFGH").json()["code"] == "appointment.not_found"
