"""Issuing tickets through the API: numbers, caps, idempotency, personal data, status by token."""

from __future__ import annotations

from tests.server.conftest import Hall


def test_a_kiosk_takes_consecutive_numbers_per_prefix_shared_by_services(hall: Hall) -> None:
    first = hall.issue("S1")
    second = hall.issue("S2")
    other = hall.issue("S3")
    assert (first["number"], second["number"], other["number"]) == ("A001", "A002", "B001")
    assert second["people_ahead"] == 0  # S2's own queue is empty
    assert hall.issue("S1")["people_ahead"] == 1


def test_the_ticket_reply_says_who_is_ahead_and_how_long_to_wait(hall: Hall) -> None:
    hall.open_all()
    for _ in range(3):
        hall.issue("S2")
    ticket = hall.issue("S2")
    assert ticket["people_ahead"] == 3
    # S2 is served by windows 1 and 2 (both open), 5 minutes each: 3 people / 2 windows * 300 s
    assert ticket["estimated_wait_seconds"] == 450
    assert ticket["status_url"] == f"/t/{ticket['token']}"


def test_repeating_an_issue_with_the_same_idempotency_key_returns_the_same_ticket(hall: Hall) -> None:
    headers = {**hall.as_("kiosk"), "Idempotency-Key": "tap-123"}
    one = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=headers).json()
    two = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=headers).json()
    assert one["number"] == two["number"] == "A001"
    assert hall.issue("S1")["number"] == "A002"


def test_the_daily_cap_refuses_further_tickets_with_a_bilingual_message(hall: Hall) -> None:
    hall.issue("S4")
    hall.issue("S4")
    response = hall.client.post("/api/v1/tickets", json={"service_code": "S4"}, headers=hall.as_("kiosk"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "service.daily_cap_reached"
    assert "今日号已取完" in body["message"] and "gone" in body["message_en"]
    # the refused issue used no number: the next day starts again at C001
    hall.clock.advance(days=1)
    assert hall.issue("S4")["number"] == "C001"


def test_numbers_restart_each_business_day_in_the_halls_time_zone(hall: Hall) -> None:
    assert hall.issue("S1")["number"] == "A001"
    hall.clock.advance(hours=15)  # 00:00 next day in Shanghai, still the same UTC day
    assert hall.issue("S1")["number"] == "A001"


def test_an_unknown_service_is_a_404_with_its_code(hall: Hall) -> None:
    response = hall.client.post("/api/v1/tickets", json={"service_code": "NOPE"}, headers=hall.as_("kiosk"))
    assert response.status_code == 404
    assert response.json()["code"] == "service.not_found"
    assert response.json()["fields"] == {"code": "NOPE"}


def test_a_malformed_request_is_refused_without_issuing_anything(hall: Hall) -> None:
    response = hall.client.post("/api/v1/tickets", json={"service": "S1"}, headers=hall.as_("kiosk"))
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert hall.issue("S1")["number"] == "A001"


def test_id_and_phone_numbers_are_validated_masked_and_never_stored_in_the_clear(hall: Hall) -> None:
    bad = hall.client.post(
        "/api/v1/tickets",
        json={"service_code": "S1", "id_number": "110105194912310021"},
        headers=hall.as_("kiosk"),
    )
    assert bad.status_code == 422 and bad.json()["code"] == "ticket.invalid_id_number"
    ticket = hall.issue("S1", id_number="11010519491231002X", phone="13812345678")
    assert ticket["id_masked"] == "110105********002X"
    assert ticket["phone_masked"] == "138****5678"
    with hall.runtime.read_engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM tickets"))
        dump += "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM events"))
    assert "11010519491231002X" not in dump and "13812345678" not in dump


def test_anyone_with_the_token_follows_a_ticket_but_sees_nothing_personal(hall: Hall) -> None:
    ticket = hall.issue("S1", phone="13812345678")
    status = hall.client.get(f"/api/v1/tickets/{ticket['token']}")
    assert status.status_code == 200
    assert status.json()["number"] == "A001" and status.json()["status"] == "waiting"
    assert status.json()["phone_masked"] is None
    assert hall.client.get("/api/v1/tickets/not-a-token").json()["code"] == "ticket.not_found"
    guide = hall.client.get(f"/api/v1/tickets/{ticket['token']}/guide").json()
    assert guide["code"] == "S1" and guide["guide"]["materials"][0]["name"] == "居民身份证"


def test_the_holder_can_cancel_a_waiting_ticket_but_not_twice(hall: Hall) -> None:
    ticket = hall.issue("S1")
    assert hall.client.post(f"/api/v1/tickets/{ticket['token']}/cancel").json()["status"] == "cancelled"
    again = hall.client.post(f"/api/v1/tickets/{ticket['token']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "ticket.illegal_transition"


def test_services_list_their_live_queue_and_guides(hall: Hall) -> None:
    hall.issue("S1")
    services = hall.client.get("/api/v1/services", headers=hall.as_("kiosk")).json()
    assert [s["code"] for s in services] == ["S1", "S2", "S3", "S4"]
    assert services[0]["waiting"] == 1
    detail = hall.client.get("/api/v1/services/S1", headers=hall.as_("kiosk")).json()
    assert detail["guide"]["materials"][0]["name"] == "居民身份证"
