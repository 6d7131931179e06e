"""Bookings from several server processes at once never overfill a slot."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.server.test_processes import bearer, two_servers

__all__ = ["two_servers"]  # the fixture, shared with the processes tests

# These servers run on the real clock: the slot lies far enough ahead to stay bookable.
DAY = "2099-01-05"


def test_concurrent_bookings_on_two_servers_fill_a_slot_exactly_to_its_capacity(two_servers) -> None:  # type: ignore[no-untyped-def]
    a, b, tokens = two_servers
    body = {"service_code": "S1", "day": DAY, "start": "10:00", "end": "10:30", "capacity": 25}
    opened = a.post("/api/v1/appointments/slots", json=body, headers=bearer(tokens, "manager"))
    assert opened.status_code == 201, opened.text
    slot_id = opened.json()["id"]

    def book(client: TestClient) -> list[str]:
        outcomes = []
        for _ in range(10):
            response = client.post(
                "/api/v1/appointments",
                json={"slot_id": slot_id, "phone": "13812345678", "channel": "web"},
                headers=bearer(tokens, "kiosk"),
            )
            outcomes.append(response.json().get("code", ""))
            assert response.status_code in (201, 409), response.text
        return outcomes

    with ThreadPoolExecutor(4) as pool:
        results = [code for batch in pool.map(book, [a, b, a, b]) for code in batch]
    codes = [code for code in results if code != "appointment.slot_full"]
    assert len(codes) == len(set(codes)) == 25
    assert results.count("appointment.slot_full") == 15
    listed = b.get(f"/api/v1/appointments/slots?day={DAY}", headers=bearer(tokens, "kiosk")).json()
    assert (listed[0]["booked"], listed[0]["free"]) == (25, 0)
