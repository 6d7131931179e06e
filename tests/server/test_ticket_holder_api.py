"""The kiosk's quick path after a failed print: the citizen gives an ID or phone number afterwards so
that 补打号票 finds the ticket; and the kiosk's service list asks for the card holder's bookings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from queue_server.adapters import tables as t
from tests.server.conftest import Hall
from tests.server.test_appointments_api import booked, slot
from tests.server.test_settings_api import put_settings

ID = "11010519491231002X"
PHONE = "13812345678"


def attach(hall: Hall, token: str, who: str = "kiosk", **body: Any) -> Any:
    return hall.client.post(f"/api/v1/tickets/{token}/holder", json=body, headers=hall.as_(who))


def lookup(hall: Hall, **body: str) -> list[str]:
    response = hall.client.post("/api/v1/tickets/lookup", json=body, headers=hall.as_("kiosk"))
    return [ticket["number"] for ticket in response.json()]


def test_an_anonymous_ticket_takes_a_phone_number_once_and_reprint_then_finds_it(hall: Hall) -> None:
    ticket = hall.issue("S1")
    assert lookup(hall, phone=PHONE) == []
    response = attach(hall, ticket["token"], phone="138 1234 5678")
    assert response.status_code == 200, response.text
    assert response.json()["phone_masked"] == "138****5678" and response.json()["number"] == ticket["number"]
    assert lookup(hall, phone=PHONE) == [ticket["number"]]
    again = attach(hall, ticket["token"], id_number=ID)
    assert again.status_code == 409 and again.json()["code"] == "ticket.holder_already_set"
    assert ticket["number"] in again.json()["message"]


def test_an_id_number_is_kept_as_a_real_name_tickets_and_the_record_names_only_its_kind(hall: Hall) -> None:
    ticket = hall.issue("S1")
    assert attach(hall, ticket["token"], id_number=ID.lower()).json()["id_masked"] == "110105********002X"
    assert lookup(hall, id_number=ID) == [ticket["number"]]
    with hall.runtime.read_engine.connect() as conn:
        event = conn.execute(
            select(t.events.c.data).where(t.events.c.type == "ticket.holder_attached")
        ).scalar_one()
        dump = "\n".join(
            str(row)
            for table in ("tickets", "events")
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert event == {"number": ticket["number"], "by": "id_number"}
    assert ID not in dump and "002X" in dump


def test_bad_input_is_refused_with_a_clear_code_and_changes_nothing(hall: Hall) -> None:
    ticket = hall.issue("S1")
    cases = [
        ({}, "ticket.lookup_needs_key"),
        ({"id_number": ID, "phone": PHONE}, "ticket.holder_needs_one_key"),
        ({"id_number": "110105194912310021"}, "ticket.invalid_id_number"),  # wrong check digit
        ({"phone": "12345"}, "ticket.invalid_phone"),
    ]
    for body, code in cases:
        response = attach(hall, ticket["token"], **body)
        assert response.status_code in (409, 422) and response.json()["code"] == code, (body, response.text)
    too_long = attach(hall, ticket["token"], phone="1" * 40)
    assert too_long.status_code == 422
    assert attach(hall, "no-such-token", phone=PHONE).status_code == 404
    assert attach(hall, ticket["token"], who="kiosk_t2", phone=PHONE).status_code == 404  # another hall's
    assert attach(hall, ticket["token"], who="clerk1", phone=PHONE).status_code == 403
    assert attach(hall, ticket["token"], phone=PHONE).status_code == 200  # untouched by the refusals


def test_a_finished_ticket_takes_no_holder_and_the_person_limit_still_holds(hall: Hall) -> None:
    put_settings(hall, person_daily_limit=1)
    hall.issue("S1", id_number=ID)
    anonymous = hall.issue("S1")
    over = attach(hall, anonymous["token"], id_number=ID)
    assert over.status_code == 409 and over.json()["code"] == "ticket.person_limit"
    hall.open_all()
    done = hall.issue("S3")
    cancelled = hall.client.post(f"/api/v1/tickets/{done['token']}/cancel", headers=hall.as_("kiosk"))
    assert cancelled.status_code == 200, cancelled.text
    closed = attach(hall, done["token"], phone=PHONE)
    assert closed.status_code == 409 and closed.json()["code"] == "ticket.holder_closed"


def test_the_card_holders_bookings_of_today_are_listed_for_the_kiosk(hall: Hall) -> None:
    first = booked(hall, slot(hall, "09:00", "09:30"), id_number=ID)["code"]
    second = booked(hall, slot(hall, "10:00", "10:30"), id_number=ID)["code"]
    booked(hall, slot(hall, "09:30", "10:00"))  # someone else's
    response = hall.client.post(
        "/api/v1/appointments/lookup", json={"id_number": ID}, headers=hall.as_("kiosk")
    )
    assert response.status_code == 200, response.text
    assert [b["code"] for b in response.json()] == [first, second]
    assert {b["id_masked"] for b in response.json()} == {"110105********002X"}
    hall.client.post("/api/v1/appointments/check-in", json={"code": first}, headers=hall.as_("kiosk"))
    left = hall.client.post("/api/v1/appointments/lookup", json={"id_number": ID}, headers=hall.as_("kiosk"))
    assert [b["code"] for b in left.json()] == [second]  # checked in: no longer offered
    bad = hall.client.post(
        "/api/v1/appointments/lookup", json={"id_number": "123"}, headers=hall.as_("kiosk")
    )
    assert bad.status_code == 422 and bad.json()["code"] == "ticket.invalid_id_number"
    other = hall.client.post(
        "/api/v1/appointments/lookup", json={"id_number": ID}, headers=hall.as_("kiosk_t2")
    )
    assert other.json() == []


def test_one_request_gives_the_card_holders_open_tickets_and_bookings_masked(hall: Hall) -> None:
    mine = hall.issue("S1", id_number=ID.lower())
    hall.issue("S1", id_number="110105198001010016")  # someone else's ticket
    booking = booked(hall, slot(hall, "09:00", "09:30"), id_number=ID)["code"]
    booked(hall, slot(hall, "09:30", "10:00"))  # someone else's booking

    def person(who: str = "kiosk", **body: str) -> Any:
        return hall.client.post("/api/v1/tickets/person", json=body, headers=hall.as_(who))

    response = person(id_number=ID)
    assert response.status_code == 200, response.text
    today = response.json()
    assert [t["number"] for t in today["tickets"]] == [mine["number"]]
    assert [b["code"] for b in today["bookings"]] == [booking]
    assert {t["id_masked"] for t in today["tickets"]} == {b["id_masked"] for b in today["bookings"]}
    assert today["tickets"][0]["id_masked"] == "110105********002X" and ID not in response.text
    # the same as the two separate lookups it replaces
    separate = hall.client.post("/api/v1/tickets/lookup", json={"id_number": ID}, headers=hall.as_("kiosk"))
    assert today["tickets"] == separate.json()
    bad = person(id_number="110105194912310021")  # wrong check digit
    assert bad.status_code == 422 and bad.json()["code"] == "ticket.invalid_id_number"
    assert "message_en" in bad.json()
    assert person().status_code == 422
    assert person(id_number="1" * 40).status_code == 422
    assert person(who="clerk1", id_number=ID).status_code == 403
    assert person(who="kiosk_t2", id_number=ID).json() == {"tickets": [], "bookings": []}  # another hall
