"""Electronic supervision: each rule raises at its threshold and clears when its cause is gone."""

from __future__ import annotations

from typing import Any

from queue_server.services.operations.alerts import run_alerts
from tests.server.conftest import Hall
from tests.server.test_settings_api import put_settings


def sweep(hall: Hall) -> Any:
    """Run the alert engine now (the server does this every 15 s)."""
    return hall.runtime.write_sync(lambda uow: run_alerts(uow, 1))


def standing(hall: Hall) -> dict[tuple[str, str], str]:
    alerts = hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json()
    return {(a["rule"], a["subject"]): a["severity"] for a in alerts}


def test_a_long_wait_turns_yellow_then_red_and_clears_when_called(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.clock.advance(minutes=29)
    sweep(hall)
    assert standing(hall) == {}
    hall.clock.advance(minutes=1)
    sweep(hall)
    assert standing(hall) == {("ticket.long_wait", "ticket:A001"): "yellow"}
    hall.clock.advance(minutes=30)
    sweep(hall)
    assert standing(hall) == {("ticket.long_wait", "ticket:A001"): "red"}
    hall.act("1", "call-next")
    sweep(hall)
    assert standing(hall) == {}
    history = hall.client.get("/api/v1/alerts?history=true", headers=hall.as_("manager")).json()
    assert history[0]["cleared_at"] is not None


def test_a_window_away_twenty_minutes_is_yellow_thirty_red_and_its_screen_hears_it(hall: Hall) -> None:
    hall.open_all()
    hall.act("2", "pause", body={"reason": "away"})
    hall.clock.advance(minutes=19, seconds=59)
    sweep(hall)
    assert standing(hall) == {}
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['board']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["window:2"]})
        assert ws.receive_json()["type"] == "snapshot"
        hall.clock.advance(seconds=1)
        sweep(hall)
        frame = ws.receive_json()
        assert frame["type"] == "alert.raised" and frame["payload"]["severity"] == "yellow"
    hall.clock.advance(minutes=10)
    sweep(hall)
    assert standing(hall) == {("window.away", "window:2"): "red"}
    hall.act("2", "resume")
    sweep(hall)
    assert standing(hall) == {}


def test_a_meeting_pause_is_not_an_away_alarm(hall: Hall) -> None:
    hall.open_all()
    hall.act("2", "pause", body={"reason": "meeting"})
    hall.clock.advance(hours=1)
    sweep(hall)
    assert standing(hall) == {}


def test_waiting_tickets_with_no_open_window_for_their_service_raise_an_alarm(hall: Hall) -> None:
    hall.act("3", "open")
    hall.issue("S2")  # served by windows 1 and 2, both closed
    sweep(hall)
    assert standing(hall) == {("service.uncovered", "service:S2"): "red"}
    hall.act("2", "open")
    sweep(hall)
    assert standing(hall) == {}


def test_a_printer_out_of_paper_and_a_silent_device_alarm_and_clear(hall: Hall) -> None:
    report = {"kind": "printer", "device": "kiosk-1", "state": "paper_out"}
    hall.client.post("/api/v1/devices/status", json=report, headers=hall.as_("kiosk"))
    sweep(hall)
    assert standing(hall) == {("device.trouble", "printer:kiosk-1"): "red"}
    hall.client.post("/api/v1/devices/status", json={**report, "state": "ok"}, headers=hall.as_("kiosk"))
    sweep(hall)
    assert standing(hall) == {}
    hall.clock.advance(minutes=5)
    sweep(hall)
    assert standing(hall) == {("device.silent", "printer:kiosk-1"): "red"}


def test_a_promised_case_warns_three_working_days_ahead_then_on_the_day_then_overdue(hall: Hall) -> None:
    from tests.server.test_cases_api import set_guide_limit

    set_guide_limit(hall, 5)
    hall.open_all()
    hall.issue("S1")
    hall.act("1", "call-next")
    # Due Mon 2026-03-09: 5 statutory working days, though this hall opens every day (Saturday and
    # Sunday open the hall but count for no deadline).
    hall.act("1", "conclude", body={"outcome": "promised"})
    seen = []
    for _ in range(9):
        sweep(hall)
        seen.append(sorted(standing(hall).items()))
        hall.clock.advance(days=1)
    rules = [[rule for (rule, _), _ in day] for day in seen]
    assert rules == [
        [],
        [],
        ["case.due_soon"],  # Wed: 3 working days left
        ["case.due_soon"],
        ["case.due_soon"],
        ["case.due_soon"],  # Sat and Sun: still 1 working day left
        ["case.due_soon"],
        ["case.due"],
        ["case.overdue"],
    ]


def test_a_manager_acknowledges_an_alert_and_thresholds_are_per_hall(hall: Hall) -> None:
    put_settings(hall, alerts={"wait_yellow": 5, "wait_red": 10})
    hall.open_all()
    hall.issue("S1")
    hall.clock.advance(minutes=5)
    sweep(hall)
    (alert,) = hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json()
    acked = hall.client.post(f"/api/v1/alerts/{alert['id']}/ack", headers=hall.as_("manager")).json()
    assert acked["acknowledged_by"].startswith("token:") and acked["acknowledged_at"] is not None
    assert hall.client.get("/api/v1/alerts", headers=hall.as_("clerk1")).status_code == 403
