"""Work profiles (工作模板): named service sets applied to many windows in one step, audited and live.

A 223-window hall reallocates by profile ("综合受理-上午" → "综合受理-下午"), not cell by cell: applying
replaces each chosen window's assignments with the profile's services in its order, reloads the
catalogue once for all of them, writes one audit entry per window (before and after) and tells the
board, the consoles and every server process at once.
"""

from __future__ import annotations

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.allocation import coverage_after
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.hall import AssignmentRule
from queue_server.services.desk.assignments import read_assignments
from queue_server.services.desk.ports import WorkProfile
from queue_server.services.unit_of_work import UnitOfWork


def _public(row: WorkProfile) -> c.WorkProfile:
    return c.WorkProfile(
        id=row.id,
        name=row.name,
        services=list(row.services),
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _row(uow: UnitOfWork, actor: Actor, profile_id: int) -> WorkProfile:
    row = uow.stores.profiles.get(profile_id)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("profile.not_found")
    return row


def list_profiles(uow: UnitOfWork, actor: Actor) -> list[c.WorkProfile]:
    """The hall's work profiles by name."""
    actor.require(Permission.READ_HALL)
    return [_public(r) for r in uow.stores.profiles.of_hall(actor.hall_id)]


def _checked(
    uow: UnitOfWork, actor: Actor, body: c.WorkProfileIn, profile_id: int | None
) -> tuple[str, list[str]]:
    """The profile's name and service codes, once the hall has the codes and no other profile the name."""
    catalogue = uow.catalogue(actor.hall_id)
    codes = list(dict.fromkeys(code.strip() for code in body.services))
    for code in codes:
        catalogue.service(code)  # service.not_found for a code the hall does not have
    name = body.name.strip()
    if uow.stores.profiles.name_taken(actor.hall_id, name, profile_id):
        raise Rejected("profile.name_taken", name=name)
    return name, codes


def save_profile(
    uow: UnitOfWork, actor: Actor, body: c.WorkProfileIn, profile_id: int | None = None
) -> c.WorkProfile:
    """Create a profile, or change one (audited with before and after)."""
    actor.require(Permission.MANAGE_HALL)
    name, codes = _checked(uow, actor, body, profile_id)
    before = None
    if profile_id is None:
        profile_id = uow.stores.profiles.add(actor.hall_id, name, codes, uow.now, actor.label)
    else:
        before = _public(_row(uow, actor, profile_id)).model_dump(mode="json", include={"name", "services"})
        uow.stores.profiles.change(profile_id, name, codes, uow.now, actor.label)
    after = _public(_row(uow, actor, profile_id))
    detail = {"before": before, "after": after.model_dump(mode="json", include={"name", "services"})}
    uow.audit(actor, "profile.save", f"profile:{after.name}", detail)
    return after


def delete_profile(uow: UnitOfWork, actor: Actor, profile_id: int) -> None:
    """Drop a profile (windows keep what it gave them)."""
    actor.require(Permission.MANAGE_HALL)
    row = _row(uow, actor, profile_id)
    uow.stores.profiles.remove(profile_id)
    detail = {"before": {"name": row.name, "services": list(row.services)}, "after": None}
    uow.audit(actor, "profile.delete", f"profile:{row.name}", detail)


def preview(uow: UnitOfWork, actor: Actor, profile_id: int, body: c.ApplyProfile) -> c.ProfilePreview:
    """Services the change would leave without any open window (newly, and those already so)."""
    actor.require(Permission.MANAGE_HALL)
    row = _row(uow, actor, profile_id)
    catalogue = uow.catalogue(actor.hall_id)
    numbers = [catalogue.window(n).number for n in dict.fromkeys(body.windows)]
    serving = {
        w.number: [a.service for a in catalogue.assignments_now(w, uow.now)]
        for w in catalogue.windows.values()
    }
    opened = [
        catalogue.windows[r.id].number for r in uow.stores.windows.rows(actor.hall_id) if r.status == "open"
    ]
    codes = [s.code for s in sorted(catalogue.services.values(), key=lambda s: s.code)]
    found = coverage_after(serving, opened, {n: list(row.services) for n in numbers}, codes)
    waiting = _waiting_by_code(uow, actor.hall_id)

    def refs(items: tuple[str, ...]) -> list[c.ServiceRef]:
        return [
            c.ServiceRef(code=code, name=catalogue.by_code[code].name, waiting=waiting.get(code, 0))
            for code in items
        ]

    return c.ProfilePreview(
        profile=row.name,
        windows=numbers,
        newly_uncovered=refs(found.newly_uncovered),
        still_uncovered=refs(found.still_uncovered),
    )


def _waiting_by_code(uow: UnitOfWork, hall_id: int) -> dict[str, int]:
    catalogue = uow.catalogue(hall_id)
    return {
        catalogue.services[sid].code: count
        for sid, count in uow.stores.tickets.waiting_counts(hall_id).items()
        if sid in catalogue.services
    }


def apply_profile(
    uow: UnitOfWork, actor: Actor, profile_id: int, body: c.ApplyProfile
) -> list[c.WindowAssignments]:
    """Give each window the profile's services in its order; one catalogue reload, audited per window."""
    actor.require(Permission.MANAGE_HALL)
    row = _row(uow, actor, profile_id)
    catalogue = uow.catalogue(actor.hall_id)
    numbers = [catalogue.window(n).number for n in dict.fromkeys(body.windows)]
    services = [catalogue.service(code) for code in row.services]
    before = {n: read_assignments(uow, actor, n) for n in numbers}
    for number in numbers:
        rows = [AssignmentRule(s.id, preference=i, weight=1.0) for i, s in enumerate(services, start=1)]
        uow.stores.windows.replace_assignments(actor.hall_id, catalogue.window(number).id, rows)
    catalogue = uow.refresh_catalogue(actor.hall_id)
    results = []
    codes = [s.code for s in services]
    for number in numbers:
        after = read_assignments(uow, actor, number)
        detail = {
            "profile": row.name,
            "before": before[number].model_dump(mode="json"),
            "after": after.model_dump(mode="json"),
        }
        uow.audit(actor, "assignments.replace", f"window:{number}", detail)
        window = catalogue.window(number)
        uow.record(
            actor, "assignments.changed", window_id=window.id, data={"services": codes, "profile": row.name}
        )
        uow.emit(
            actor.hall_id,
            "assignments.changed",
            ("hall", "manager", f"window:{number}"),
            {"window": number, "services": codes, "profile": row.name},
        )
        results.append(after)
    return results
