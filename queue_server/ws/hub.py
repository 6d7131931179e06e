"""The hub: numbers each topic's events consecutively and fans them out, serialised once.

A subscriber is a websocket's outgoing side. The writer thread hands committed events to the
event loop; for every (hall, topic) the hub builds the frame once — JSON and websocket framing —
and offers the same bytes to each subscriber. Where the server allows it (``wire.wire_for``) the
bytes go straight to the socket's transport; otherwise into a bounded queue that the socket's
sender task drains through ASGI. A subscriber that cannot keep up (too many bytes unsent, or its
queue full) is disconnected with 1013 (it reconnects and gets a fresh snapshot), so a slow or dead
client never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from queue_server.services.live import TOKEN_REVOKED, LiveEvent
from queue_server.ws.wire import BUFFER_LIMIT, Wire, text_frame

log = logging.getLogger(__name__)

QUEUE_LIMIT = 512
Key = tuple[int, str]


def frame(type_: str, topic: str, seq: int, ts: datetime, payload: Any) -> str:
    """One wire frame (contract.Event) as JSON text, built once for all its subscribers."""
    return orjson.dumps({"type": type_, "topic": topic, "seq": seq, "ts": ts, "payload": payload}).decode()


class Frame:
    """A frame's JSON text and, made on first use and then shared, its websocket bytes."""

    __slots__ = ("_framed", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._framed: bytes | None = None

    @property
    def framed(self) -> bytes:
        """The whole websocket text frame, the same for every subscriber."""
        if self._framed is None:
            self._framed = text_frame(self.text.encode())
        return self._framed


class Subscriber:
    """One websocket's outgoing frames: written straight to its ``wire``, or queued for ASGI."""

    def __init__(self, on_overflow: Callable[[], None] | None = None, wire: Wire | None = None) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_LIMIT)
        self.keys: set[Key] = set()
        self.overflowed = False
        self.wire = wire
        self._on_overflow = on_overflow
        self._held: dict[Key, list[Frame]] = {}

    def hold(self, key: Key) -> None:
        """Keep this topic's events aside until its snapshot has been queued (see ``release``)."""
        self._held[key] = []

    def release(self, key: Key) -> None:
        """Queue the events that arrived while the snapshot was read, in order, after it."""
        for data in self._held.pop(key, []):
            self.offer(data)

    def offer_event(self, key: Key, data: Frame) -> None:
        """An event of a subscribed topic: held while its snapshot is being read, else sent."""
        held = self._held.get(key)
        if held is not None:
            held.append(data)
        else:
            self.offer(data)

    def offer(self, data: Frame | str) -> None:
        """Send or queue a frame (a ``Frame`` is broadcast, a ``str`` this client's own answer), or
        mark the subscriber as too slow and have its sender close."""
        if self.overflowed:
            return
        if self.wire is not None:
            # A broadcast frame counts against the wire's limit; this client's own answers do not.
            if isinstance(data, Frame) and self.wire.write(data.framed):
                return
            if isinstance(data, str) and self.wire.write(text_frame(data.encode()), answer=True):
                return
        else:
            try:
                self.queue.put_nowait(data.text if isinstance(data, Frame) else data)
                return
            except asyncio.QueueFull:
                pass
        self.overflowed = True
        self.close()
        if self._on_overflow:
            self._on_overflow()

    def close(self) -> None:
        """Drop what is queued and tell the sender to close the socket (the client resyncs)."""
        self.overflowed = True
        self._held.clear()
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Hub:
    """Topic subscriptions and per-topic sequence numbers within this server process."""

    def __init__(self) -> None:
        self._subscribers: dict[Key, set[Subscriber]] = defaultdict(set)
        self._seq: dict[Key, int] = defaultdict(int)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.published = 0
        self.dropped = 0  # subscribers cut off for falling behind (they resync)
        self.buffer_limit = BUFFER_LIMIT  # unsent bytes a directly written socket may pile up

    def subscriber(self, wire: Wire | None = None) -> Subscriber:
        """A new websocket's outgoing side (not yet following any topic)."""
        return Subscriber(on_overflow=self._dropped, wire=wire)

    def _dropped(self) -> None:
        self.dropped += 1
        log.info("a live subscriber fell behind and was disconnected (%d so far)", self.dropped)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the event loop that owns the subscribers."""
        self._loop = loop

    def seq(self, hall_id: int, topic: str) -> int:
        """The last sequence number sent on a topic."""
        return self._seq[(hall_id, topic)]

    def subscribe(self, subscriber: Subscriber, hall_id: int, topic: str) -> int:
        """Add a subscription, holding its events until its snapshot; returns the topic's current seq.

        The snapshot is read after this, so it reflects at least every event up to that seq; the
        held events that follow may repeat what it already shows (harmless), but none is missed.
        """
        key = (hall_id, topic)
        subscriber.hold(key)
        self._subscribers[key].add(subscriber)
        subscriber.keys.add(key)
        return self._seq[key]

    def watch(self, subscriber: Subscriber, hall_id: int, topic: str) -> None:
        """Follow an internal topic that has no snapshot (a token's revocation)."""
        key = (hall_id, topic)
        self._subscribers[key].add(subscriber)
        subscriber.keys.add(key)

    def unsubscribe(self, subscriber: Subscriber, hall_id: int, topic: str) -> None:
        """Drop one subscription (its snapshot could not be read)."""
        key = (hall_id, topic)
        self._subscribers.get(key, set()).discard(subscriber)
        subscriber.keys.discard(key)
        subscriber.release(key)

    def unsubscribe_all(self, subscriber: Subscriber) -> None:
        """Forget a subscriber (its socket closed)."""
        for key in subscriber.keys:
            subs = self._subscribers.get(key)
            if subs is not None:
                subs.discard(subscriber)
                if not subs:
                    del self._subscribers[key]
        subscriber.keys.clear()

    def publish_threadsafe(self, events: list[LiveEvent]) -> None:
        """Called by the writer thread after a commit: fan out on the event loop, in commit order."""
        if self._loop is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self.publish, events)

    def publish(self, events: list[LiveEvent]) -> None:
        """Number and send each event on each of its topics (on the event loop)."""
        for event in events:
            if event.type == TOKEN_REVOKED:  # its sockets close; reconnecting, they are refused
                for topic in event.topics:
                    for subscriber in tuple(self._subscribers.get((event.hall_id, topic), ())):
                        subscriber.close()
                continue
            for topic in event.topics:
                key = (event.hall_id, topic)
                self._seq[key] += 1
                subscribers = self._subscribers.get(key)
                if not subscribers:
                    continue
                data = Frame(frame(event.type, topic, self._seq[key], event.ts, event.payload))
                for subscriber in tuple(subscribers):
                    subscriber.offer_event(key, data)
            self.published += 1

    def heartbeat(self) -> None:
        """Tell every connected client the server is alive (proxies and clients watch for silence)."""
        data = Frame(orjson.dumps({"type": "heartbeat"}).decode())
        for subscriber in self._everyone():
            subscriber.offer(data)

    def _everyone(self) -> set[Subscriber]:
        return {s for subs in self._subscribers.values() for s in subs}

    def disconnect_all(self) -> None:
        """Events may have been missed (the cross-process feed dropped): make every client resync."""
        for subscriber in self._everyone():
            subscriber.close()

    def disconnect_all_threadsafe(self) -> None:
        """The same, from another thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.disconnect_all)

    @property
    def subscriber_count(self) -> int:
        """Distinct subscribers connected."""
        return len(self._everyone())
