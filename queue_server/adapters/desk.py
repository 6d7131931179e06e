"""The windows' stores on SQL: live rows, assignments, calls and the work profiles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Unpack

from sqlalchemy import Connection, Row, and_, delete, func, or_, select, update

from queue_server.adapters import tables as t
from queue_server.adapters.raw import RawStatements
from queue_server.adapters.tickets import TICKET_COLUMNS, ticket_row
from queue_server.domain.hall import AssignmentRule
from queue_server.services.desk.ports import (
    Clerk,
    LatestRating,
    Post,
    TransferNote,
    WindowChanges,
    WindowEvent,
    WindowRow,
    WorkProfile,
)
from queue_server.services.tickets.ports import TicketRow

WINDOW_COLUMNS = (
    t.windows.c.id,
    t.windows.c.hall_id,
    t.windows.c.number,
    t.windows.c.status,
    t.windows.c.pause_reason,
    t.windows.c.status_since,
    t.windows.c.clerk_id,
    t.windows.c.current_ticket_id,
)
WINDOW_NAMES = tuple(column.name for column in WINDOW_COLUMNS)


class SqlWindowStore:
    """Windows' live rows, assignments and call history on one connection."""

    def __init__(self, conn: Connection, raw: RawStatements) -> None:
        self.conn = conn
        self.raw = raw

    def row(self, window_id: int, *, lock: bool = False) -> WindowRow:
        """A window's live row (locked for the transaction on PostgreSQL when ``lock``); every
        window action reads it, so on the raw cursor."""
        row = self.raw.by_id(t.windows, WINDOW_NAMES, window_id, lock=lock)
        if row is None:
            raise LookupError(f"no window {window_id}")
        return WindowRow(*row)

    def row_and_ticket(self, window_id: int) -> tuple[WindowRow, TicketRow | None]:
        """A window's live row, locked for the transaction on PostgreSQL, and the ticket it holds:
        one statement for what every action on a window's ticket reads first."""
        row, ticket = self.raw.by_id_with_linked(
            t.windows, WINDOW_NAMES, t.tickets, TICKET_COLUMNS, "current_ticket_id", window_id, lock=True
        )
        if row is None:
            raise LookupError(f"no window {window_id}")
        return WindowRow(*row), None if ticket is None else TicketRow(*ticket)

    def rows(self, hall_id: int) -> list[WindowRow]:
        """Every window's live row in a hall."""
        # The open windows' cache reads them every few seconds, and the desk pages: on the raw cursor.
        return [
            WindowRow(*r) for r in self.raw.select(t.windows, WINDOW_NAMES, "windows.hall_id = ?", (hall_id,))
        ]

    def update(self, window_id: int, **changes: Unpack[WindowChanges]) -> None:
        """Change a window's live row (on the raw cursor: every call and conclusion does)."""
        self.raw.update(t.windows, dict(changes), {"id": window_id})

    def clerks(self, ids: Iterable[int | None]) -> dict[int, Clerk]:
        """Staff by id."""
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        users = t.users
        query = select(users.c.id, users.c.staff_no, users.c.name).where(users.c.id.in_(wanted))
        return {r.id: Clerk(r.id, r.staff_no, r.name) for r in self.conn.execute(query)}

    def posts(self, hall_id: int, window_id: int, user_id: int) -> list[Post]:
        """The active clerks at home at a window, and the clerk ``user_id``."""
        users = t.users
        query = select(users.c.id, users.c.staff_no, users.c.window_id, users.c.ab_partner_id).where(
            users.c.hall_id == hall_id,
            users.c.active.is_(True),
            or_(users.c.window_id == window_id, users.c.id == user_id),
        )
        return [Post(*r) for r in self.conn.execute(query)]

    def replace_assignments(self, hall_id: int, window_id: int, rules: Sequence[AssignmentRule]) -> None:
        """Set a window's assignments to ``rules`` in one go."""
        self.conn.execute(t.assignments.delete().where(t.assignments.c.window_id == window_id))
        if rules:
            self.conn.execute(t.assignments.insert(), [_assignment(hall_id, window_id, r) for r in rules])

    def call_priorities(self, window_id: int, limit: int) -> list[bool]:
        """Whether each of a window's latest ``limit`` calls (not recalls) was a priority ticket,
        newest first; on the per-window index, so as cheap at closing as at opening."""
        query = (
            select(t.events.c.data)
            .where(t.events.c.window_id == window_id, t.events.c.type == "ticket.called")
            .order_by(t.events.c.id.desc())
            .limit(limit)
        )
        return [bool((data or {}).get("priority")) for data in self.conn.execute(query).scalars()]

    def call_request(self, window_id: int, ticket_id: int) -> str | None:
        """The request id carried by the latest call (or call-back) of the ticket to the window."""
        data = self.conn.execute(
            select(t.events.c.data)
            .where(
                t.events.c.ticket_id == ticket_id,
                t.events.c.window_id == window_id,
                t.events.c.type.in_(["ticket.called", "ticket.called_back"]),
            )
            .order_by(t.events.c.id.desc())
            .limit(1)
        ).scalar()
        request = (data or {}).get("request_id")
        return None if request is None else str(request)


def _assignment(hall_id: int, window_id: int, rule: AssignmentRule) -> dict[str, Any]:
    return {
        "hall_id": hall_id,
        "window_id": window_id,
        "service_id": rule.service_id,
        "preference": rule.preference,
        "weight": rule.weight,
        "valid_from": rule.valid_from,
        "valid_until": rule.valid_until,
        "time_from": rule.time_from,
        "time_until": rule.time_until,
    }


def _profile(row: Row[Any]) -> WorkProfile:
    return WorkProfile(row.id, row.hall_id, row.name, tuple(row.services), row.updated_at, row.updated_by)


class SqlProfileStore:
    """Work profiles on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, profile_id: int) -> WorkProfile | None:
        """A profile by id."""
        row = self.conn.execute(select(t.work_profiles).where(t.work_profiles.c.id == profile_id)).first()
        return None if row is None else _profile(row)

    def of_hall(self, hall_id: int) -> list[WorkProfile]:
        """The hall's profiles by name."""
        query = select(t.work_profiles).where(t.work_profiles.c.hall_id == hall_id)
        return [_profile(r) for r in self.conn.execute(query.order_by(t.work_profiles.c.name))]

    def name_taken(self, hall_id: int, name: str, other_than: int | None) -> bool:
        """Whether another profile of the hall has this name."""
        clash = select(func.count()).where(
            t.work_profiles.c.hall_id == hall_id, t.work_profiles.c.name == name
        )
        if other_than is not None:
            clash = clash.where(t.work_profiles.c.id != other_than)
        return bool(self.conn.execute(clash).scalar_one())

    def add(self, hall_id: int, name: str, services: Sequence[str], at: datetime, by: str) -> int:
        """Store a new profile; its id."""
        values = {
            "hall_id": hall_id,
            "name": name,
            "services": list(services),
            "updated_at": at,
            "updated_by": by,
        }
        return int(
            self.conn.execute(t.work_profiles.insert().returning(t.work_profiles.c.id), values).scalar_one()
        )

    def change(self, profile_id: int, name: str, services: Sequence[str], at: datetime, by: str) -> None:
        """Change a profile's name and services."""
        self.conn.execute(
            update(t.work_profiles)
            .where(t.work_profiles.c.id == profile_id)
            .values(name=name, services=list(services), updated_at=at, updated_by=by)
        )

    def remove(self, profile_id: int) -> None:
        """Drop a profile."""
        self.conn.execute(delete(t.work_profiles).where(t.work_profiles.c.id == profile_id))


class SqlDeskStore:
    """The clerk console's reads on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def service_guide(self, service_id: int) -> dict[str, Any]:
        """A service's guide as stored."""
        guide = self.conn.execute(select(t.services.c.guide).where(t.services.c.id == service_id)).scalar()
        return dict(guide or {})

    def last_transfer(self, ticket_id: int) -> TransferNote | None:
        """The ticket's latest ``ticket.transferred`` event: from which window, why."""
        moved = self.conn.execute(
            select(t.events.c.window_id, t.events.c.data)
            .where(t.events.c.ticket_id == ticket_id, t.events.c.type == "ticket.transferred")
            .order_by(t.events.c.id.desc())
            .limit(1)
        ).first()
        if moved is None:
            return None
        return TransferNote(moved.window_id, str((moved.data or {}).get("reason", "")))

    def waiting_here(self, hall_id: int, service_ids: Sequence[int], window_id: int) -> list[TicketRow]:
        """Waiting tickets of these services not sent elsewhere, and those sent to the window."""
        tk = t.tickets
        # a ticket sent to another window waits for that window only
        ours = and_(tk.c.service_id.in_(list(service_ids)), tk.c.target_window_id.is_(None))
        query = (
            select(tk)
            .where(
                tk.c.hall_id == hall_id,
                tk.c.status == "waiting",
                or_(ours, tk.c.target_window_id == window_id),
            )
            .order_by(tk.c.rank_at, tk.c.id)
        )
        return [ticket_row(r) for r in self.conn.execute(query)]

    def set_aside(self, hall_id: int, day: date, window_id: int) -> list[TicketRow]:
        """The day's tickets parked or no-show at the window."""
        tk = t.tickets
        query = select(tk).where(
            tk.c.hall_id == hall_id,
            tk.c.business_day == day,
            tk.c.window_id == window_id,
            tk.c.status.in_(["parked", "no_show"]),
        )
        return [ticket_row(r) for r in self.conn.execute(query.order_by(tk.c.id))]

    def set_aside_since(self, ticket_ids: Sequence[int]) -> dict[int, datetime]:
        """When each ticket was last parked or marked no-show."""
        if not ticket_ids:
            return {}
        since: dict[int, datetime] = {}
        query = select(t.events.c.ticket_id, t.events.c.at).where(
            t.events.c.ticket_id.in_(list(ticket_ids)),
            t.events.c.type.in_(["ticket.parked", "ticket.no_show"]),
        )
        for ticket_id, at in self.conn.execute(query):
            since[ticket_id] = max(at, since.get(ticket_id, at))
        return since

    def window_events(
        self, hall_id: int, window_id: int, since: datetime, types: Sequence[str]
    ) -> list[WindowEvent]:
        """The window's events of these types since ``since``, in order."""
        ev = t.events
        query = (
            select(ev.c.type, ev.c.at, ev.c.ticket_id, ev.c.actor_user_id, ev.c.data)
            .where(
                ev.c.hall_id == hall_id, ev.c.window_id == window_id, ev.c.at >= since, ev.c.type.in_(types)
            )
            .order_by(ev.c.id)
        )
        return [
            WindowEvent(r.type, r.at, r.ticket_id, r.actor_user_id, r.data or {})
            for r in self.conn.execute(query)
        ]

    def latest_rating(self, window_id: int, since: datetime) -> LatestRating | None:
        """The latest rating asked at the window since ``since``, with its case's outcome."""
        ev, tk = t.evaluations, t.tickets
        row = self.conn.execute(
            select(ev.c.status, ev.c.level, ev.c.deadline_at, ev.c.case_id, tk.c.number, tk.c.token)
            .join(tk, tk.c.id == ev.c.ticket_id)
            .where(ev.c.window_id == window_id, ev.c.requested_at >= since)
            .order_by(ev.c.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        outcome = (
            self.conn.execute(select(t.cases.c.outcome).where(t.cases.c.id == row.case_id)).scalar()
            if row.case_id
            else None
        )
        return LatestRating(row.number, row.token, row.status, row.level, row.deadline_at, outcome)
