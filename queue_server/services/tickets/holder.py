"""A holder for an anonymous ticket: the kiosk's quick path takes no ID or phone number, so when the
paper did not come out the citizen may give one afterwards, and 补打号票 finds the ticket by it later.

Kept exactly as a real-name ticket keeps it (keyed hash and masked form); set once, while the ticket
is still open; the audit trail says which kind of number was given, never the number.
"""

from __future__ import annotations

from queue_server import contract as c
from queue_server.domain import personal
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.numbering import business_day
from queue_server.services.hall.views import ticket_public
from queue_server.services.tickets.ports import TicketChanges
from queue_server.services.unit_of_work import UnitOfWork

OPEN = ("waiting", "called", "parked", "no_show")  # the states 补打 finds (Repository.person_tickets)


def attach_holder(uow: UnitOfWork, actor: Actor, token: str, command: c.AttachHolder) -> c.TicketPublic:
    """Give today's open anonymous ticket ``token`` its holder's ID or phone number (one of them)."""
    actor.require(Permission.ISSUE_TICKET)
    if bool(command.id_number) == bool(command.phone):
        raise Rejected("ticket.holder_needs_one_key" if command.id_number else "ticket.lookup_needs_key")
    row = uow.stores.tickets.by_token(token)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("ticket.not_found")
    catalogue = uow.catalogue(actor.hall_id)
    if row.status not in OPEN or row.business_day != business_day(uow.now, catalogue.timezone):
        raise Rejected("ticket.holder_closed", number=row.number)
    if row.id_hash is not None or row.phone_hash is not None:
        raise Rejected("ticket.holder_already_set", number=row.number)
    key = uow.caches.pii_key
    if command.id_number:
        id_number = personal.normalise_id_number(command.id_number)
        id_hash = personal.keyed_hash(key, id_number)
        limit = catalogue.settings.person_daily_limit
        if limit is not None:  # a number given afterwards counts toward the person's limit as at issue
            taken = uow.stores.tickets.count_person_tickets(
                actor.hall_id, row.business_day, row.service_id, id_hash
            )
            if taken >= limit:
                name = catalogue.services[row.service_id].name
                raise Rejected("ticket.person_limit", name=name, count=taken)
        values = TicketChanges(id_hash=id_hash, id_masked=personal.mask_id_number(id_number))
        kind = "id_number"
    else:
        phone = personal.normalise_phone(command.phone or "")
        values = TicketChanges(
            phone_hash=personal.keyed_hash(key, phone), phone_masked=personal.mask_phone(phone)
        )
        kind = "phone"
    if not uow.stores.tickets.update(row.id, row.status, **values):
        raise Rejected("ticket.holder_closed", number=row.number)  # it moved on meanwhile
    uow.record(
        actor,
        "ticket.holder_attached",
        ticket_id=row.id,
        service_id=row.service_id,
        data={"number": row.number, "by": kind},
    )
    updated = uow.stores.tickets.by_id(row.id)
    if updated is None:  # written a moment ago in this transaction
        raise NotFound("ticket.not_found")
    return ticket_public(uow, catalogue, updated)
