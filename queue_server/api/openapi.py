"""The published OpenAPI, made to say what the server sends.

pydantic documents a ``datetime.time`` as ``format: time``, which JSON Schema reads as RFC 3339's
full-time (with a UTC offset). The hall's times are local wall-clock times ("08:30:00", from the
hall's calendar and hours) and never carry an offset, so the schema gives their pattern instead:
clients and contract tests then validate replies against what is really on the wire.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

WALL_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


def wall_clock_times(node: object) -> None:
    """Rewrite every ``format: time`` string schema in ``node`` (in place) as a wall-clock pattern."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "string" and item.get("format") == "time":
                del item["format"]
                item["pattern"] = WALL_CLOCK
                item.setdefault("description", "local wall-clock time, HH:MM[:SS]")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class WallClockApi(FastAPI):
    """A FastAPI app that publishes its schema with wall-clock times (built once, on first request)."""

    def openapi(self) -> dict[str, Any]:
        """The schema FastAPI builds, its times rewritten the first time (FastAPI keeps it after)."""
        if self.openapi_schema is None:
            wall_clock_times(super().openapi())
        assert self.openapi_schema is not None
        return self.openapi_schema
