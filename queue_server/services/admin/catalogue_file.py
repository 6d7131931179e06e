"""The catalogue file: a hall, its zones, departments, services with guides, windows and staff.

``hallq catalogue import/export`` and the demo seed use this one JSON format (see the demo hall in
``queue_server/seed/demo_hall.json``). Import is an upsert keyed by codes and numbers: run it
again after editing and the hall follows; nothing is deleted (services missing from the file are
deactivated, windows and staff stay).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.auth.passwords import hash_password
from queue_server.domain.hall import HallSettings
from queue_server.services.unit_of_work import UnitOfWork

SETTING_KEYS = (
    "hours",
    "extended_hours",
    "cutoff_minutes",
    "always_open",
    "number_width",
    "policy",
    "recall_limit",
    "transfer_keeps_place",
    "requeue_places_back",
    "real_name_required",
    "person_daily_limit",
    "print_failure",
    "alerts",
    "voice",
    "appointment_late_minutes",
)


class _File(BaseModel):
    model_config = ConfigDict(extra="allow")


class HallEntry(_File):
    """The hall and its settings."""

    code: str
    name: str
    name_en: str = ""
    timezone: str = "Asia/Shanghai"
    notice: str = ""


class ZoneEntry(_File):
    """A zone/floor of the hall."""

    code: str
    name: str
    name_en: str = ""
    floor: str = ""


class DepartmentEntry(_File):
    """A department (实施主体)."""

    code: str
    name: str
    name_en: str = ""


class ServiceEntry(_File):
    """A service item with its guide."""

    code: str
    name: str
    name_en: str = ""
    department: str
    prefix: str
    theme: str = ""
    category: c.ServiceCategory
    case_type: c.CaseType
    daily_cap: int | None = None
    priority_allowed: bool = True
    weight: float = 1.0
    avg_handle_minutes: float = 10
    keywords: list[str] = []
    guide: c.Guide = c.Guide()


class WindowService(_File):
    """A service on a window's list."""

    service: str
    preference: int = 1
    weight: float = 1.0


class WindowEntry(_File):
    """A window."""

    number: str
    name: str
    type: c.WindowType
    zone: str | None = None
    services: list[WindowService] = []


class StaffEntry(_File):
    """A member of staff."""

    staff_no: str
    name: str
    role: c.Role
    window: str | None = None
    ab_partner: str | None = None
    password: str | None = None


class CatalogueFile(_File):
    """The whole file."""

    hall: HallEntry
    zones: list[ZoneEntry] = []
    departments: list[DepartmentEntry] = []
    services: list[ServiceEntry] = []
    windows: list[WindowEntry] = []
    staff: list[StaffEntry] = []


Progress = Callable[[str, int], None]
# Columns a service entry stores as they are (the others are converted in ``service_values``).
SERVICE_COLUMNS = {
    "name",
    "name_en",
    "prefix",
    "theme",
    "daily_cap",
    "priority_allowed",
    "weight",
    "keywords",
}


def import_catalogue(
    uow: UnitOfWork,
    data: CatalogueFile,
    progress: Progress | None = None,
    default_password: str | None = None,
    hashes: Mapping[str, str] | None = None,
) -> int:
    """Create or update a hall from a catalogue file; returns the hall id.

    ``hashes`` are the staff passwords hashed beforehand (``hash_staff_passwords``), as a server
    does so that the writer's transaction only stores them; without them they are hashed here,
    which only a command-line tool or a test setting up a database should do.
    """
    step = progress or (lambda _label, _n: None)
    if hashes is None:
        hashes = hash_staff_passwords(data, default_password)
    conn, now = uow.repo.conn, uow.now
    extra = data.hall.model_extra or {}
    settings = {k: extra[k] for k in SETTING_KEYS if k in extra}
    HallSettings.from_dict(settings, data.hall.timezone)  # refuse a bad file before writing
    hall_values = {
        **data.hall.model_dump(include={"code", "name", "name_en", "timezone", "notice"}),
        "settings": settings,
    }
    hall_id = _upsert(conn, t.halls, {"code": data.hall.code}, hall_values, {"created_at": now})
    step("hall", 1)
    zones = {
        z.code: _upsert(
            conn,
            t.zones,
            {"hall_id": hall_id, "code": z.code},
            z.model_dump(include={"name", "name_en", "floor"}),
        )
        for z in data.zones
    }
    departments = {
        d.code: _upsert(
            conn,
            t.departments,
            {"hall_id": hall_id, "code": d.code},
            d.model_dump(include={"name", "name_en"}),
        )
        for d in data.departments
    }
    step("departments", len(data.departments))
    services: dict[str, int] = {}
    for s in data.services:
        values: dict[str, Any] = service_values(s, departments[s.department])
        services[s.code] = _upsert(conn, t.services, {"hall_id": hall_id, "code": s.code}, values)
        step("services", 1)
    conn.execute(
        update(t.services)
        .where(t.services.c.hall_id == hall_id, t.services.c.code.not_in(list(services) or [""]))
        .values(active=False)
    )
    windows: dict[str, int] = {}
    for w in data.windows:
        values = {"name": w.name, "type": w.type.value, "zone_id": zones.get(w.zone) if w.zone else None}
        windows[w.number] = _upsert(
            conn,
            t.windows,
            {"hall_id": hall_id, "number": w.number},
            values,
            {"status": "closed", "status_since": now},
        )
        uow.repo.replace_assignments(
            hall_id,
            windows[w.number],
            [
                {"service_id": services[x.service], "preference": x.preference, "weight": x.weight}
                for x in w.services
            ],
        )
        step("windows", 1)
    staff: dict[str, int] = {}
    for p in data.staff:
        values = {
            "name": p.name,
            "role": p.role.value,
            "window_id": windows.get(p.window) if p.window else None,
            "active": True,
        }
        insert_only: dict[str, Any] = {"created_at": now}
        if p.staff_no in hashes:
            insert_only["password_hash"] = hashes[p.staff_no]
        staff[p.staff_no] = _upsert(
            conn, t.users, {"hall_id": hall_id, "staff_no": p.staff_no}, values, insert_only
        )
        step("staff", 1)
    for p in data.staff:
        if p.ab_partner and p.ab_partner in staff:
            conn.execute(
                update(t.users)
                .where(t.users.c.id == staff[p.staff_no])
                .values(ab_partner_id=staff[p.ab_partner])
            )
    uow.refresh_catalogue(hall_id)
    return hall_id


def hash_staff_passwords(data: CatalogueFile, default_password: str | None = None) -> dict[str, str]:
    """Each staff entry's password (or the default) hashed, by staff number: argon2 is slow by
    design, so this runs before the import's transaction, never inside it."""
    return {
        p.staff_no: hash_password(password)
        for p in data.staff
        if (password := p.password or default_password)
    }


def service_values(entry: ServiceEntry, department_id: int, active: bool = True) -> dict[str, Any]:
    """A service entry as its ``services`` row stores it (import and the manager's console)."""
    return {
        **entry.model_dump(include=SERVICE_COLUMNS),
        "category": entry.category.value,
        "case_type": entry.case_type.value,
        "department_id": department_id,
        "avg_handle_seconds": round(entry.avg_handle_minutes * 60),
        "guide": entry.guide.model_dump(mode="json"),
        "active": active,
    }


def service_entry(row: Any, department_code: str) -> ServiceEntry:
    """A ``services`` row as a catalogue-file entry (export and the manager's console)."""
    return ServiceEntry(
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        department=department_code,
        prefix=row.prefix,
        theme=row.theme,
        category=row.category,
        case_type=row.case_type,
        daily_cap=row.daily_cap,
        priority_allowed=row.priority_allowed,
        weight=row.weight,
        avg_handle_minutes=row.avg_handle_seconds / 60,
        keywords=row.keywords or [],
        guide=c.Guide.model_validate(row.guide or {}),
    )


def _upsert(
    conn: Any,
    table: Any,
    keys: dict[str, Any],
    values: dict[str, Any],
    insert_only: dict[str, Any] | None = None,
) -> int:
    """Update the row found by ``keys`` or insert it; returns its id."""
    where = [table.c[k] == v for k, v in keys.items()]
    found = conn.execute(select(table.c.id).where(*where)).scalar()
    if found is not None:
        conn.execute(update(table).where(table.c.id == found).values(**values))
        return int(found)
    return int(
        conn.execute(
            table.insert().returning(table.c.id), {**keys, **values, **(insert_only or {})}
        ).scalar_one()
    )


def export_catalogue(uow: UnitOfWork, hall_id: int) -> CatalogueFile:
    """The hall as a catalogue file (no passwords)."""
    conn = uow.repo.conn
    hall = conn.execute(select(t.halls).where(t.halls.c.id == hall_id)).one()
    zones = {r.id: r for r in conn.execute(select(t.zones).where(t.zones.c.hall_id == hall_id))}
    departments = {
        r.id: r for r in conn.execute(select(t.departments).where(t.departments.c.hall_id == hall_id))
    }
    service_rows = list(
        conn.execute(
            select(t.services)
            .where(t.services.c.hall_id == hall_id, t.services.c.active.is_(True))
            .order_by(t.services.c.code)
        )
    )
    service_codes = {r.id: r.code for r in service_rows}
    window_rows = list(
        conn.execute(select(t.windows).where(t.windows.c.hall_id == hall_id).order_by(t.windows.c.id))
    )
    window_numbers = {r.id: r.number for r in window_rows}
    rules: dict[int, list[Any]] = {}
    for r in conn.execute(
        select(t.assignments)
        .where(t.assignments.c.hall_id == hall_id)
        .order_by(t.assignments.c.preference, t.assignments.c.id)
    ):
        rules.setdefault(r.window_id, []).append(r)
    users = list(conn.execute(select(t.users).where(t.users.c.hall_id == hall_id).order_by(t.users.c.id)))
    staff_nos = {u.id: u.staff_no for u in users}
    return CatalogueFile(
        hall=HallEntry(
            code=hall.code,
            name=hall.name,
            name_en=hall.name_en,
            timezone=hall.timezone,
            notice=hall.notice,
            **(hall.settings or {}),
        ),
        zones=[ZoneEntry(code=z.code, name=z.name, name_en=z.name_en, floor=z.floor) for z in zones.values()],
        departments=[
            DepartmentEntry(code=d.code, name=d.name, name_en=d.name_en) for d in departments.values()
        ],
        services=[service_entry(s, departments[s.department_id].code) for s in service_rows],
        windows=[
            WindowEntry(
                number=w.number,
                name=w.name,
                type=w.type,
                zone=zones[w.zone_id].code if w.zone_id else None,
                services=[
                    WindowService(
                        service=service_codes[r.service_id], preference=r.preference, weight=r.weight
                    )
                    for r in rules.get(w.id, [])
                    if r.service_id in service_codes
                ],
            )
            for w in window_rows
        ],
        staff=[
            StaffEntry(
                staff_no=u.staff_no,
                name=u.name,
                role=u.role,
                window=window_numbers.get(u.window_id),
                ab_partner=staff_nos.get(u.ab_partner_id),
            )
            for u in users
        ],
    )
