"""What the kiosk needs of the server: real-name rules, reprints, print failures, device health."""

from __future__ import annotations

from tests.server.conftest import Hall
from tests.server.test_settings_api import put_settings

ID = "11010519491231002X"


def test_a_real_name_hall_needs_an_id_number_and_limits_tickets_per_person(hall: Hall) -> None:
    put_settings(hall, real_name_required=True, person_daily_limit=1)
    anonymous = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=hall.as_("kiosk"))
    assert anonymous.status_code == 409 and anonymous.json()["code"] == "ticket.id_required"
    hall.issue("S1", id_number=ID)
    again = hall.client.post(
        "/api/v1/tickets", json={"service_code": "S1", "id_number": ID}, headers=hall.as_("kiosk")
    )
    assert again.status_code == 409 and again.json()["code"] == "ticket.person_limit"
    assert hall.issue("S3", id_number=ID)["number"] == "B001"  # another service is fine


def test_a_citizen_who_lost_the_ticket_finds_it_by_phone_and_reprints_it(hall: Hall) -> None:
    mine = hall.issue("S1", phone="13812345678")
    hall.issue("S1", phone="13900000000")
    found = hall.client.post(
        "/api/v1/tickets/lookup", json={"phone": "138 1234 5678"}, headers=hall.as_("kiosk")
    )
    assert [t["number"] for t in found.json()] == [mine["number"]]
    reprinted = hall.client.post(f"/api/v1/tickets/{mine['token']}/reprint", headers=hall.as_("kiosk")).json()
    assert reprinted["paper"] == 2 and reprinted["status"] == "waiting"
    nothing = hall.client.post("/api/v1/tickets/lookup", json={}, headers=hall.as_("kiosk"))
    assert nothing.json()["code"] == "ticket.lookup_needs_key"
    elsewhere = hall.client.post(f"/api/v1/tickets/{mine['token']}/reprint", headers=hall.as_("kiosk_t2"))
    assert elsewhere.status_code == 404


def test_a_ticket_that_did_not_print_is_flagged_for_the_clerk_by_default(hall: Hall) -> None:
    ticket = hall.issue("S1")
    failed = hall.client.post(
        f"/api/v1/tickets/{ticket['token']}/print-failed", json={"reason": "缺纸"}, headers=hall.as_("kiosk")
    ).json()
    assert failed["print_failed"] is True and failed["status"] == "waiting"


def test_a_hall_may_cancel_tickets_that_did_not_print_instead(hall: Hall) -> None:
    put_settings(hall, print_failure="cancel")
    ticket = hall.issue("S1")
    failed = hall.client.post(
        f"/api/v1/tickets/{ticket['token']}/print-failed", json={"reason": "缺纸"}, headers=hall.as_("kiosk")
    ).json()
    assert failed["status"] == "cancelled"
    hall.open_all()
    assert hall.act("1", "call-next").json()["ticket"] is None


def test_a_printer_out_of_paper_reaches_the_managers_screen(hall: Hall) -> None:
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['manager']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["manager"]})
        assert ws.receive_json()["type"] == "snapshot"
        report = {"kind": "printer", "device": "kiosk-1", "state": "paper_out", "detail": "DLE EOT 4"}
        assert (
            hall.client.post("/api/v1/devices/status", json=report, headers=hall.as_("kiosk")).status_code
            == 204
        )
        frame = ws.receive_json()
        assert frame["type"] == "device.status" and frame["payload"]["state"] == "paper_out"
    clerk = hall.client.post("/api/v1/devices/status", json=report, headers=hall.as_("clerk1"))
    assert clerk.status_code == 403
