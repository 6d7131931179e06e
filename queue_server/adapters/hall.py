"""The hall's store on SQL: catalogue, handling figures, the event record, the audit log, devices."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from queue_server.adapters import tables as t
from queue_server.adapters.raw import RawStatements
from queue_server.domain.errors import NotFound
from queue_server.domain.estimates import SMOOTHING
from queue_server.domain.hall import AssignmentRule, HallCatalogue, HallSettings, ServiceItem, WindowItem
from queue_server.domain.hours import Period
from queue_server.domain.workdays import WorkingCalendar
from queue_server.services.hall.ports import (
    AuditLine,
    Booking,
    CallEvent,
    DeviceReport,
    HallRules,
    NewEvent,
    ServiceEntry,
    SlotView,
    ZonePlace,
)

EVENT_COLUMNS = (
    "hall_id",
    "at",
    "type",
    "ticket_id",
    "window_id",
    "service_id",
    "actor_user_id",
    "actor_token_id",
    "data",
)


# ``HandlingStats.observe`` in SQL that both databases run: weight = max(SMOOTHING, 1 / (samples + 2)),
# mean + weight * (seconds - mean); a service's first case stores the figure the caller folded.
_FOLD = (
    "INSERT INTO service_stats (service_id, hall_id, mean_seconds, samples) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (service_id) DO UPDATE SET mean_seconds = service_stats.mean_seconds + "
    "(CASE WHEN ? >= CAST(1 AS DOUBLE PRECISION) / (service_stats.samples + 2) THEN ? "
    "ELSE CAST(1 AS DOUBLE PRECISION) / (service_stats.samples + 2) END) * (? - service_stats.mean_seconds), "
    "samples = service_stats.samples + 1 RETURNING mean_seconds, samples"
)


class SqlHallStore:
    """A hall's catalogue and records on one connection."""

    def __init__(self, conn: Connection, raw: RawStatements) -> None:
        self.conn = conn
        self.raw = raw
        self._insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert

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
                notice_ahead_at=r.notice_ahead_at,
                name_en=r.name_en,
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

    def rules(self, hall_id: int) -> HallRules:
        """The hall's rules as stored, and its notice."""
        row = self.conn.execute(
            select(t.halls.c.settings, t.halls.c.notice).where(t.halls.c.id == hall_id)
        ).one()
        return HallRules(settings=dict(row.settings or {}), notice=row.notice)

    def save_rules(self, hall_id: int, rules: HallRules) -> None:
        """Replace the hall's rules and notice."""
        self.conn.execute(
            update(t.halls)
            .where(t.halls.c.id == hall_id)
            .values(settings=rules.settings, notice=rules.notice)
        )

    def service_entries(self, hall_id: int, code: str | None = None) -> list[ServiceEntry]:
        """The hall's active services by code, with their department (only ``code`` when given)."""
        sv, dept = t.services, t.departments
        query = (
            select(sv, dept.c.code.label("dept_code"), dept.c.name.label("dept_name"))
            .join(dept, dept.c.id == sv.c.department_id)
            .where(sv.c.hall_id == hall_id, sv.c.active.is_(True))
            .order_by(sv.c.code)
        )
        if code is not None:
            query = query.where(sv.c.code == code)
        return [
            ServiceEntry(
                id=r.id,
                code=r.code,
                name=r.name,
                name_en=r.name_en,
                prefix=r.prefix,
                department=r.dept_code,
                department_name=r.dept_name,
                theme=r.theme,
                category=r.category,
                case_type=r.case_type,
                daily_cap=r.daily_cap,
                priority_allowed=r.priority_allowed,
                keywords=tuple(r.keywords or ()),
                guide=dict(r.guide or {}),
            )
            for r in self.conn.execute(query)
        ]

    def zone_place(self, hall_id: int, code: str) -> ZonePlace | None:
        """A zone's name and floor."""
        zone = self.conn.execute(
            select(t.zones.c.name, t.zones.c.floor).where(
                t.zones.c.hall_id == hall_id, t.zones.c.code == code
            )
        ).first()
        return None if zone is None else ZonePlace(name=zone.name or "", floor=zone.floor or "")

    def handling_stats(self, service_id: int) -> tuple[float, int] | None:
        """A service's running mean handling time and sample count."""
        names = ("mean_seconds", "samples")
        rows = self.raw.select(t.service_stats, names, "service_id = ?", (service_id,))
        return (float(rows[0][0]), int(rows[0][1])) if rows else None

    def fold_handling(
        self, hall_id: int, service_id: int, first: tuple[float, int], seconds: float
    ) -> tuple[float, int]:
        """Fold one case into the service's running mean in the statement that stores it (every
        conclusion does; it read the row locked, then wrote it: two statements). The arithmetic is
        ``HandlingStats.observe``'s, in the same order of floating-point operations
        (``tests/server/test_writer_work.py`` compares them); the row is locked by the statement, so
        two processes' folds of one service still apply one after the other."""
        row = self.raw.rows(_FOLD, (service_id, hall_id, first[0], first[1], SMOOTHING, SMOOTHING, seconds))[
            0
        ]
        return float(row[0]), int(row[1])

    def add_event(self, event: NewEvent) -> None:
        """Append an event row on the raw cursor (the record of truth)."""
        self.raw.insert(t.events, {name: getattr(event, name) for name in EVENT_COLUMNS}, returning_id=False)

    def recent_calls(self, hall_id: int, limit: int) -> list[CallEvent]:
        """The latest call and recall events, newest first."""
        ev = t.events
        query = (
            select(ev.c.type, ev.c.at, ev.c.window_id, ev.c.service_id, ev.c.data)
            .where(ev.c.hall_id == hall_id, ev.c.type.in_(["ticket.called", "ticket.recalled"]))
            .order_by(ev.c.id.desc())
            .limit(limit)
        )
        return [
            CallEvent(r.type, r.at, r.window_id, r.service_id, str((r.data or {}).get("number", "")))
            for r in self.conn.execute(query)
        ]

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

    def audit_lines(
        self, hall_id: int, *, action: str | None, subject: str | None, since: datetime | None, limit: int
    ) -> list[AuditLine]:
        """The audit log newest first: ``action`` a prefix, ``subject`` exact, from ``since`` on."""
        log = t.audit_log
        query = select(log).where(log.c.hall_id == hall_id)
        if action:
            query = query.where(log.c.action.startswith(action, autoescape=True))
        if subject:
            query = query.where(log.c.subject == subject)
        if since is not None:
            query = query.where(log.c.at >= since)
        rows = self.conn.execute(query.order_by(log.c.at.desc(), log.c.id.desc()).limit(limit))
        return [AuditLine(r.at, r.actor, r.action, r.subject, r.detail or {}) for r in rows]

    def bookings_on(self, hall_id: int, day: date, service_id: int | None) -> list[Booking]:
        """A day's bookings (of one service when given) by slot time, then as booked."""
        slots, bookings = t.appointment_slots, t.appointments
        query = (
            select(bookings, *(col.label(f"slot__{col.name}") for col in slots.c))
            .join(slots, slots.c.id == bookings.c.slot_id)
            .where(bookings.c.hall_id == hall_id, slots.c.day == day)
            .order_by(slots.c.start, bookings.c.created_at, bookings.c.id)
        )
        if service_id is not None:
            query = query.where(bookings.c.service_id == service_id)
        return [
            Booking(
                r.code,
                r.status,
                r.channel,
                r.service_id,
                r.phone_masked,
                r.id_masked,
                r.created_at,
                r.checked_in_at,
                r.ticket_id,
                SlotView(
                    r.slot__id,
                    r.slot__service_id,
                    r.slot__day,
                    r.slot__start,
                    r.slot__end,
                    r.slot__capacity,
                    r.slot__booked,
                    r.slot__open,
                ),
            )
            for r in self.conn.execute(query)
        ]

    def devices(self, hall_id: int) -> list[DeviceReport]:
        """Each device's latest report, by kind and name."""
        dv = t.devices
        query = select(dv).where(dv.c.hall_id == hall_id).order_by(dv.c.kind, dv.c.device)
        return [
            DeviceReport(r.kind, r.device, r.state, r.detail, r.last_seen_at)
            for r in self.conn.execute(query)
        ]

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
