"""``/ws``: subscribe to topics, get a snapshot of each, then every event with its per-topic seq.

Client messages (JSON): ``{"type": "auth", "token": …}``, ``{"type": "subscribe", "topics": […]}``,
``{"type": "resync", "topics": […]}``, ``{"type": "ping"}``. Server frames: events
(``type, topic, seq, ts, payload``), ``snapshot`` frames (same shape; ``seq`` is the topic's seq
the snapshot is current to), ``heartbeat`` every 20 s, and ``error`` frames with a code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from queue_server.api.deps import DEVICE_COOKIE, device_page_actor
from queue_server.auth import sessions
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import DomainError
from queue_server.messages import render
from queue_server.runtime import Runtime
from queue_server.services.hall import snapshot as hall
from queue_server.services.live import token_topic
from queue_server.services.tickets import issue as tickets
from queue_server.services.unit_of_work import UnitOfWork
from queue_server.ws.hub import Subscriber, frame
from queue_server.ws.wire import wire_for

log = logging.getLogger(__name__)
router = APIRouter()

MAX_TOPICS = 64
MAX_TOPIC_LENGTH = 120  # ticket:TOKEN is the longest a client needs


def _error(code: str, **fields: object) -> str:
    zh, en = render(code, fields)
    return orjson.dumps({"type": "error", "code": code, "message": zh, "message_en": en}).decode()


def _hall_of(uow: UnitOfWork, actor: Actor | None, topic: str) -> int:
    """The hall a topic belongs to, checking the caller may follow it."""
    kind, _, arg = topic.partition(":")
    if kind == "ticket":
        row = uow.stores.tickets.by_token(arg)
        if row is None:
            raise DomainError("ticket.not_found")
        return int(row.hall_id)
    if actor is None:
        raise sessions.Unauthorized("auth.required")
    if kind == "manager":
        actor.require(Permission.MANAGE_HALL)
    elif kind in ("hall", "zone"):
        actor.require(Permission.READ_HALL)
    elif kind in ("window", "evaluator"):
        if kind == "evaluator" and actor.role not in ("evaluator", "manager", "admin"):
            actor.require(Permission.RECORD_EVALUATION)
        actor.require(Permission.READ_HALL, window=arg if actor.role == "evaluator" else None)
        uow.catalogue(actor.hall_id).window(arg)
    else:
        raise DomainError("request.invalid", detail=f"unknown topic {topic}")
    return actor.hall_id


def _snapshot(uow: UnitOfWork, actor: Actor | None, topic: str) -> dict[str, Any]:
    """A topic's current state (the caller was checked by ``_hall_of``)."""
    kind, _, arg = topic.partition(":")
    if kind == "ticket":
        return tickets.ticket_status(uow, arg).model_dump(mode="json")
    assert actor is not None
    if kind in ("hall", "manager"):
        return hall.hall_snapshot(uow, actor).model_dump(mode="json")
    if kind == "zone":
        return hall.hall_snapshot(uow, actor, zone=arg).model_dump(mode="json")
    return hall.window_view(uow, actor, arg).model_dump(mode="json")


async def _actor_from_cookies(runtime: Runtime, websocket: WebSocket) -> Actor | None:
    """The caller by ``?token=``, else by its cookies: a staff session before a screen's token."""
    token = websocket.query_params.get("token")
    if token:
        return await _actor_from_token(runtime, token)
    session = websocket.cookies.get(sessions.COOKIE)
    if session:
        key = runtime.caches.pii_key
        found = await runtime.read(lambda uow: sessions.lookup(uow.stores.sessions, key, session, uow.now))
        return found[0] if found else None
    device = websocket.cookies.get(DEVICE_COOKIE)
    return await device_page_actor(runtime, device) if device else None


async def _actor_from_token(runtime: Runtime, token: str) -> Actor | None:
    return runtime.tokens.cached(token) or await runtime.read(
        lambda uow: runtime.tokens.lookup(uow.stores.sessions, token)
    )


def _watch_token(runtime: Runtime, subscriber: Subscriber, actor: Actor | None) -> None:
    """A socket opened with a token closes the moment that token is revoked."""
    if actor is not None and actor.token_id is not None:
        runtime.hub.watch(subscriber, actor.hall_id, token_topic(actor.token_id))


async def _send_loop(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Send the subscriber's frames as they come (the hub adds a heartbeat every 20 s)."""
    send = websocket.send
    while True:
        data = await subscriber.queue.get()
        if data is None:  # overflowed: too slow; it reconnects and resyncs
            await websocket.close(code=1013)
            return
        await send({"type": "websocket.send", "text": data})


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    """The one event stream."""
    runtime: Runtime = websocket.app.state.runtime
    await websocket.accept()
    actor = await _actor_from_cookies(runtime, websocket)
    subscriber = runtime.hub.subscriber(wire_for(websocket.scope, runtime.hub.buffer_limit))
    _watch_token(runtime, subscriber, actor)
    sender = asyncio.create_task(_send_loop(websocket, subscriber))
    try:
        while True:
            message = await _receive_text(websocket)
            if message is None:
                subscriber.offer(_error("request.invalid", detail="a binary frame: send JSON text"))
                continue
            try:
                data = orjson.loads(message)
                kind = data.get("type")
            except (orjson.JSONDecodeError, AttributeError):
                subscriber.offer(_error("request.invalid", detail="not a JSON object"))
                continue
            if kind == "auth":
                actor = await _actor_from_token(runtime, str(data.get("token", "")))
                _watch_token(runtime, subscriber, actor)
                subscriber.offer(
                    orjson.dumps({"type": "auth", "ok": actor is not None}).decode()
                    if actor
                    else _error("auth.invalid_token")
                )
            elif kind in ("subscribe", "resync"):
                topics = _topics(subscriber, data.get("topics", []))
                await _subscribe(runtime, subscriber, actor, topics)
            elif kind == "ping":
                subscriber.offer(orjson.dumps({"type": "pong"}).decode())
            else:
                subscriber.offer(_error("request.invalid", detail=f"unknown message type {kind}"))
    except WebSocketDisconnect:
        pass
    finally:
        runtime.hub.unsubscribe_all(subscriber)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender


async def _receive_text(websocket: WebSocket) -> str | None:
    """The next text frame; None for a binary one (clients speak JSON text only)."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text = message.get("text")
    return text if isinstance(text, str) else None


def _topics(subscriber: Subscriber, given: object) -> list[str]:
    """The well-formed topics of a subscribe message; an error frame for each one refused."""
    if not isinstance(given, list):
        subscriber.offer(_error("request.invalid", detail="topics must be a list"))
        return []
    topics: list[str] = []
    for topic in (str(t) for t in given[:MAX_TOPICS]):
        if len(topic) > MAX_TOPIC_LENGTH:
            detail = f"a topic is at most {MAX_TOPIC_LENGTH} characters"
            subscriber.offer(_error("request.invalid", detail=detail))
        elif not topic.isprintable():  # NUL and other controls: no topic holds them
            subscriber.offer(_error("request.invalid_text", detail="a control character in a topic"))
        else:
            topics.append(topic)
    return topics


async def _subscribe(
    runtime: Runtime, subscriber: Subscriber, actor: Actor | None, topics: list[str]
) -> None:
    """Subscribe first (holding events), then read and send the snapshot, then the held events."""
    for topic in topics:
        try:
            hall_id = await runtime.read(partial(_hall_of, actor=actor, topic=topic))
        except DomainError as error:
            subscriber.offer(_error(error.code, **error.fields))
            continue
        seq = runtime.hub.subscribe(subscriber, hall_id, topic)
        try:
            payload = await runtime.read(partial(_snapshot, actor=actor, topic=topic))
        except DomainError as error:
            runtime.hub.unsubscribe(subscriber, hall_id, topic)
            subscriber.offer(_error(error.code, **error.fields))
            continue
        subscriber.offer(frame("snapshot", topic, seq, runtime.clock(), payload))
        subscriber.release((hall_id, topic))
