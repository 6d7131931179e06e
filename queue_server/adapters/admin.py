"""The SQL of administration: staff accounts, their AB岗 pairs and sessions, device and API tokens."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select, update

from queue_server.adapters import tables as t
from queue_server.adapters.repository import Repository
from queue_server.auth.tokens import TokenBook
from queue_server.services.admin.catalogue_ports import (
    Assignment,
    Department,
    HallRow,
    HallValues,
    ServiceRow,
    ServiceValues,
    UserRow,
    WindowRow,
    Zone,
)
from queue_server.services.admin.ports import DeviceReport, StaffMember, TokenRow, UserValues


def _member(row: Row[Any]) -> StaffMember:
    return StaffMember(
        id=row.id,
        hall_id=row.hall_id,
        staff_no=row.staff_no,
        name=row.name,
        role=row.role,
        window_number=row.window_number,
        partner_no=row.partner_no,
        partner_name=row.partner_name,
        active=bool(row.active),
        created_at=row.created_at,
    )


def _token(row: Row[Any]) -> TokenRow:
    return TokenRow(
        id=row.id,
        hall_id=row.hall_id,
        role=row.role,
        window_number=row.window_number,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class SqlStaffStore:
    """Staff accounts on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def hall_id(self, code: str | None) -> int:
        """The id of hall ``code``, or of the only hall when ``code`` is None (NotFound otherwise)."""
        return Repository(self.conn).hall_id(code)

    def members(self, hall_id: int, roles: Collection[str], staff_no: str | None = None) -> list[StaffMember]:
        """The hall's accounts of these roles (or the one with ``staff_no``), by staff number."""
        partner = t.users.alias("partner")
        query = (
            select(
                t.users,
                t.windows.c.number.label("window_number"),
                partner.c.staff_no.label("partner_no"),
                partner.c.name.label("partner_name"),
            )
            .outerjoin(t.windows, t.windows.c.id == t.users.c.window_id)
            .outerjoin(partner, partner.c.id == t.users.c.ab_partner_id)
            .where(t.users.c.hall_id == hall_id, t.users.c.role.in_(list(roles)))
        )
        if staff_no is not None:
            query = query.where(t.users.c.staff_no == staff_no)
        return [_member(row) for row in self.conn.execute(query.order_by(t.users.c.staff_no))]

    def user_id(self, hall_id: int, staff_no: str) -> int | None:
        """The id of the account with ``staff_no`` (of any role), or None."""
        found = self.conn.execute(
            select(t.users.c.id).where(t.users.c.hall_id == hall_id, t.users.c.staff_no == staff_no)
        ).scalar()
        return None if found is None else int(found)

    def add(self, hall_id: int, staff_no: str, values: UserValues, created_at: datetime) -> int:
        """Open an account and return its id."""
        row = {"hall_id": hall_id, "staff_no": staff_no, "created_at": created_at, **values}
        return int(self.conn.execute(t.users.insert().returning(t.users.c.id), row).scalar_one())

    def update(self, user_id: int, values: UserValues) -> None:
        """Change an account."""
        self.conn.execute(update(t.users).where(t.users.c.id == user_id).values(**values))

    def pair(self, user_id: int, partner_id: int | None) -> None:
        """AB岗: the link is set (and cleared) on both sides; former partners of either are unpaired."""
        users = t.users
        ids = [user_id] + ([partner_id] if partner_id is not None else [])
        self.conn.execute(update(users).where(users.c.ab_partner_id.in_(ids)).values(ab_partner_id=None))
        self.conn.execute(update(users).where(users.c.id.in_(ids)).values(ab_partner_id=None))
        if partner_id is not None:
            self.conn.execute(update(users).where(users.c.id == user_id).values(ab_partner_id=partner_id))
            self.conn.execute(update(users).where(users.c.id == partner_id).values(ab_partner_id=user_id))

    def end_sessions(self, user_id: int) -> None:
        """Log the person out everywhere."""
        self.conn.execute(delete(t.sessions).where(t.sessions.c.user_id == user_id))


class SqlTokenStore:
    """Tokens and device reports on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def issue(
        self, book: TokenBook, *, hall_id: int, role: str, window_id: int | None, label: str, now: datetime
    ) -> tuple[str, int]:
        """Store a new token (hashed by ``book``); return it in the clear, once, with its id."""
        return book.create(self.conn, hall_id=hall_id, role=role, now=now, window_id=window_id, label=label)

    def _query(self) -> Any:
        tokens = t.api_tokens
        return select(tokens, t.windows.c.number.label("window_number")).outerjoin(
            t.windows, t.windows.c.id == tokens.c.window_id
        )

    def token(self, token_id: int, hall_id: int | None = None) -> TokenRow | None:
        """A token by id (of the hall, when given), or None."""
        query = self._query().where(t.api_tokens.c.id == token_id)
        if hall_id is not None:
            query = query.where(t.api_tokens.c.hall_id == hall_id)
        row = self.conn.execute(query).first()
        return None if row is None else _token(row)

    def tokens(self, hall_id: int) -> list[TokenRow]:
        """The hall's tokens, oldest first."""
        query = self._query().where(t.api_tokens.c.hall_id == hall_id).order_by(t.api_tokens.c.id)
        return [_token(row) for row in self.conn.execute(query)]

    def revoke(self, token_id: int, at: datetime) -> None:
        """Mark a token revoked at ``at``."""
        self.conn.execute(update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(revoked_at=at))

    def device_reports(self, hall_id: int) -> list[DeviceReport]:
        """The hall's devices' reports, oldest first."""
        devices = t.devices
        query = select(devices).where(devices.c.hall_id == hall_id).order_by(devices.c.last_seen_at)
        return [DeviceReport(r.device, r.state, r.detail, r.last_seen_at) for r in self.conn.execute(query)]


class SqlCatalogueStore:
    """The hall's catalogue on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _put(
        self,
        table: Any,
        keys: dict[str, Any],
        values: Mapping[str, Any],
        insert_only: dict[str, Any] | None = None,
    ) -> int:
        """Update the row found by ``keys`` or insert it; returns its id."""
        where = [table.c[k] == v for k, v in keys.items()]
        found = self.conn.execute(select(table.c.id).where(*where)).scalar()
        if found is not None:
            self.conn.execute(update(table).where(table.c.id == found).values(**values))
            return int(found)
        row = {**keys, **values, **(insert_only or {})}
        return int(self.conn.execute(table.insert().returning(table.c.id), row).scalar_one())

    def hall(self, hall_id: int) -> HallRow:
        """A hall (it exists: the caller was given its id)."""
        h = self.conn.execute(select(t.halls).where(t.halls.c.id == hall_id)).one()
        return HallRow(h.id, h.code, h.name, h.name_en, h.timezone, h.notice, dict(h.settings or {}))

    def zones(self, hall_id: int) -> list[Zone]:
        """The hall's zones, by id."""
        query = select(t.zones).where(t.zones.c.hall_id == hall_id).order_by(t.zones.c.id)
        return [Zone(z.id, z.code, z.name, z.name_en, z.floor) for z in self.conn.execute(query)]

    def departments(self, hall_id: int) -> list[Department]:
        """The hall's departments, by id."""
        query = select(t.departments).where(t.departments.c.hall_id == hall_id).order_by(t.departments.c.id)
        return [Department(d.id, d.code, d.name, d.name_en) for d in self.conn.execute(query)]

    def services(
        self, hall_id: int, *, code: str | None = None, active_only: bool = False
    ) -> list[ServiceRow]:
        """The hall's services (or the one with ``code``; active ones only if asked), by code."""
        query = (
            select(
                t.services,
                t.departments.c.code.label("department_code"),
                t.departments.c.name.label("department_name"),
            )
            .join(t.departments, t.departments.c.id == t.services.c.department_id)
            .where(t.services.c.hall_id == hall_id)
        )
        if code is not None:
            query = query.where(t.services.c.code == code)
        if active_only:
            query = query.where(t.services.c.active.is_(True))
        return [_service(row) for row in self.conn.execute(query.order_by(t.services.c.code))]

    def windows(self, hall_id: int) -> list[WindowRow]:
        """The hall's windows, by id."""
        query = select(t.windows).where(t.windows.c.hall_id == hall_id).order_by(t.windows.c.id)
        return [WindowRow(w.id, w.number, w.name, w.type, w.zone_id) for w in self.conn.execute(query)]

    def assignments(self, hall_id: int) -> list[Assignment]:
        """The hall's assignments, by preference then id."""
        a = t.assignments.c
        query = select(t.assignments).where(a.hall_id == hall_id).order_by(a.preference, a.id)
        return [
            Assignment(r.window_id, r.service_id, r.preference, r.weight) for r in self.conn.execute(query)
        ]

    def users(self, hall_id: int) -> list[UserRow]:
        """The hall's accounts, by id."""
        query = select(t.users).where(t.users.c.hall_id == hall_id).order_by(t.users.c.id)
        return [
            UserRow(u.id, u.staff_no, u.name, u.role, u.window_id, u.ab_partner_id)
            for u in self.conn.execute(query)
        ]

    def put_hall(self, code: str, values: HallValues, created_at: datetime) -> int:
        """Store a hall by code; returns its id."""
        return self._put(t.halls, {"code": code}, values, {"created_at": created_at})

    def put_zone(self, hall_id: int, code: str, name: str, name_en: str, floor: str) -> int:
        """Store a zone by code; returns its id."""
        values = {"name": name, "name_en": name_en, "floor": floor}
        return self._put(t.zones, {"hall_id": hall_id, "code": code}, values)

    def put_department(self, hall_id: int, code: str, name: str, name_en: str) -> int:
        """Store a department by code; returns its id."""
        return self._put(
            t.departments, {"hall_id": hall_id, "code": code}, {"name": name, "name_en": name_en}
        )

    def put_service(self, hall_id: int, code: str, values: ServiceValues) -> int:
        """Store a service by code; returns its id."""
        return self._put(t.services, {"hall_id": hall_id, "code": code}, values)

    def switch_off_services_except(self, hall_id: int, codes: Collection[str]) -> None:
        """Switch off the hall's services not in ``codes`` (nothing is deleted)."""
        s = t.services.c
        self.conn.execute(
            update(t.services)
            .where(s.hall_id == hall_id, s.code.not_in(list(codes) or [""]))
            .values(active=False)
        )

    def put_window(
        self, hall_id: int, number: str, name: str, type: str, zone_id: int | None, created_at: datetime
    ) -> int:
        """Store a window by number (a new one starts closed); returns its id."""
        values = {"name": name, "type": type, "zone_id": zone_id}
        new = {"status": "closed", "status_since": created_at}
        return self._put(t.windows, {"hall_id": hall_id, "number": number}, values, new)

    def replace_assignments(self, hall_id: int, window_id: int, services: list[Assignment]) -> None:
        """Set a window's list of services in one go."""
        rows = [
            {"service_id": a.service_id, "preference": a.preference, "weight": a.weight} for a in services
        ]
        Repository(self.conn).replace_assignments(hall_id, window_id, rows)

    def put_user(
        self, hall_id: int, staff_no: str, values: UserValues, created_at: datetime, password_hash: str | None
    ) -> int:
        """Store an account by staff number (the password hash only on a new one); returns its id."""
        new: dict[str, Any] = {"created_at": created_at}
        if password_hash is not None:
            new["password_hash"] = password_hash
        return self._put(t.users, {"hall_id": hall_id, "staff_no": staff_no}, values, new)

    def set_partner(self, user_id: int, partner_id: int) -> None:
        """Link an account to its AB岗 partner (one way; the file lists both)."""
        self.conn.execute(update(t.users).where(t.users.c.id == user_id).values(ab_partner_id=partner_id))

    def department_id(self, hall_id: int, code: str) -> int | None:
        """The id of the hall's department with ``code``, or None."""
        d = t.departments.c
        found = self.conn.execute(select(d.id).where(d.hall_id == hall_id, d.code == code)).scalar()
        return None if found is None else int(found)

    def prefix_user(self, hall_id: int, prefix: str, code: str, theme: str) -> ServiceRow | None:
        """An active service other than ``code``, of another theme, with this prefix (first by code)."""
        others = [s for s in self.services(hall_id, active_only=True) if s.prefix == prefix]
        return next((s for s in others if s.code != code and s.theme != theme), None)

    def open_tickets(self, hall_id: int, service_id: int, statuses: Collection[str]) -> int:
        """How many of the service's tickets are in these statuses."""
        k = t.tickets.c
        query = select(func.count()).where(
            k.hall_id == hall_id, k.service_id == service_id, k.status.in_(list(statuses))
        )
        return int(self.conn.execute(query).scalar_one())

    def walk_ins(self, hall_id: int, service_id: int, day: date) -> int:
        """How many walk-in tickets (not appointments) of the service were issued on ``day``."""
        k = t.tickets.c
        query = select(func.count()).where(
            k.hall_id == hall_id,
            k.service_id == service_id,
            k.business_day == day,
            k.appointment_at.is_(None),
        )
        return int(self.conn.execute(query).scalar_one())

    def raise_counter(self, hall_id: int, name: str, day: date, at_least: int) -> None:
        """Move a day's numbering counter up to ``at_least`` (never down)."""
        Repository(self.conn).raise_counter(hall_id, name, day, at_least)


def _service(row: Row[Any]) -> ServiceRow:
    return ServiceRow(
        id=row.id,
        hall_id=row.hall_id,
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        department_id=row.department_id,
        department_code=row.department_code,
        department_name=row.department_name,
        prefix=row.prefix,
        theme=row.theme,
        category=row.category,
        case_type=row.case_type,
        daily_cap=row.daily_cap,
        priority_allowed=bool(row.priority_allowed),
        weight=row.weight,
        avg_handle_seconds=row.avg_handle_seconds,
        keywords=list(row.keywords or []),
        guide=dict(row.guide or {}),
        active=bool(row.active),
        notice_ahead_at=row.notice_ahead_at,
    )
