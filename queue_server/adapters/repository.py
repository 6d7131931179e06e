"""The hall's repository: every SQL statement the services use, on one connection.

The services speak to this class only; it hides the dialect (SQLite or PostgreSQL) and turns
rows into the domain's types.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any, cast

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from queue_server.adapters import tables as t
from queue_server.adapters.raw import RawStatements, read_time
from queue_server.domain.errors import NotFound
from queue_server.domain.hall import AssignmentRule, HallCatalogue, HallSettings, ServiceItem, WindowItem
from queue_server.domain.hours import Period
from queue_server.domain.lifecycle import Action, Status, next_status
from queue_server.domain.policy import Candidate
from queue_server.domain.workdays import WorkingCalendar


class Repository:
    """Reads and writes of one unit of work, on its connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw = RawStatements(conn)
        self._insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert

    # ---------------------------------------------------------------- halls and catalogue

    def hall_versions(self) -> dict[int, int]:
        """Each hall's catalogue version, to know when a cached catalogue is stale."""
        rows = self.conn.execute(select(t.halls.c.id, t.halls.c.catalogue_version))
        return {row.id: row.catalogue_version for row in rows}

    def hall_id(self, code: str | None) -> int:
        """The id of hall ``code``, or of the only hall when ``code`` is None."""
        query = select(t.halls.c.id, t.halls.c.code).order_by(t.halls.c.id)
        rows = self.conn.execute(query).all()
        if code is None and len(rows) == 1:
            return int(rows[0].id)
        for row in rows:
            if row.code == code:
                return int(row.id)
        raise NotFound("hall.not_found", code=code or "")

    def bump_catalogue(self, hall_id: int) -> None:
        """Mark the hall's catalogue changed so every process reloads it."""
        self.conn.execute(
            update(t.halls)
            .where(t.halls.c.id == hall_id)
            .values(catalogue_version=t.halls.c.catalogue_version + 1)
        )

    def load_catalogue(self, hall_id: int) -> HallCatalogue:
        """Read a hall's settings, services, windows and assignments."""
        hall = self.conn.execute(select(t.halls).where(t.halls.c.id == hall_id)).one()
        zones = {r.id: r.code for r in self.conn.execute(select(t.zones).where(t.zones.c.hall_id == hall_id))}
        rules: dict[int, list[AssignmentRule]] = {}
        for r in self.conn.execute(select(t.assignments).where(t.assignments.c.hall_id == hall_id)):
            rules.setdefault(r.window_id, []).append(
                AssignmentRule(
                    r.service_id,
                    r.preference,
                    r.weight,
                    r.valid_from,
                    r.valid_until,
                    r.time_from,
                    r.time_until,
                )
            )
        extended: dict[int, dict[date, tuple[Period, ...]]] = {}
        query = select(t.window_extended_hours).where(t.window_extended_hours.c.hall_id == hall_id)
        for r in self.conn.execute(query):
            spans = tuple(sorted((time.fromisoformat(a), time.fromisoformat(b)) for a, b in r.periods or []))
            extended.setdefault(r.window_id, {})[r.day] = spans
        windows = {
            r.id: WindowItem(
                r.id,
                r.number,
                r.name,
                r.type,
                zones.get(r.zone_id),
                tuple(rules.get(r.id, ())),
                extended.get(r.id, {}),
            )
            for r in self.conn.execute(select(t.windows).where(t.windows.c.hall_id == hall_id))
        }
        services = {
            r.id: ServiceItem(
                r.id,
                r.code,
                r.name,
                r.prefix,
                r.department_id,
                r.daily_cap,
                r.priority_allowed,
                r.avg_handle_seconds,
            )
            for r in self.conn.execute(
                select(t.services).where(t.services.c.hall_id == hall_id, t.services.c.active.is_(True))
            )
        }
        settings = HallSettings.from_dict(hall.settings or {}, hall.timezone)
        settings = replace(
            settings,
            hours=settings.hours.with_days(*self._calendar_days(hall_id, settings)),
            working_days=self._working_days(hall_id),
        )
        return HallCatalogue(
            id=hall.id,
            code=hall.code,
            name=hall.name,
            name_en=hall.name_en,
            timezone=hall.timezone,
            notice=hall.notice,
            version=hall.catalogue_version,
            settings=settings,
            services=services,
            windows=windows,
        )

    def _working_days(self, hall_id: int) -> WorkingCalendar:
        """法定工作日: the declared holidays and 调休 working days (extended hours change neither)."""
        rows = self.conn.execute(
            select(t.calendar_days.c.day, t.calendar_days.c.kind).where(t.calendar_days.c.hall_id == hall_id)
        ).all()
        return WorkingCalendar(
            holidays=frozenset(r.day for r in rows if r.kind == "holiday"),
            workdays=frozenset(r.day for r in rows if r.kind == "workday"),
        )

    def _calendar_days(
        self, hall_id: int, settings: HallSettings
    ) -> tuple[dict[date, tuple[Period, ...]], dict[date, tuple[Period, ...]]]:
        """Dated exceptions to the weekly hours (holidays, 调休 working days) and dated 延时服务."""
        days: dict[date, tuple[Period, ...]] = {}
        extended: dict[date, tuple[Period, ...]] = {}
        rows = self.conn.execute(select(t.calendar_days).where(t.calendar_days.c.hall_id == hall_id))
        for row in rows:
            periods = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in row.periods or [])
            if row.kind == "holiday":
                days[row.day] = ()
            elif row.kind == "workday":
                days[row.day] = periods or settings.hours.week.get("mon", ())
            else:  # extended: extra periods on top of the day's usual hours
                extended[row.day] = periods
        return days, extended

    # ---------------------------------------------------------------- numbering

    def next_counter(self, hall_id: int, name: str, day: date) -> int:
        """Atomically add one to a daily counter and return the new value (row-locked until commit)."""
        return int(
            self.raw.one(
                "INSERT INTO counters (hall_id, name, day, value) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (hall_id, name, day) DO UPDATE SET value = counters.value + 1 RETURNING value",
                (hall_id, name, self.raw.bind(t.counters, "day", day)),
            )
        )

    def raise_counter(self, hall_id: int, name: str, day: date, at_least: int) -> None:
        """Make a daily counter at least ``at_least`` (a cap set mid-day counts the day's tickets)."""
        self.conn.execute(
            self._insert(t.counters)
            .values(hall_id=hall_id, name=name, day=day, value=at_least)
            .on_conflict_do_nothing()
        )
        self.conn.execute(
            update(t.counters)
            .where(
                t.counters.c.hall_id == hall_id,
                t.counters.c.name == name,
                t.counters.c.day == day,
                t.counters.c.value < at_least,
            )
            .values(value=at_least)
        )

    # ---------------------------------------------------------------- tickets

    def insert_ticket(self, values: dict[str, Any]) -> int:
        """Insert a ticket row and return its id."""
        return int(self.raw.insert(t.tickets, values, returning_id=True) or 0)

    def ticket(self, **where: Any) -> Any:
        """One ticket row matching ``where`` (columns of tickets), or None."""
        clauses = [t.tickets.c[name] == value for name, value in where.items()]
        return self.conn.execute(select(t.tickets).where(and_(*clauses))).first()

    def tickets_by_ids(self, ids: Iterable[int]) -> dict[int, Any]:
        """Ticket rows by id."""
        ids = list(ids)
        if not ids:
            return {}
        return {r.id: r for r in self.conn.execute(select(t.tickets).where(t.tickets.c.id.in_(ids)))}

    def move_ticket(
        self, ticket_id: int, expected_status: str, action: Action, *, number: str = "", **values: Any
    ) -> bool:
        """Apply one edge of the lifecycle's transition table (IllegalTransition if it has none)
        with compare-and-set: False when another process moved the ticket first."""
        target = next_status(Status(expected_status), action, number=number)
        return self._set_ticket(ticket_id, expected_status, {**values, "status": target.value})

    def update_ticket(self, ticket_id: int, expected_status: str, **values: Any) -> bool:
        """Change a ticket's other columns only if it is still in ``expected_status``
        (compare-and-set across processes); its status changes only through ``move_ticket``."""
        if "status" in values:
            raise ValueError("a ticket's status changes only along the transition table (move_ticket)")
        return self._set_ticket(ticket_id, expected_status, values)

    def _set_ticket(self, ticket_id: int, expected_status: str, values: dict[str, Any]) -> bool:
        result = self.conn.execute(
            update(t.tickets)
            .where(t.tickets.c.id == ticket_id, t.tickets.c.status == expected_status)
            .values(**values)
        )
        return result.rowcount == 1

    def waiting(self, hall_id: int, service_ids: Sequence[int]) -> list[Any]:
        """Waiting tickets of these services."""
        query = select(t.tickets).where(
            t.tickets.c.hall_id == hall_id,
            t.tickets.c.status == "waiting",
            t.tickets.c.service_id.in_(list(service_ids)),
        )
        return list(self.conn.execute(query))

    def count_waiting(self, hall_id: int, service_id: int, *, priority_only: bool = False) -> int:
        """How many tickets of a service wait (all, or priority only)."""
        text = "SELECT count(*) FROM tickets WHERE hall_id = ? AND status = 'waiting' AND service_id = ?"
        if priority_only:
            text += " AND priority_class IS NOT NULL"
        return int(self.raw.one(text, (hall_id, service_id)))

    def count_ahead(self, row: Any) -> int:
        """Waiting tickets of a ticket's service called before it: priority ones, then earlier ranks."""
        tk = t.tickets
        before = or_(tk.c.rank_at < row.rank_at, and_(tk.c.rank_at == row.rank_at, tk.c.id < row.id))
        if row.priority_class is None:
            before = or_(before, tk.c.priority_class.is_not(None))
        else:
            before = and_(before, tk.c.priority_class.is_not(None))
        query = select(func.count()).where(
            tk.c.hall_id == row.hall_id,
            tk.c.status == "waiting",
            tk.c.service_id == row.service_id,
            tk.c.id != row.id,
            before,
        )
        return int(self.conn.execute(query).scalar_one())

    def waiting_candidates(
        self, catalogue: HallCatalogue, service_ids: Sequence[int], window_id: int
    ) -> list[Candidate]:
        """Waiting tickets of these services and those sent to the window, as the policy sees them.

        The call path reads only the columns the policy needs, on the raw cursor: a window of a
        busy hall may have hundreds of tickets waiting for it.
        """
        marks = ", ".join("?" * len(service_ids))
        where = (
            f"(service_id IN ({marks}) OR target_window_id = ?)" if service_ids else "target_window_id = ?"
        )
        rows = self.raw.rows(
            "SELECT id, service_id, rank_at, priority_class, target_window_id, appointment_at FROM tickets "
            f"WHERE hall_id = ? AND status = 'waiting' AND {where}",
            (catalogue.id, *service_ids, window_id),
        )
        codes = {s.id: s.code for s in catalogue.services.values()}
        numbers = {w.id: w.number for w in catalogue.windows.values()}
        return [
            Candidate(
                ticket_id=ticket_id,
                service=codes.get(service_id, ""),
                rank_at=cast(datetime, read_time(rank_at)),
                priority=priority is not None,
                target_window=numbers.get(target) if target else None,
                appointment_at=read_time(appointment_at),
            )
            for ticket_id, service_id, rank_at, priority, target, appointment_at in rows
        ]

    def count_person_tickets(self, hall_id: int, day: date, service_id: int, id_hash: str) -> int:
        """How many tickets one person (by ID hash) took for a service on a day, cancelled ones aside."""
        query = select(func.count()).where(
            t.tickets.c.hall_id == hall_id,
            t.tickets.c.business_day == day,
            t.tickets.c.service_id == service_id,
            t.tickets.c.id_hash == id_hash,
            t.tickets.c.status != "cancelled",
        )
        return int(self.conn.execute(query).scalar_one())

    def person_tickets(self, hall_id: int, day: date, column: str, digest: str) -> list[Any]:
        """A person's open tickets of the day, found by the keyed hash of their ID or phone number."""
        query = select(t.tickets).where(
            t.tickets.c.hall_id == hall_id,
            t.tickets.c.business_day == day,
            t.tickets.c[column] == digest,
            t.tickets.c.status.in_(["waiting", "called", "parked", "no_show"]),
        )
        return list(self.conn.execute(query.order_by(t.tickets.c.id)))

    def waiting_by_service(self, hall_id: int) -> dict[int, tuple[int, datetime | None]]:
        """For each service: how many wait and since when the longest has waited."""
        query = (
            select(t.tickets.c.service_id, func.count(), func.min(t.tickets.c.issued_at))
            .where(t.tickets.c.hall_id == hall_id, t.tickets.c.status == "waiting")
            .group_by(t.tickets.c.service_id)
        )
        out: dict[int, tuple[int, datetime | None]] = {}
        for service_id, count, oldest in self.conn.execute(query):
            out[service_id] = (count, t.UtcDateTime().process_result_value(oldest, self.conn.dialect))
        return out

    def open_tickets_before(self, hall_id: int, day: date, limit: int | None = None) -> list[Any]:
        """Tickets of earlier business days still waiting, parked or no-show (to expire them), the
        first ``limit`` of them when given."""
        query = select(t.tickets).where(
            t.tickets.c.hall_id == hall_id,
            t.tickets.c.business_day < day,
            t.tickets.c.status.in_(["waiting", "parked", "no_show"]),
        )
        if limit is not None:
            query = query.order_by(t.tickets.c.id).limit(limit)
        return list(self.conn.execute(query))

    # ---------------------------------------------------------------- windows

    def window_row(self, window_id: int, *, lock: bool = False) -> Any:
        """A window's live row (locked for the transaction on PostgreSQL when ``lock``)."""
        query = select(t.windows).where(t.windows.c.id == window_id)
        if lock:
            query = query.with_for_update()
        return self.conn.execute(query).one()

    def window_rows(self, hall_id: int) -> list[Any]:
        """Every window's live row in a hall."""
        return list(self.conn.execute(select(t.windows).where(t.windows.c.hall_id == hall_id)))

    def update_window(self, window_id: int, **values: Any) -> None:
        """Change a window's live row."""
        self.conn.execute(update(t.windows).where(t.windows.c.id == window_id).values(**values))

    def users_by_ids(self, ids: Iterable[int]) -> dict[int, Any]:
        """User rows by id."""
        ids = [i for i in ids if i is not None]
        if not ids:
            return {}
        return {r.id: r for r in self.conn.execute(select(t.users).where(t.users.c.id.in_(ids)))}

    def replace_assignments(self, hall_id: int, window_id: int, rows: list[dict[str, Any]]) -> None:
        """Set a window's assignments to ``rows`` in one go."""
        self.conn.execute(t.assignments.delete().where(t.assignments.c.window_id == window_id))
        if rows:
            self.conn.execute(
                t.assignments.insert(), [{**r, "hall_id": hall_id, "window_id": window_id} for r in rows]
            )

    # ---------------------------------------------------------------- events and statistics

    def add_event(self, values: dict[str, Any]) -> None:
        """Append an event row (the record of truth)."""
        self.raw.insert(t.events, values, returning_id=False)

    def recent_calls(self, hall_id: int, limit: int, *, window_id: int | None = None) -> list[Any]:
        """The latest call and recall events, newest first."""
        query = select(t.events).where(
            t.events.c.hall_id == hall_id, t.events.c.type.in_(["ticket.called", "ticket.recalled"])
        )
        if window_id is not None:
            query = query.where(t.events.c.window_id == window_id)
        return list(self.conn.execute(query.order_by(t.events.c.id.desc()).limit(limit)))

    def window_call_priorities(self, window_id: int, limit: int) -> list[bool]:
        """Whether each of a window's latest ``limit`` calls (not recalls) was a priority ticket,
        newest first; on the per-window index, so as cheap at closing as at opening."""
        query = (
            select(t.events.c.data)
            .where(t.events.c.window_id == window_id, t.events.c.type == "ticket.called")
            .order_by(t.events.c.id.desc())
            .limit(limit)
        )
        return [bool((data or {}).get("priority")) for data in self.conn.execute(query).scalars()]

    def handling_stats(self, service_id: int, *, for_update: bool = False) -> tuple[float, int] | None:
        """A service's running mean handling time and sample count (locked, to fold a case in)."""
        query = select(t.service_stats.c.mean_seconds, t.service_stats.c.samples).where(
            t.service_stats.c.service_id == service_id
        )
        row = self.conn.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else (float(row.mean_seconds), int(row.samples))

    def save_handling_stats(self, hall_id: int, service_id: int, mean: float, samples: int) -> None:
        """Store a service's running mean (a projection of concluded events)."""
        statement = (
            self._insert(t.service_stats)
            .values(service_id=service_id, hall_id=hall_id, mean_seconds=mean, samples=samples)
            .on_conflict_do_update(
                index_elements=[t.service_stats.c.service_id], set_={"mean_seconds": mean, "samples": samples}
            )
        )
        self.conn.execute(statement)

    def save_device(
        self, hall_id: int, kind: str, device: str, state: str, detail: str, at: datetime
    ) -> None:
        """Remember a device's latest report (its heartbeat)."""
        statement = (
            self._insert(t.devices)
            .values(hall_id=hall_id, kind=kind, device=device, state=state, detail=detail, last_seen_at=at)
            .on_conflict_do_update(
                index_elements=[t.devices.c.hall_id, t.devices.c.kind, t.devices.c.device],
                set_={"state": state, "detail": detail, "last_seen_at": at},
            )
        )
        self.conn.execute(statement)

    def audit(
        self, hall_id: int, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        """Write one audit-log line (logins, manager actions, views of personal data)."""
        self.conn.execute(
            t.audit_log.insert(),
            {
                "hall_id": hall_id,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "detail": detail,
            },
        )
