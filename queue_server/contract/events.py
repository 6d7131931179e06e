"""Live events on the websocket: the event frame and what a client sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from queue_server.contract.base import Model

EventType = Literal[
    "ticket.issued",
    "ticket.called",
    "ticket.recalled",
    "ticket.started",
    "ticket.no_show",
    "ticket.requeued",
    "ticket.transferred",
    "ticket.parked",
    "ticket.concluded",
    "ticket.cancelled",
    "ticket.expired",
    "ticket.ahead",
    "window.status",
    "queue.changed",
    "assignments.changed",
    "catalogue.changed",
    "evaluation.requested",
    "evaluation.recorded",
    "alert.raised",
    "alert.cleared",
    "appointment.booked",
    "appointment.cancelled",
    "appointment.rescheduled",
    "appointment.checked_in",
    "appointment.missed",
    "appointment.slots",
]


class Event(Model):
    """One frame on ``/ws``: ``seq`` counts consecutively per topic on the connection's server."""

    type: str
    topic: str
    seq: int
    ts: datetime
    payload: dict[str, Any]


class Subscribe(Model):
    """Client → server: follow these topics (hall, zone:A, window:3, evaluator:3, manager, ticket:TOKEN)."""

    type: Literal["subscribe"] = "subscribe"
    topics: list[str]


class Auth(Model):
    """Client → server: authenticate a websocket with a device or API token."""

    type: Literal["auth"] = "auth"
    token: str


class Resync(Model):
    """Client → server: I saw a gap; send me fresh snapshots of these topics."""

    type: Literal["resync"] = "resync"
    topics: list[str]
