"""The live stream: snapshot on subscribe, consecutive seq per topic, events after commits."""

from __future__ import annotations

from typing import Any

from tests.server.conftest import Hall


def receive_until(ws: Any, kind: str, topic: str | None = None) -> dict[str, Any]:
    for _ in range(50):
        frame = ws.receive_json()
        if frame["type"] == kind and (topic is None or frame["topic"] == topic):
            return frame
    raise AssertionError(f"no {kind} frame")


def test_a_board_gets_a_snapshot_then_each_call_with_consecutive_seq(hall: Hall) -> None:
    hall.open_all()
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['board']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["hall"]})
        snapshot = receive_until(ws, "snapshot")
        assert snapshot["payload"]["hall"]["code"] == "t1"
        start = snapshot["seq"]
        hall.issue("S1")
        hall.issue("S1")
        hall.act("1", "call-next")
        # On PostgreSQL the windows' openings reach this process through LISTEN, and may come after
        # the snapshot that already shows them open: they are sent on, in order, like any event.
        frames = [ws.receive_json()]
        while frames[-1]["type"] != "ticket.called":
            frames.append(ws.receive_json())
        late = [f["type"] for f in frames[:-3]]
        assert set(late) <= {"window.status"}, late
        assert [f["type"] for f in frames[-3:]] == ["ticket.issued", "ticket.issued", "ticket.called"]
        assert [f["seq"] for f in frames] == list(range(start + 1, start + 1 + len(frames)))
        called = frames[-1]["payload"]
        assert (called["number"], called["window"], called["window_name"]) == ("A001", "1", "一号窗口")


def test_a_window_screen_hears_only_its_window(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.issue("S2")
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['board']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["window:2"]})
        snapshot = receive_until(ws, "snapshot")
        assert snapshot["payload"]["number"] == "2"
        hall.act("1", "call-next")  # not window 2
        hall.act("2", "pause", body={"reason": "away"})
        frame = ws.receive_json()
        assert frame["type"] == "window.status" and frame["payload"]["reason"] == "away"
        assert frame["seq"] == snapshot["seq"] + 1


def test_a_citizen_follows_a_ticket_without_logging_in(hall: Hall) -> None:
    hall.open_all()
    ticket = hall.issue("S1")
    with hall.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "subscribe", "topics": [f"ticket:{ticket['token']}"]})
        snapshot = receive_until(ws, "snapshot")
        assert snapshot["payload"]["status"] == "waiting"
        hall.act("1", "call-next")
        called = receive_until(ws, "ticket.called")
        assert called["payload"]["window"] == "1"


def test_the_hall_topic_needs_a_token_and_the_manager_topic_a_manager(hall: Hall) -> None:
    with hall.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "subscribe", "topics": ["hall"]})
        assert receive_until(ws, "error")["code"] == "auth.required"
        ws.send_json({"type": "auth", "token": hall.tokens["board"]})
        assert receive_until(ws, "auth")["ok"] is True
        ws.send_json({"type": "subscribe", "topics": ["manager"]})
        assert receive_until(ws, "error")["code"] == "auth.forbidden"
        ws.send_json({"type": "subscribe", "topics": ["hall"]})
        assert receive_until(ws, "snapshot")["topic"] == "hall"


def test_a_resync_sends_a_fresh_snapshot_at_the_current_seq(hall: Hall) -> None:
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['manager']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["manager"]})
        first = receive_until(ws, "snapshot")
        hall.issue("S1")
        event = receive_until(ws, "ticket.issued")
        assert event["seq"] > first["seq"]
        ws.send_json({"type": "resync", "topics": ["manager"]})
        # The hall's housekeeping may raise or clear an alert on the manager topic meanwhile: the
        # fresh snapshot stands at the seq of the last event delivered before it, gap-free.
        last = event["seq"]
        while (frame := ws.receive_json())["type"] != "snapshot":
            if frame.get("topic") == "manager" and "seq" in frame:
                assert frame["seq"] == last + 1
                last = frame["seq"]
        again = frame
        assert again["seq"] == last
        assert sum(q["waiting"] for q in again["payload"]["queues"]) == 1


def test_malformed_messages_get_an_error_and_the_connection_lives_on(hall: Hall) -> None:
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['board']}") as ws:
        ws.send_text("{not json")
        assert receive_until(ws, "error")["code"] == "request.invalid"
        ws.send_json({"type": "dance"})
        assert receive_until(ws, "error")["code"] == "request.invalid"
        ws.send_json({"type": "ping"})
        assert receive_until(ws, "pong")["type"] == "pong"
