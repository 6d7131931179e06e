"""Window ↔ service assignments: read and replace them live, audited."""

from __future__ import annotations

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.domain.hall import AssignmentRule
from queue_server.services.unit_of_work import UnitOfWork


def read_assignments(uow: UnitOfWork, actor: Actor, number: str) -> c.WindowAssignments:
    """A window's assignments as stored (all seasons), in order of preference."""
    actor.require(Permission.READ_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    window = catalogue.window(number)
    rules = sorted(window.rules, key=lambda r: r.preference)
    return c.WindowAssignments(
        window=number,
        assignments=[
            c.AssignmentIn(
                service_code=catalogue.services[r.service_id].code,
                preference=r.preference,
                weight=r.weight,
                valid_from=r.valid_from,
                valid_until=r.valid_until,
                time_from=r.time_from,
                time_until=r.time_until,
            )
            for r in rules
            if r.service_id in catalogue.services
        ],
    )


def replace_assignments(
    uow: UnitOfWork, actor: Actor, number: str, wanted: list[c.AssignmentIn]
) -> c.WindowAssignments:
    """Set what a window serves; applies at once in every server process (catalogue version)."""
    actor.require(Permission.MANAGE_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    window = catalogue.window(number)
    before = read_assignments(uow, actor, number)
    rows: list[AssignmentRule] = []
    for item in wanted:
        service = catalogue.service(item.service_code)
        if item.valid_from and item.valid_until and item.valid_until < item.valid_from:
            raise Rejected("assignment.invalid", detail=f"{item.service_code}: valid_until < valid_from")
        if item.time_from and item.time_until and item.time_until <= item.time_from:
            raise Rejected("assignment.invalid", detail=f"{item.service_code}: time_until <= time_from")
        rows.append(
            AssignmentRule(
                service_id=service.id,
                preference=item.preference,
                weight=item.weight,
                valid_from=item.valid_from,
                valid_until=item.valid_until,
                time_from=item.time_from,
                time_until=item.time_until,
            )
        )
    uow.stores.windows.replace_assignments(actor.hall_id, window.id, rows)
    uow.refresh_catalogue(actor.hall_id)
    after = read_assignments(uow, actor, number)
    detail = {"before": before.model_dump(mode="json"), "after": after.model_dump(mode="json")}
    uow.audit(actor, "assignments.replace", f"window:{number}", detail)
    uow.record(
        actor, "assignments.changed", window_id=window.id, data={"services": [a.service_code for a in wanted]}
    )
    uow.emit(
        actor.hall_id,
        "assignments.changed",
        ("hall", "manager", f"window:{number}"),
        {"window": number, "services": [a.service_code for a in after.assignments]},
    )
    return after
