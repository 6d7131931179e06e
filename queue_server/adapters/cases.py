"""The SQL of cases (办件 outcomes, promised cases) and of the calendar the deadlines are counted on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, select, update

from queue_server.adapters import tables as t
from queue_server.adapters.raw import RawStatements
from queue_server.services.cases.ports import (
    CalendarMark,
    Case,
    FollowUpDues,
    NewCase,
    OpenFollowUp,
    TicketRef,
    WindowHours,
)

CASE_FIELDS = tuple(Case.__dataclass_fields__)
DUES = ("verify_due", "rectify_due", "revisit_due")


def _case(row: Row[Any] | None) -> Case | None:
    if row is None:
        return None
    values = {name: getattr(row, name) for name in CASE_FIELDS}
    values["missing_items"] = list(row.missing_items or [])
    values["extensions"] = list(row.extensions or [])
    return Case(**values)


def _periods(raw: Any) -> list[tuple[str, str]]:
    return [(str(a), str(b)) for a, b in raw or []]


class SqlCaseStore:
    """Cases on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def service_guide(self, service_id: int) -> dict[str, Any]:
        """The service's guide (办事指南), an empty one when it has none."""
        guide = self.conn.execute(select(t.services.c.guide).where(t.services.c.id == service_id)).scalar()
        return dict(guide or {})

    def add(self, case: NewCase) -> int:
        """Write a case (no extensions yet) and return its id."""
        # Once per conclusion: on the driver's cursor, every column given (no Core defaults apply).
        values = {name: getattr(case, name) for name in NewCase.__dataclass_fields__}
        return int(
            RawStatements(self.conn).insert(t.cases, {**values, "extensions": []}, returning_id=True) or 0
        )

    def case(self, case_id: int) -> Case | None:
        """A case by id, or None."""
        return _case(self.conn.execute(select(t.cases).where(t.cases.c.id == case_id)).first())

    def case_of_ticket(self, ticket_id: int) -> Case | None:
        """The case of a ticket, or None."""
        return _case(self.conn.execute(select(t.cases).where(t.cases.c.ticket_id == ticket_id)).first())

    def cases(self, hall_id: int, status: str | None) -> list[Case]:
        """The hall's cases (of one status or all), by promised date then id."""
        query = select(t.cases).where(t.cases.c.hall_id == hall_id)
        if status:
            query = query.where(t.cases.c.status == status)
        rows = self.conn.execute(query.order_by(t.cases.c.promised_date, t.cases.c.id))
        return [case for row in rows if (case := _case(row)) is not None]

    def open_promised(self, hall_id: int) -> list[tuple[Case, str]]:
        """The hall's open cases with a promised date, with their tickets' numbers, by id."""
        rows = self.conn.execute(
            select(t.cases, t.tickets.c.number.label("ticket_number"))
            .join(t.tickets, t.tickets.c.id == t.cases.c.ticket_id)
            .where(
                t.cases.c.hall_id == hall_id,
                t.cases.c.status == "open",
                t.cases.c.promised_date.is_not(None),
            )
            .order_by(t.cases.c.id)
        )
        return [(case, str(row.ticket_number)) for row in rows if (case := _case(row)) is not None]

    def complete(self, case_id: int, at: datetime) -> None:
        """Mark a case done (办结) at ``at``."""
        done = update(t.cases).where(t.cases.c.id == case_id).values(status="done", completed_at=at)
        self.conn.execute(done)

    def set_extensions(self, case_id: int, extensions: list[Any]) -> None:
        """Replace a case's approved extensions."""
        self.conn.execute(update(t.cases).where(t.cases.c.id == case_id).values(extensions=extensions))

    def ticket(self, *, id: int | None = None, token: str | None = None) -> TicketRef | None:
        """A ticket by id or by its citizen's token."""
        k = t.tickets.c
        query = select(k.id, k.hall_id, k.service_id, k.number, k.token)
        if id is not None:
            query = query.where(k.id == id)
        if token is not None:
            query = query.where(k.token == token)
        row = self.conn.execute(query).first()
        return None if row is None else TicketRef(row.id, row.hall_id, row.service_id, row.number, row.token)


class SqlCalendarStore:
    """Marked dates, windows' extended hours and follow-up dues on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def marks(self, hall_id: int, start: date, end: date) -> list[CalendarMark]:
        """The hall's marked dates from ``start`` to ``end``."""
        days = t.calendar_days.c
        rows = self.conn.execute(
            select(t.calendar_days).where(days.hall_id == hall_id, days.day.between(start, end))
        )
        return [CalendarMark(r.day, r.kind, _periods(r.periods), r.note) for r in rows]

    def set_mark(self, hall_id: int, mark: CalendarMark) -> None:
        """Mark a date (replacing its mark)."""
        self.clear_mark(hall_id, mark.day)
        self.conn.execute(
            t.calendar_days.insert(),
            {
                "hall_id": hall_id,
                "day": mark.day,
                "kind": mark.kind,
                "periods": [list(p) for p in mark.periods],
                "note": mark.note,
            },
        )

    def clear_mark(self, hall_id: int, day: date) -> None:
        """Remove a date's mark."""
        days = t.calendar_days.c
        self.conn.execute(delete(t.calendar_days).where(days.hall_id == hall_id, days.day == day))

    def window_hours(self, hall_id: int, day: date) -> list[WindowHours]:
        """The windows' approved extended hours on ``day``."""
        table = t.window_extended_hours
        rows = self.conn.execute(select(table).where(table.c.hall_id == hall_id, table.c.day == day))
        return [WindowHours(r.window_id, r.day, _periods(r.periods), r.note, r.approved_by) for r in rows]

    def set_window_hours(self, hall_id: int, hours: WindowHours) -> None:
        """Approve a window's extended hours on a day (replacing what was approved)."""
        self.clear_window_hours(hours.window_id, hours.day)
        self.conn.execute(
            t.window_extended_hours.insert(),
            {
                "hall_id": hall_id,
                "window_id": hours.window_id,
                "day": hours.day,
                "periods": [list(p) for p in hours.periods],
                "note": hours.note,
                "approved_by": hours.approved_by,
            },
        )

    def clear_window_hours(self, window_id: int, day: date) -> None:
        """Withdraw a window's extended hours on a day."""
        table = t.window_extended_hours
        self.conn.execute(delete(table).where(table.c.window_id == window_id, table.c.day == day))

    def open_follow_ups(self, hall_id: int) -> list[OpenFollowUp]:
        """The hall's follow-ups not closed yet, with their tickets' numbers, by id."""
        table = t.evaluation_follow_ups
        rows = self.conn.execute(
            select(table, t.tickets.c.number)
            .join(t.evaluations, t.evaluations.c.id == table.c.evaluation_id)
            .join(t.tickets, t.tickets.c.id == t.evaluations.c.ticket_id)
            .where(table.c.hall_id == hall_id, table.c.stage != "closed")
            .order_by(table.c.id)
        )
        return [
            OpenFollowUp(r.id, r.number, r.stage, r.opened_at, r.verify_due, r.rectify_due, r.revisit_due)
            for r in rows
        ]

    def move_follow_ups(self, dues: list[FollowUpDues]) -> None:
        """Set the follow-ups' new dues: one statement for them all (executemany)."""
        if not dues:
            return
        table = t.evaluation_follow_ups
        self.conn.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({column: bindparam(f"new_{column}") for column in DUES}),
            [{"row_id": d.id, **{f"new_{column}": getattr(d, column) for column in DUES}} for d in dues],
        )
