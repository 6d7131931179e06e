"""An in-memory store of the catalogue's port (the hall, zones, departments, services, windows, staff)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from queue_server.domain.hall import AssignmentRule, HallCatalogue, HallSettings, ServiceItem, WindowItem
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
from queue_server.services.admin.ports import UserValues


@dataclass
class Ticket:
    """What the catalogue's checks count of a ticket."""

    hall_id: int
    service_id: int
    status: str
    business_day: date
    appointment: bool = False


class FakeCatalogueStore:
    """Rows in dictionaries keyed by id; ``put_*`` finds by the same keys as the SQL store."""

    def __init__(self) -> None:
        self.halls: dict[int, HallRow] = {}
        self.zone_rows: dict[int, tuple[int, Zone]] = {}
        self.department_rows: dict[int, tuple[int, Department]] = {}
        self.service_rows: dict[int, ServiceRow] = {}
        self.window_rows: dict[int, tuple[int, WindowRow]] = {}
        self.assignment_rows: dict[int, list[Assignment]] = {}
        self.user_rows: dict[int, tuple[int, UserRow, str | None]] = {}
        self.tickets: list[Ticket] = []
        self.counters: dict[tuple[int, str, date], int] = {}
        self._ids = 0

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def hall(self, hall_id: int) -> HallRow:
        return self.halls[hall_id]

    def zones(self, hall_id: int) -> list[Zone]:
        return [z for _, (h, z) in sorted(self.zone_rows.items()) if h == hall_id]

    def departments(self, hall_id: int) -> list[Department]:
        return [d for _, (h, d) in sorted(self.department_rows.items()) if h == hall_id]

    def services(
        self, hall_id: int, *, code: str | None = None, active_only: bool = False
    ) -> list[ServiceRow]:
        found = [
            s
            for s in self.service_rows.values()
            if s.hall_id == hall_id and code in (None, s.code) and (s.active or not active_only)
        ]
        return sorted(found, key=lambda s: s.code)

    def windows(self, hall_id: int) -> list[WindowRow]:
        return [w for _, (h, w) in sorted(self.window_rows.items()) if h == hall_id]

    def assignments(self, hall_id: int) -> list[Assignment]:
        mine = {w.id for w in self.windows(hall_id)}
        found = [a for window_id, rows in self.assignment_rows.items() if window_id in mine for a in rows]
        return sorted(found, key=lambda a: a.preference)

    def users(self, hall_id: int) -> list[UserRow]:
        return [u for _, (h, u, _) in sorted(self.user_rows.items()) if h == hall_id]

    def put_hall(self, code: str, values: HallValues, created_at: datetime) -> int:
        hall_id = next((h.id for h in self.halls.values() if h.code == code), None) or self._id()
        self.halls[hall_id] = HallRow(id=hall_id, code=code, **values)
        return hall_id

    def put_zone(self, hall_id: int, code: str, name: str, name_en: str, floor: str) -> int:
        zone_id = next((z.id for z in self.zones(hall_id) if z.code == code), None) or self._id()
        self.zone_rows[zone_id] = (hall_id, Zone(zone_id, code, name, name_en, floor))
        return zone_id

    def put_department(self, hall_id: int, code: str, name: str, name_en: str) -> int:
        found = next((d.id for d in self.departments(hall_id) if d.code == code), None)
        department_id = found or self._id()
        self.department_rows[department_id] = (hall_id, Department(department_id, code, name, name_en))
        return department_id

    def put_service(self, hall_id: int, code: str, values: ServiceValues) -> int:
        found = self.services(hall_id, code=code)
        service_id = found[0].id if found else self._id()
        department = self.department_rows[values["department_id"]][1]
        self.service_rows[service_id] = ServiceRow(
            id=service_id,
            hall_id=hall_id,
            code=code,
            department_code=department.code,
            department_name=department.name,
            **values,
        )
        return service_id

    def switch_off_services_except(self, hall_id: int, codes: Collection[str]) -> None:
        for s in self.services(hall_id):
            if s.code not in codes:
                self.service_rows[s.id] = replace(s, active=False)

    def put_window(
        self, hall_id: int, number: str, name: str, type: str, zone_id: int | None, created_at: datetime
    ) -> int:
        window_id = next((w.id for w in self.windows(hall_id) if w.number == number), None) or self._id()
        self.window_rows[window_id] = (hall_id, WindowRow(window_id, number, name, type, zone_id))
        return window_id

    def replace_assignments(self, hall_id: int, window_id: int, services: list[Assignment]) -> None:
        self.assignment_rows[window_id] = list(services)

    def put_user(
        self, hall_id: int, staff_no: str, values: UserValues, created_at: datetime, password_hash: str | None
    ) -> int:
        found = next((u for u in self.users(hall_id) if u.staff_no == staff_no), None)
        user_id = found.id if found else self._id()
        kept = self.user_rows[user_id][2] if found else password_hash
        row = UserRow(
            user_id,
            staff_no,
            values.get("name", ""),
            values.get("role", ""),
            values.get("window_id"),
            found.ab_partner_id if found else None,
        )
        self.user_rows[user_id] = (hall_id, row, kept)
        return user_id

    def set_partner(self, user_id: int, partner_id: int) -> None:
        hall_id, row, password = self.user_rows[user_id]
        self.user_rows[user_id] = (hall_id, replace(row, ab_partner_id=partner_id), password)

    def department_id(self, hall_id: int, code: str) -> int | None:
        return next((d.id for d in self.departments(hall_id) if d.code == code), None)

    def prefix_user(self, hall_id: int, prefix: str, code: str, theme: str) -> ServiceRow | None:
        return next(
            (
                s
                for s in self.services(hall_id, active_only=True)
                if s.prefix == prefix and s.code != code and s.theme != theme
            ),
            None,
        )

    def open_tickets(self, hall_id: int, service_id: int, statuses: Collection[str]) -> int:
        return sum(
            1
            for k in self.tickets
            if (k.hall_id, k.service_id) == (hall_id, service_id) and k.status in statuses
        )

    def walk_ins(self, hall_id: int, service_id: int, day: date) -> int:
        return sum(
            1
            for k in self.tickets
            if (k.hall_id, k.service_id, k.business_day) == (hall_id, service_id, day) and not k.appointment
        )

    def raise_counter(self, hall_id: int, name: str, day: date, at_least: int) -> None:
        key = (hall_id, name, day)
        self.counters[key] = max(self.counters.get(key, 0), at_least)

    def loaded(self, hall_id: int, version: int) -> HallCatalogue:
        """The hall's catalogue as the server loads it (active services, windows with their lists)."""
        hall = self.hall(hall_id)
        zones = {z.id: z.code for z in self.zones(hall_id)}
        rules: dict[int, list[AssignmentRule]] = {}
        for a in self.assignments(hall_id):
            rules.setdefault(a.window_id, []).append(AssignmentRule(a.service_id, a.preference, a.weight))
        settings: dict[str, Any] = hall.settings
        return HallCatalogue(
            id=hall.id,
            code=hall.code,
            name=hall.name,
            name_en=hall.name_en,
            timezone=hall.timezone,
            notice=hall.notice,
            version=version,
            settings=HallSettings.from_dict(settings, hall.timezone),
            services={
                s.id: ServiceItem(
                    s.id,
                    s.code,
                    s.name,
                    s.prefix,
                    s.department_id,
                    s.daily_cap,
                    s.priority_allowed,
                    s.avg_handle_seconds,
                    notice_ahead_at=s.notice_ahead_at,
                    name_en=s.name_en,
                )
                for s in self.services(hall_id, active_only=True)
            },
            windows={
                w.id: WindowItem(
                    w.id, w.number, w.name, w.type, zones.get(w.zone_id or 0), tuple(rules.get(w.id, ()))
                )
                for w in self.windows(hall_id)
            },
        )
