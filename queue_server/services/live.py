"""Live events as the services produce them; the websocket hub numbers and fans them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class LiveEvent:
    """Something subscribers of ``topics`` should hear about, after its transaction committed."""

    type: str
    topics: tuple[str, ...]
    payload: dict[str, Any]
    ts: datetime
    hall_id: int
