"""The manager console's API: allocation matrix, window status, devices, bookings, audit — and who may."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import Hall

M = "manager"


def get(hall: Hall, path: str, who: str = M, **params: Any) -> Any:
    return hall.client.get("/api/v1" + path, params=params, headers=hall.as_(who))


def test_the_matrix_lists_every_window_with_its_services_in_order(hall: Hall) -> None:
    assert hall.client.get("/api/v1/assignments").status_code == 401
    assert get(hall, "/assignments", who="board").status_code == 200  # as readable as one window's
    matrix = get(hall, "/assignments").json()
    assert [w["window"] for w in matrix] == ["1", "2", "3", "4"]
    assert [a["service_code"] for a in matrix[0]["assignments"]] == ["S1", "S2"]
    assert [a["preference"] for a in matrix[0]["assignments"]] == [1, 2]


def test_a_reallocation_shows_in_the_matrix_and_the_audit_log_with_before_and_after(hall: Hall) -> None:
    wanted = [{"service_code": "S2", "preference": 1}, {"service_code": "S1", "preference": 2}]
    put = hall.client.put("/api/v1/windows/2/assignments", json=wanted, headers=hall.as_(M))
    assert put.status_code == 200
    assert [a["service_code"] for a in get(hall, "/assignments").json()[1]["assignments"]] == ["S2", "S1"]
    entry = get(hall, "/audit", action="assignments", subject="window:2").json()[0]
    assert entry["action"] == "assignments.replace" and entry["actor"].startswith("token:")
    assert [a["service_code"] for a in entry["detail"]["before"]["assignments"]] == ["S2"]
    assert [a["service_code"] for a in entry["detail"]["after"]["assignments"]] == ["S2", "S1"]


def test_the_manager_pauses_resumes_and_closes_a_window_audited_and_the_snapshot_follows(hall: Hall) -> None:
    hall.open_all()
    paused = hall.client.put(
        "/api/v1/windows/1/status", json={"status": "paused", "reason": "meeting"}, headers=hall.as_(M)
    )
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    first = get(hall, "/hall").json()["windows"][0]
    assert (first["status"], first["pause_reason"]) == ("paused", "meeting")
    opened = hall.client.put("/api/v1/windows/1/status", json={"status": "open"}, headers=hall.as_(M))
    assert opened.json()["status"] == "open"
    closed = hall.client.put("/api/v1/windows/1/status", json={"status": "closed"}, headers=hall.as_(M))
    assert closed.json()["status"] == "closed"
    log = get(hall, "/audit", action="window.status", subject="window:1").json()
    assert [(e["detail"]["before"]["status"], e["detail"]["after"]["status"]) for e in log] == [
        ("open", "closed"),
        ("paused", "open"),
        ("open", "paused"),
    ]


def test_the_manager_opening_a_window_does_not_become_its_clerk(hall: Hall) -> None:
    opened = hall.client.put("/api/v1/windows/3/status", json={"status": "open"}, headers=hall.as_(M))
    assert opened.json()["status"] == "open" and opened.json()["clerk"] is None


def test_a_window_serving_a_ticket_cannot_be_closed(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.act("1", "call-next")
    refused = hall.client.put("/api/v1/windows/1/status", json={"status": "closed"}, headers=hall.as_(M))
    assert refused.status_code == 409 and refused.json()["code"] == "window.busy"


def test_device_reports_are_listed_and_flagged_silent_past_the_threshold(hall: Hall) -> None:
    report = {"kind": "printer", "device": "kiosk-1", "state": "paper_low", "detail": "纸将尽"}
    sent = hall.client.post("/api/v1/devices/status", json=report, headers=hall.as_("kiosk"))
    assert sent.status_code == 204
    [device] = get(hall, "/devices/status").json()
    assert (device["device"], device["state"], device["silent"]) == ("kiosk-1", "paper_low", False)
    hall.clock.advance(minutes=6)
    assert get(hall, "/devices/status").json()[0]["silent"] is True


def test_a_days_bookings_are_listed_with_their_check_ins_and_counts(hall: Hall) -> None:
    slot = hall.client.post(
        "/api/v1/appointments/slots",
        json={"service_code": "S1", "day": "2026-03-02", "start": "09:00", "end": "09:30", "capacity": 3},
        headers=hall.as_(M),
    ).json()
    codes = [
        hall.client.post(
            "/api/v1/appointments", json={"slot_id": slot["id"], "phone": phone}, headers=hall.as_("kiosk")
        ).json()["code"]
        for phone in ("13800138000", "13900139000")
    ]
    checked = hall.client.post(
        "/api/v1/appointments/check-in", json={"code": codes[0]}, headers=hall.as_("kiosk")
    )
    assert checked.status_code == 200
    day = get(hall, "/bookings", day="2026-03-02").json()
    assert (day["booked"], day["checked_in"], day["missed"]) == (1, 1, 0)
    by_code = {b["code"]: b for b in day["bookings"]}
    assert by_code[codes[0]]["ticket"] == checked.json()["ticket"]["number"]
    assert by_code[codes[1]]["phone_masked"] == "139****9000"
    assert "13900139000" not in str(day)
    only = get(hall, "/bookings", day="2026-03-02", status="checked_in").json()["bookings"]
    assert [b["code"] for b in only] == [codes[0]]
    assert get(hall, "/bookings", day="2026-03-03").json()["bookings"] == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/windows/1/status", {"status": "paused"}),
        ("get", "/devices/status", None),
        ("get", "/bookings?day=2026-03-02", None),
        ("get", "/audit", None),
    ],
)
def test_clerks_kiosks_and_boards_are_refused_and_nobody_needs_to_log_in(
    hall: Hall, method: str, path: str, body: Any
) -> None:
    for who in ("clerk1", "kiosk", "board"):
        response = hall.client.request(method, "/api/v1" + path, json=body, headers=hall.as_(who))
        assert response.status_code == 403, (who, response.text)
    assert hall.client.request(method, "/api/v1" + path, json=body).status_code == 401


def test_another_halls_manager_sees_only_their_own_audit_log(hall: Hall) -> None:
    hall.client.put("/api/v1/windows/2/assignments", json=[{"service_code": "S1"}], headers=hall.as_(M))
    assert get(hall, "/audit", who="manager_t2", action="assignments").json() == []


def test_an_audit_limit_out_of_range_is_refused_clearly(hall: Hall) -> None:
    refused = get(hall, "/audit", limit=0)
    assert refused.status_code in (409, 422) and refused.json()["code"] == "request.invalid"
