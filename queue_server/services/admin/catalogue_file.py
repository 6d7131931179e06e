"""The catalogue file: a hall, its zones, departments, services with guides, windows and staff.

``hallq catalogue import/export`` and the demo seed use this one JSON format (see the demo hall in
``queue_server/seed/demo_hall.json``). Import is an upsert keyed by codes and numbers: run it
again after editing and the hall follows; nothing is deleted (services missing from the file are
deactivated, windows and staff stay).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from queue_server import contract as c
from queue_server.auth.passwords import hash_password
from queue_server.domain.hall import HallSettings
from queue_server.services.admin.catalogue_ports import Assignment, HallValues, ServiceRow, ServiceValues
from queue_server.services.admin.ports import UserValues
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
    notice_ahead_at: int | None = None


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
    store, now = uow.stores.catalogue_admin, uow.now
    extra = data.hall.model_extra or {}
    settings = {k: extra[k] for k in SETTING_KEYS if k in extra}
    HallSettings.from_dict(settings, data.hall.timezone)  # refuse a bad file before writing
    hall = data.hall
    hall_values = HallValues(
        name=hall.name, name_en=hall.name_en, timezone=hall.timezone, notice=hall.notice, settings=settings
    )
    hall_id = store.put_hall(hall.code, hall_values, now)
    step("hall", 1)
    zones = {z.code: store.put_zone(hall_id, z.code, z.name, z.name_en, z.floor) for z in data.zones}
    departments = {d.code: store.put_department(hall_id, d.code, d.name, d.name_en) for d in data.departments}
    step("departments", len(data.departments))
    services: dict[str, int] = {}
    for s in data.services:
        services[s.code] = store.put_service(hall_id, s.code, service_values(s, departments[s.department]))
        step("services", 1)
    store.switch_off_services_except(hall_id, list(services))
    windows: dict[str, int] = {}
    for w in data.windows:
        zone_id = zones.get(w.zone) if w.zone else None
        window_id = store.put_window(hall_id, w.number, w.name, w.type.value, zone_id, now)
        windows[w.number] = window_id
        listed = [Assignment(window_id, services[x.service], x.preference, x.weight) for x in w.services]
        store.replace_assignments(hall_id, window_id, listed)
        step("windows", 1)
    staff: dict[str, int] = {}
    for p in data.staff:
        values = UserValues(
            name=p.name, role=p.role.value, window_id=windows.get(p.window) if p.window else None, active=True
        )
        staff[p.staff_no] = store.put_user(hall_id, p.staff_no, values, now, hashes.get(p.staff_no))
        step("staff", 1)
    for p in data.staff:
        if p.ab_partner and p.ab_partner in staff:
            store.set_partner(staff[p.staff_no], staff[p.ab_partner])
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


def service_values(entry: ServiceEntry, department_id: int, active: bool = True) -> ServiceValues:
    """A service entry as its ``services`` row stores it (import and the manager's console)."""
    return ServiceValues(
        name=entry.name,
        name_en=entry.name_en,
        prefix=entry.prefix,
        theme=entry.theme,
        daily_cap=entry.daily_cap,
        priority_allowed=entry.priority_allowed,
        weight=entry.weight,
        keywords=list(entry.keywords),
        category=entry.category.value,
        case_type=entry.case_type.value,
        department_id=department_id,
        avg_handle_seconds=round(entry.avg_handle_minutes * 60),
        guide=entry.guide.model_dump(mode="json"),
        active=active,
        notice_ahead_at=entry.notice_ahead_at,
    )


def service_entry(row: ServiceRow, department_code: str) -> ServiceEntry:
    """A ``services`` row as a catalogue-file entry (export and the manager's console)."""
    return ServiceEntry(
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        department=department_code,
        prefix=row.prefix,
        theme=row.theme,
        category=c.ServiceCategory(row.category),
        case_type=c.CaseType(row.case_type),
        daily_cap=row.daily_cap,
        priority_allowed=row.priority_allowed,
        weight=row.weight,
        avg_handle_minutes=row.avg_handle_seconds / 60,
        keywords=row.keywords or [],
        guide=c.Guide.model_validate(row.guide or {}),
        notice_ahead_at=row.notice_ahead_at,
    )


def export_catalogue(uow: UnitOfWork, hall_id: int) -> CatalogueFile:
    """The hall as a catalogue file (no passwords)."""
    store = uow.stores.catalogue_admin
    hall = store.hall(hall_id)
    zones = {r.id: r for r in store.zones(hall_id)}
    departments = {r.id: r for r in store.departments(hall_id)}
    service_rows = store.services(hall_id, active_only=True)
    service_codes = {r.id: r.code for r in service_rows}
    window_rows = store.windows(hall_id)
    window_numbers = {r.id: r.number for r in window_rows}
    rules: dict[int, list[Assignment]] = {}
    for r in store.assignments(hall_id):
        rules.setdefault(r.window_id, []).append(r)
    users = store.users(hall_id)
    staff_nos = {u.id: u.staff_no for u in users}
    return CatalogueFile(
        hall=HallEntry(
            code=hall.code,
            name=hall.name,
            name_en=hall.name_en,
            timezone=hall.timezone,
            notice=hall.notice,
            **hall.settings,
        ),
        zones=[ZoneEntry(code=z.code, name=z.name, name_en=z.name_en, floor=z.floor) for z in zones.values()],
        departments=[
            DepartmentEntry(code=d.code, name=d.name, name_en=d.name_en) for d in departments.values()
        ],
        services=[service_entry(s, s.department_code) for s in service_rows],
        windows=[
            WindowEntry(
                number=w.number,
                name=w.name,
                type=c.WindowType(w.type),
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
                role=c.Role(u.role),
                window=window_numbers.get(u.window_id) if u.window_id else None,
                ab_partner=staff_nos.get(u.ab_partner_id) if u.ab_partner_id else None,
            )
            for u in users
        ],
    )
