"""Bounded path and query parameters: values the database and the calendar can hold, refused with 422
(``request.invalid``) before a route runs, and documented as bounds in the OpenAPI."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from queue_server.contract import ROW_ID_MAX, Day

__all__ = ["Day", "RowId"]

RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
