"""The published OpenAPI says what the server sends: the hall's times are wall-clock, without offset."""

from __future__ import annotations

import re
from typing import Any

from queue_server.api.openapi import WALL_CLOCK
from tests.server.conftest import Hall


def string_schemas(node: Any) -> list[dict[str, Any]]:
    """Every string schema anywhere in a JSON Schema document."""
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "string":
                found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def test_the_published_schema_gives_the_halls_times_as_wall_clock_patterns(hall: Hall) -> None:
    schema = hall.client.get("/openapi.json").json()
    strings = string_schemas(schema)
    assert [s for s in strings if s.get("format") == "time"] == []
    wall_clock = [s for s in strings if s.get("pattern") == WALL_CLOCK]
    assert wall_clock, "the hall's hours and calendar publish times"
    assert re.fullmatch(WALL_CLOCK, "08:30:00") and not re.fullmatch(WALL_CLOCK, "08:30:00+08:00")


def test_the_schema_is_built_once_and_served_the_same_on_every_request(hall: Hall) -> None:
    first = hall.client.get("/openapi.json").json()
    assert hall.client.get("/openapi.json").json() == first
