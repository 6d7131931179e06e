"""Case outcomes and promised cases (承诺件): recorded at conclusion, followed until completed."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Forbidden, NotFound, Rejected
from queue_server.domain.numbering import business_day
from queue_server.domain.outcomes import OPEN_OUTCOMES, Outcome, check_outcome, promised_date
from queue_server.services import pii
from queue_server.services.cases.ports import Case, NewCase
from queue_server.services.outbox.notices import tell_holder, ticket_link
from queue_server.services.unit_of_work import UnitOfWork


class ConcludedTicket(Protocol):
    """What a case needs of the ticket concluded at the window."""

    @property
    def id(self) -> int: ...
    @property
    def service_id(self) -> int: ...
    @property
    def priority_class(self) -> str | None: ...
    @property
    def number(self) -> str: ...
    @property
    def token(self) -> str: ...


class Promised(Protocol):
    """What a promised date is read from (a case, or a row of cases read by a report)."""

    @property
    def promised_date(self) -> date | None: ...
    @property
    def extensions(self) -> Any: ...


def service_guide(uow: UnitOfWork, hall_id: int, service_id: int) -> dict[str, Any]:
    """A service's guide (办事指南), kept with the catalogue: service edits and imports refresh it."""
    return uow.memo(hall_id, ("guide", service_id), lambda: uow.stores.cases.service_guide(service_id))


def record_outcome(
    uow: UnitOfWork, actor: Actor, ticket: ConcludedTicket, window_id: int, command: c.Conclude
) -> tuple[dict[str, Any], int]:
    """Write the case row of a concluded ticket; returns what the concluded event should carry, and
    the case's id (its evaluation names it)."""
    catalogue = uow.catalogue(actor.hall_id)
    guide = service_guide(uow, actor.hall_id, ticket.service_id)
    outcome = Outcome(command.outcome.value)
    materials = [m.get("name", "") for m in guide.get("materials", [])]
    check_outcome(outcome, materials, command.missing_items, command.reasons, command.referred_to)
    green = ticket.priority_class == "green"
    today = business_day(uow.now, catalogue.timezone)
    due = None
    if outcome is Outcome.PROMISED:
        limit = int(guide.get("promised_limit_days") or guide.get("legal_limit_days") or 0)
        due = promised_date(catalogue.settings.working_days, today, limit, green=green)
    phone = pii.protect_phone(uow.caches.pii_key, command.phone) if command.phone else None
    case_id = uow.stores.cases.add(
        NewCase(
            hall_id=actor.hall_id,
            ticket_id=ticket.id,
            service_id=ticket.service_id,
            window_id=window_id,
            clerk_user_id=actor.user_id,
            outcome=outcome.value,
            status="open" if outcome in OPEN_OUTCOMES else "done",
            green=green,
            promised_date=due,
            missing_items=list(command.missing_items),
            reasons=command.reasons,
            referred_to=command.referred_to,
            phone_cipher=phone.cipher if phone else None,
            phone_masked=phone.masked if phone else None,
            created_at=uow.now,
            completed_at=None if outcome in OPEN_OUTCOMES else uow.now,
        )
    )
    if outcome is Outcome.CORRECTION:  # 一次性告知 by SMS too: what to bring, and the notice's page
        service = catalogue.services[ticket.service_id]
        values = {
            "service": service.name,
            "service_en": service.name_en,  # for a holder who took the ticket in English
            "missing": "、".join(command.missing_items),
            "link": ticket_link(catalogue, ticket.token),
        }
        tell_holder(uow, catalogue, ticket.token, ticket.number, "correction", values, _cipher(phone))
    return {"outcome": outcome.value, "promised_date": due.isoformat() if due else None}, case_id


def _cipher(phone: pii.ProtectedPhone | None) -> str | None:
    return phone.cipher if phone is not None else None


def _case_row(uow: UnitOfWork, actor: Actor, case_id: int) -> Case:
    row = uow.stores.cases.case(case_id)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("case.not_found")
    return row


def _public(uow: UnitOfWork, row: Case) -> c.CasePublic:
    catalogue = uow.catalogue(row.hall_id)
    ticket = uow.stores.cases.ticket(id=row.ticket_id)
    service = catalogue.services.get(row.service_id)
    window = catalogue.windows.get(row.window_id) if row.window_id else None
    on_time = None
    due = deadline(row)
    if row.promised_date is not None and due is not None and row.completed_at is not None:
        on_time = business_day(row.completed_at, catalogue.timezone) <= due
    return c.CasePublic(
        id=row.id,
        ticket=ticket.number if ticket else "",
        service_code=service.code if service else "",
        service_name=service.name if service else "",
        window=window.number if window else None,
        outcome=c.Outcome(row.outcome),
        status=row.status,
        promised_date=due,
        missing_items=row.missing_items or [],
        reasons=row.reasons,
        referred_to=row.referred_to,
        green=row.green,
        phone_masked=row.phone_masked,
        created_at=row.created_at,
        completed_at=row.completed_at,
        on_time=on_time,
        extensions=row.extensions or [],
    )


def deadline(row: Promised) -> date | None:
    """The promised date, moved by approved extensions."""
    extensions = row.extensions or []
    if extensions:
        return date.fromisoformat(extensions[-1]["to"])
    return row.promised_date


def list_cases(uow: UnitOfWork, actor: Actor, status: str | None = None) -> list[c.CasePublic]:
    """The hall's cases (open promised cases first), for the manager and the clerks."""
    actor.require(Permission.OPERATE_WINDOW)
    return [_public(uow, r) for r in uow.stores.cases.cases(actor.hall_id, status)]


def complete_case(uow: UnitOfWork, actor: Actor, case_id: int) -> c.CasePublic:
    """办结 of a promised case: the result is ready; 按时办结 counts against its (extended) date."""
    actor.require(Permission.OPERATE_WINDOW)
    row = _case_row(uow, actor, case_id)
    if row.status != "open":
        raise Rejected("case.not_open")
    uow.stores.cases.complete(case_id, uow.now)
    uow.record(
        actor, "case.completed", ticket_id=row.ticket_id, service_id=row.service_id, data={"case": case_id}
    )
    ticket = uow.stores.cases.ticket(id=row.ticket_id)
    if row.promised_date is not None and ticket is not None:  # 承诺件 ready: the holder may come for it
        catalogue = uow.catalogue(actor.hall_id)
        service = catalogue.services.get(row.service_id)
        values = {
            "service": service.name if service else "",
            "service_en": service.name_en if service else "",
            "link": ticket_link(catalogue, ticket.token),
        }
        tell_holder(uow, catalogue, ticket.token, ticket.number, "ready", values, row.phone_cipher)
    return _public(uow, _case_row(uow, actor, case_id))


def extend_case(uow: UnitOfWork, actor: Actor, case_id: int, command: c.ExtendCase) -> c.CasePublic:
    """An approved extension (延期, manager): the promised date moves by working days."""
    actor.require(Permission.MANAGE_HALL)
    row = _case_row(uow, actor, case_id)
    if row.status != "open":
        raise Rejected("case.not_open")
    settings = uow.catalogue(actor.hall_id).settings
    current = deadline(row) or business_day(uow.now, settings.hours.timezone)
    new = settings.working_days.add_working_days(current, command.working_days)
    entry = {
        "from": current.isoformat(),
        "to": new.isoformat(),
        "reason": command.reason,
        "approved_by": actor.label,
        "at": uow.now.isoformat(),
    }
    uow.stores.cases.set_extensions(case_id, [*row.extensions, entry])
    uow.record(
        actor,
        "case.extended",
        ticket_id=row.ticket_id,
        service_id=row.service_id,
        data={"case": case_id, **entry},
    )
    uow.audit(actor, "case.extend", f"case:{case_id}", entry)
    return _public(uow, _case_row(uow, actor, case_id))


def reveal_phone(uow: UnitOfWork, actor: Actor, case_id: int) -> str:
    """The full call-back number, for the case's owner only; every reveal is audited."""
    actor.require(Permission.OPERATE_WINDOW)
    row = _case_row(uow, actor, case_id)
    if row.clerk_user_id is None or row.clerk_user_id != actor.user_id:
        raise Forbidden("case.not_owner")
    if not row.phone_cipher:
        raise NotFound("case.not_found")
    uow.audit(actor, "pii.reveal", f"case:{case_id}", {"field": "phone"})
    return pii.reveal(uow.caches.pii_key, row.phone_cipher)


def ticket_notice(uow: UnitOfWork, token: str) -> c.Notice:
    """The 一次性告知 notice of a ticket whose case needs missing materials (public, by token)."""
    ticket = uow.stores.cases.ticket(token=token)
    if ticket is None:
        raise NotFound("ticket.not_found")
    row = uow.stores.cases.case_of_ticket(ticket.id)
    if row is None or row.outcome != Outcome.CORRECTION.value:
        raise NotFound("case.no_notice")
    catalogue = uow.catalogue(ticket.hall_id)
    guide = uow.stores.cases.service_guide(ticket.service_id)
    by_name = {m.get("name"): m for m in guide.get("materials", [])}
    return c.Notice(
        hall_name=catalogue.name,
        ticket=ticket.number if ticket else "",
        service_name=catalogue.services[ticket.service_id].name,
        issued_at=row.created_at,
        missing_items=[
            c.Material.model_validate(by_name.get(name, {"name": name})) for name in row.missing_items
        ],
        location=str(guide.get("location", "")),
        consult_phone=str(guide.get("consult_phone", "")),
    )
