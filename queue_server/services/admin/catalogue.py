"""The manager edits the service catalogue live: services, their guides, prefixes, caps, on/off.

A change is checked (bilingual errors with stable codes), stored through the catalogue file's own
mapping (``catalogue_file.service_values``), audited with before and after, recorded as an event,
and the hall's catalogue version is bumped so issuing, estimates and boards follow at once in
every server process.
"""

from __future__ import annotations

import re

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.hall import WindowItem
from queue_server.domain.numbering import business_day
from queue_server.services.admin.catalogue_file import ServiceEntry, service_entry, service_values
from queue_server.services.admin.catalogue_ports import ServiceRow, ServiceValues
from queue_server.services.live import hall_topics
from queue_server.services.unit_of_work import UnitOfWork

CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
PREFIX = re.compile(r"^[A-Z]{1,2}$")
OPEN_STATUSES = ("waiting", "called", "serving", "parked", "no_show")
# (field, low, high) for the numbers a form could get wrong
BOUNDS = (("weight", 0.1, 100), ("avg_handle_minutes", 0.5, 480))


def list_services(uow: UnitOfWork, actor: Actor) -> list[c.ServiceAdmin]:
    """Every service of the hall, switched off ones included, by code."""
    actor.require(Permission.MANAGE_HALL)
    serving = _serving(uow, actor.hall_id)
    return [_admin(uow, actor.hall_id, row, serving) for row in _rows(uow, actor.hall_id)]


def read_service(uow: UnitOfWork, actor: Actor, code: str) -> c.ServiceAdmin:
    """One service as the manager edits it."""
    actor.require(Permission.MANAGE_HALL)
    return _admin(uow, actor.hall_id, _row(uow, actor.hall_id, code))


def list_departments(uow: UnitOfWork, actor: Actor) -> list[c.DepartmentPublic]:
    """The hall's departments (实施主体), for the service form."""
    actor.require(Permission.MANAGE_HALL)
    departments = sorted(uow.stores.catalogue_admin.departments(actor.hall_id), key=lambda d: d.code)
    return [c.DepartmentPublic(code=r.code, name=r.name, name_en=r.name_en) for r in departments]


def create_service(uow: UnitOfWork, actor: Actor, body: c.ServiceCreate) -> c.ServiceAdmin:
    """Add a service item; it can be issued at once (once a window serves it)."""
    actor.require(Permission.MANAGE_HALL)
    if not CODE.match(body.code):
        raise Rejected("catalogue.code_invalid", code=body.code)
    if _find(uow, actor.hall_id, body.code) is not None:
        raise Rejected("catalogue.code_exists", code=body.code)
    fields = _normalised(body)
    values = _checked(uow, actor.hall_id, body.code, fields)
    service_id = uow.stores.catalogue_admin.put_service(actor.hall_id, body.code, values)
    after = _admin(uow, actor.hall_id, _row(uow, actor.hall_id, body.code))
    _changed(uow, actor, int(service_id), None, after)
    return after


def update_service(uow: UnitOfWork, actor: Actor, code: str, patch: c.ServicePatch) -> c.ServiceAdmin:
    """Change the fields given; the next ticket already uses the new prefix, cap and guide."""
    actor.require(Permission.MANAGE_HALL)
    row = _row(uow, actor.hall_id, code)
    before = _admin(uow, actor.hall_id, row)
    wanted = {
        k: v
        for k, v in patch.model_dump(exclude_unset=True).items()
        if v is not None or k in ("daily_cap", "notice_ahead_at")  # null: no cap, the hall's N
    }
    merged = before.model_dump(include=set(c.ServiceFields.model_fields)) | wanted
    fields = _normalised(c.ServiceFields.model_validate(merged))
    values = _checked(uow, actor.hall_id, code, fields)
    if row.active and not fields.active:
        _check_idle(uow, actor.hall_id, row)
    uow.stores.catalogue_admin.put_service(actor.hall_id, code, values)
    if fields.daily_cap is not None and row.daily_cap is None:
        _count_todays_tickets(uow, actor.hall_id, row)
    after = _admin(uow, actor.hall_id, _row(uow, actor.hall_id, code))
    if after != before:
        _changed(uow, actor, int(row.id), before, after)
    return after


# ---------------------------------------------------------------- checks


def _normalised(fields: c.ServiceFields) -> c.ServiceFields:
    """Trim what people type; upper-case the prefix; drop empty and repeated keywords."""
    keywords = list(dict.fromkeys(k.strip() for k in fields.keywords if k.strip()))
    return c.ServiceFields.model_validate(
        fields.model_dump(include=set(c.ServiceFields.model_fields))
        | {
            "name": fields.name.strip(),
            "name_en": fields.name_en.strip(),
            "prefix": fields.prefix.strip().upper(),
            "theme": fields.theme.strip(),
            "department": fields.department.strip(),
            "keywords": keywords,
        }
    )


def _checked(uow: UnitOfWork, hall_id: int, code: str, fields: c.ServiceFields) -> ServiceValues:
    """Check a service's fields against the hall's rules; returns the row's values."""
    if not fields.name:
        raise Rejected("catalogue.name_required")
    if not PREFIX.match(fields.prefix):
        raise Rejected("catalogue.prefix_invalid", prefix=fields.prefix)
    if fields.daily_cap is not None and fields.daily_cap < 1:
        raise Rejected("catalogue.cap_invalid", cap=fields.daily_cap)
    for name, low, high in BOUNDS:
        value = getattr(fields, name)
        if not low <= value <= high:
            raise Rejected("catalogue.number_invalid", field=name, low=low, high=high, value=value)
    _check_guide(fields.guide)
    department_id = uow.stores.catalogue_admin.department_id(hall_id, fields.department)
    if department_id is None:
        raise Rejected("catalogue.department_unknown", code=fields.department)
    if fields.active:
        _check_prefix(uow, hall_id, code, fields)
    entry = ServiceEntry.model_validate({**fields.model_dump(exclude={"active"}), "code": code})
    return service_values(entry, department_id, active=fields.active)


def _check_guide(guide: c.Guide) -> None:
    """A checklist item needs a name and sane counts; the promise is never longer than the law."""
    for index, material in enumerate(guide.materials, start=1):
        if not material.name.strip() or material.originals < 0 or material.copies < 0:
            raise Rejected("catalogue.material_invalid", index=index)
    for name in ("legal_limit_days", "promised_limit_days", "visits_needed"):
        value = getattr(guide, name)
        if not 0 <= value <= 3650:
            raise Rejected("catalogue.number_invalid", field=name, low=0, high=3650, value=value)
    legal, promised = guide.legal_limit_days, guide.promised_limit_days
    if legal and promised > legal:
        raise Rejected(
            "catalogue.number_invalid", field="promised_limit_days", low=0, high=legal, value=promised
        )


def _check_prefix(uow: UnitOfWork, hall_id: int, code: str, fields: c.ServiceFields) -> None:
    """Services share a prefix (one number sequence) only within one theme, i.e. one queue area."""
    other = uow.stores.catalogue_admin.prefix_user(hall_id, fields.prefix, code, fields.theme)
    if other is not None:
        raise Rejected(
            "catalogue.prefix_clash",
            prefix=fields.prefix,
            other=f"{other.code} {other.name}",
            theme=other.theme,
        )


def _check_idle(uow: UnitOfWork, hall_id: int, row: ServiceRow) -> None:
    """A service is switched off only when no ticket of it is still open (they would be orphaned)."""
    count = uow.stores.catalogue_admin.open_tickets(hall_id, row.id, OPEN_STATUSES)
    if count:
        raise Rejected("catalogue.in_use", name=row.name, count=count)


def _count_todays_tickets(uow: UnitOfWork, hall_id: int, row: ServiceRow) -> None:
    """Issuing counts a service's tickets only while it has a cap: a cap set mid-day first counts
    the walk-in tickets already issued today, so it holds at once."""
    day = business_day(uow.now, uow.catalogue(hall_id).timezone)
    issued = uow.stores.catalogue_admin.walk_ins(hall_id, row.id, day)
    uow.stores.catalogue_admin.raise_counter(hall_id, f"service:{row.code}", day, issued)


# ---------------------------------------------------------------- rows and records


def _find(uow: UnitOfWork, hall_id: int, code: str) -> ServiceRow | None:
    return next(iter(uow.stores.catalogue_admin.services(hall_id, code=code)), None)


def _row(uow: UnitOfWork, hall_id: int, code: str) -> ServiceRow:
    row = _find(uow, hall_id, code)
    if row is None:
        raise NotFound("service.not_found", code=code)
    return row


def _rows(uow: UnitOfWork, hall_id: int) -> list[ServiceRow]:
    return uow.stores.catalogue_admin.services(hall_id)


def _serving(uow: UnitOfWork, hall_id: int) -> dict[int, list[WindowItem]]:
    """For each service id, the windows that list it (any season), in the hall's window order."""
    out: dict[int, list[WindowItem]] = {}
    for window in sorted(uow.catalogue(hall_id).windows.values(), key=lambda w: w.id):
        for service_id in dict.fromkeys(r.service_id for r in window.rules):
            out.setdefault(service_id, []).append(window)
    return out


def _admin(
    uow: UnitOfWork, hall_id: int, row: ServiceRow, serving: dict[int, list[WindowItem]] | None = None
) -> c.ServiceAdmin:
    """A row with its guide, department and the windows (and their zones) that list it."""
    entry = service_entry(row, row.department_code)
    windows = (serving if serving is not None else _serving(uow, hall_id)).get(row.id, [])
    return c.ServiceAdmin(
        **entry.model_dump(include=set(c.ServiceFields.model_fields)),
        code=row.code,
        active=row.active,
        department_name=row.department_name,
        windows=[w.number for w in windows],
        zones=sorted({w.zone for w in windows if w.zone}),
    )


def _changed(
    uow: UnitOfWork, actor: Actor, service_id: int, before: c.ServiceAdmin | None, after: c.ServiceAdmin
) -> None:
    """Make the change live everywhere and leave its trace: audit (before/after), event, live news."""
    catalogue = uow.refresh_catalogue(actor.hall_id)
    old = before.model_dump(mode="json") if before else {}
    new = after.model_dump(mode="json")
    changed = sorted(k for k in new if old.get(k) != new[k]) if before else []
    action = "service.update" if before else "service.create"
    detail = {"before": old or None, "after": new, "changed": changed}
    uow.audit(actor, action, f"service:{after.code}", detail)
    uow.record(actor, "service.changed", service_id=service_id, data={"code": after.code, "changed": changed})
    uow.emit(
        actor.hall_id,
        "catalogue.changed",
        hall_topics(catalogue),
        {"service_code": after.code, "active": after.active, "changed": changed},
    )
