"""Live events as the services produce them; the websocket hub numbers and fans them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from queue_server.domain.hall import HallCatalogue

# A token was revoked: every server process drops its cached lookups and closes the token's
# websockets (they follow the internal topic ``token_topic``) as soon as this event reaches it.
TOKEN_REVOKED = "auth.revoked"
# Staff were changed (renamed, deactivated, moved): every server process drops the actors it keeps
# for tokens (a token may speak for a member of staff). It has no topic: no client hears it.
STAFF_CHANGED = "auth.staff_changed"


def token_topic(token_id: int) -> str:
    """The internal topic a token's websockets follow, to be closed when it is revoked."""
    return f"token:{token_id}"


@dataclass(frozen=True)
class LiveEvent:
    """Something subscribers of ``topics`` should hear about, after its transaction committed."""

    type: str
    topics: tuple[str, ...]
    payload: dict[str, Any]
    ts: datetime
    hall_id: int


def queue_topics(catalogue: HallCatalogue, service_code: str, now: datetime) -> tuple[str, ...]:
    """Who hears that a service's queue changed: the hall, the manager and each zone serving it."""
    zones = sorted({w.zone for w in catalogue.windows_serving(service_code, now) if w.zone})
    return ("hall", "manager", *(f"zone:{zone}" for zone in zones))


def hall_topics(catalogue: HallCatalogue) -> tuple[str, ...]:
    """Who hears hall-wide news (the notice line): the hall, the manager and every zone's boards."""
    zones = sorted({w.zone for w in catalogue.windows.values() if w.zone})
    return ("hall", "manager", *(f"zone:{zone}" for zone in zones))
