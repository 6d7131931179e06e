"""The hub on its own: per-topic seq, events held behind a snapshot being read, slow clients cut off."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from queue_server.services.live import LiveEvent
from queue_server.ws.hub import QUEUE_LIMIT, Hub, Subscriber, frame

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def event(number: str, *topics: str) -> LiveEvent:
    return LiveEvent("ticket.called", topics or ("hall",), {"number": number}, NOW, 1)


def drain(subscriber: Subscriber) -> list[dict[str, object]]:
    out = []
    while not subscriber.queue.empty():
        item = subscriber.queue.get_nowait()
        out.append(json.loads(item) if item else {"closed": True})
    return out


async def test_an_event_published_while_a_snapshot_is_read_follows_the_snapshot_and_is_not_lost() -> None:
    hub = Hub()
    hub.publish([event("A001")])
    board = Subscriber()
    seq = hub.subscribe(board, 1, "hall")
    hub.publish([event("A002")])  # committed while the snapshot is being read
    board.offer(frame("snapshot", "hall", seq, NOW, {"recent": ["A001"]}))
    board.release((1, "hall"))
    hub.publish([event("A003")])
    frames = drain(board)
    assert [f["type"] for f in frames] == ["snapshot", "ticket.called", "ticket.called"]
    assert [f["seq"] for f in frames] == [1, 2, 3]
    assert [f["payload"].get("number") for f in frames[1:]] == ["A002", "A003"]  # type: ignore[union-attr]


async def test_each_topic_counts_its_own_events() -> None:
    hub = Hub()
    board, screen = Subscriber(), Subscriber()
    for subscriber, topic in ((board, "hall"), (screen, "window:3")):
        hub.subscribe(subscriber, 1, topic)
        subscriber.release((1, topic))
    hub.publish([event("A001", "hall", "window:3"), event("A002", "hall")])
    assert [f["seq"] for f in drain(board)] == [1, 2]
    assert [f["seq"] for f in drain(screen)] == [1]


async def test_a_client_that_cannot_keep_up_is_cut_off_without_holding_up_the_others() -> None:
    hub = Hub()
    slow, fast = Subscriber(), Subscriber()
    for subscriber in (slow, fast):
        hub.subscribe(subscriber, 1, "hall")
        subscriber.release((1, "hall"))
    for n in range(QUEUE_LIMIT + 5):
        hub.publish([event(f"A{n:03d}")])
        drain(fast)
    assert slow.overflowed and drain(slow) == [{"closed": True}]
    assert not fast.overflowed


async def test_every_client_gets_a_heartbeat() -> None:
    hub = Hub()
    board = Subscriber()
    hub.subscribe(board, 1, "hall")
    board.release((1, "hall"))
    hub.heartbeat()
    assert drain(board) == [{"type": "heartbeat"}]
