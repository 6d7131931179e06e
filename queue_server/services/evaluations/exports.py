"""The 好差评 export for the provincial platform: flat records as CSV or JSON (docs/evaluations.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from queue_server import contract as c
from queue_server.domain import evaluations as ev
from queue_server.domain.actors import Actor
from queue_server.domain.cells import inert
from queue_server.services.evaluations.reading import list_evaluations
from queue_server.services.unit_of_work import UnitOfWork

EXPORT_FIELDS = (
    "evaluation_id",
    "hall_code",
    "ticket_number",
    "case_id",
    "service_code",
    "service_name",
    "department_code",
    "department_name",
    "window",
    "clerk_staff_no",
    "clerk_name",
    "channel",
    "status",
    "level",
    "level_code",
    "level_name",
    "reasons",
    "comment",
    "is_default",
    "late",
    "requested_at",
    "deadline",
    "pressed_at",
    "recorded_at",
    "follow_up_stage",
)


def _record(item: c.EvaluationPublic, hall_code: str) -> dict[str, Any]:
    level = ev.Level(item.level.value) if item.level else None
    return {
        "evaluation_id": item.id,
        "hall_code": hall_code,
        "ticket_number": item.ticket,
        "case_id": item.case_id,
        "service_code": item.service_code,
        "service_name": item.service_name,
        "department_code": item.department_code,
        "department_name": item.department_name,
        "window": item.window,
        "clerk_staff_no": item.clerk_staff_no,
        "clerk_name": item.clerk_name,
        "channel": item.channel.value if item.channel else None,
        "status": item.status,
        "level": level.value if level else None,
        "level_code": ev.LEVEL_CODES[level] if level else None,
        "level_name": ev.LEVEL_NAMES[level] if level else None,
        "reasons": list(item.reasons),
        "comment": item.comment,
        "is_default": item.is_default,
        "late": item.late,
        "requested_at": _iso(item.requested_at),
        "deadline": _iso(item.deadline),
        "pressed_at": _iso(item.pressed_at),
        "recorded_at": _iso(item.recorded_at),
        "follow_up_stage": item.follow_up.stage if item.follow_up else None,
    }


def export_rows(uow: UnitOfWork, actor: Actor, start: date | None, end: date | None) -> list[dict[str, Any]]:
    """Every evaluation of the period as flat records (docs/evaluations.md describes each field)."""
    hall_code = uow.catalogue(actor.hall_id).code
    return [
        _record(item, hall_code) for item in list_evaluations(uow, actor, start=start, end=end, limit=10**7)
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """UTF-8 CSV with a header (reasons joined by ``|``; empty cell for null)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        flat = {k: ("|".join(v) if isinstance(v, list) else ("" if v is None else v)) for k, v in row.items()}
        flat["is_default"] = "1" if row["is_default"] else "0"
        flat["late"] = "1" if row["late"] else "0"
        writer.writerow({k: inert(v) for k, v in flat.items()})
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]], hall_code: str) -> str:
    """The JSON export: a header object and the records."""
    return json.dumps(
        {"format": "hallq-evaluations/1", "hall": hall_code, "records": rows}, ensure_ascii=False
    )
