"""A holder opts a ticket in to SMS notices on its page after it was taken, changes the number, or
opts out. No login: the ticket's token is the key (it is the holder's secret, printed as the QR).

Opting in writes the "taken" notice as its confirmation, under the ticket's one "taken" key: a
ticket confirms at most once however often its number is changed, so the page cannot be used to
send text after text to someone else's phone (the number's daily cap holds as well, and one
client address may ask for a change only ``CHANGES`` times, counted by ``take_turn`` in the
database: every server process, and the same server after a restart, counts the same allowance).
"""

from __future__ import annotations

from datetime import timedelta

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.lifecycle import Status
from queue_server.domain.personal import keyed_hash
from queue_server.services.hall.views import ticket_public
from queue_server.services.outbox import allowance
from queue_server.services.outbox.notices import subscribe
from queue_server.services.pii import protect_phone
from queue_server.services.tickets.ports import TicketRow
from queue_server.services.unit_of_work import UnitOfWork

# A ticket that can no longer be called has nothing left to tell.
ENDED = frozenset({Status.CANCELLED.value, Status.EXPIRED.value})

# The page is public: one client address may change opt-ins (in or out) this often in a hall.
CHANGES = (10, timedelta(minutes=10))


def sms_state(uow: UnitOfWork, token: str) -> c.TicketSms:
    """Whether the hall sends SMS notices, and to which (masked) number this ticket's go."""
    row = _ticket(uow, token)
    available = uow.catalogue(row.hall_id).settings.notices.enabled
    sub = uow.stores.outbox.subscriptions([token]).get(token)
    return c.TicketSms(
        available=available, enabled=sub is not None, phone_masked=sub.phone_masked if sub else None
    )


def ticket_hall(uow: UnitOfWork, token: str) -> int:
    """The hall of the ticket a change is asked for (a read: an unknown token costs no writer job
    and counts nothing; it is ``ticket.not_found``)."""
    return _ticket(uow, token).hall_id


def take_turn(uow: UnitOfWork, hall_id: int, address: str) -> float:
    """Count a change asked for from ``address`` against its allowance in the ticket's hall: 0 when
    it may go on, else the seconds to wait. A writer job of its own, before the change, so a
    refused change (a wrong number, a closed ticket) counts too. The address is personal data:
    only its keyed hash is kept."""
    key = keyed_hash(uow.caches.pii_key, address)
    return allowance.take_turn(uow, hall_id, "ticket.sms", key, CHANGES)


def opt_in(uow: UnitOfWork, token: str, body: c.TicketSmsOptIn) -> c.TicketSms:
    """Send this ticket's notices to ``body.phone`` (a number already given is replaced)."""
    row = _ticket(uow, token)
    catalogue = uow.catalogue(row.hall_id)
    if not catalogue.settings.notices.enabled:
        raise Rejected("ticket.sms_off")
    if row.status in ENDED:
        raise Rejected("ticket.sms_closed", number=row.number)
    store = uow.stores.outbox
    store.unsubscribe(row.id)
    service = catalogue.services[row.service_id]
    ahead = ticket_public(uow, catalogue, row).people_ahead
    values = {"service": service.name, "service_en": service.name_en, "ahead": ahead}
    phone = protect_phone(uow.caches.pii_key, body.phone)
    subscribe(uow, catalogue, (row.id, token), row.number, phone, values, body.language)
    sub = store.subscriptions([token])[token]
    _record(uow, row, "ticket.sms_opted_in", sub.phone_masked)
    return c.TicketSms(available=True, enabled=True, phone_masked=sub.phone_masked)


def opt_out(uow: UnitOfWork, token: str) -> c.TicketSms:
    """Send this ticket no more notices (what is already queued still goes)."""
    row = _ticket(uow, token)
    if uow.stores.outbox.unsubscribe(row.id):
        _record(uow, row, "ticket.sms_opted_out", None)
    available = uow.catalogue(row.hall_id).settings.notices.enabled
    return c.TicketSms(available=available, enabled=False, phone_masked=None)


def _ticket(uow: UnitOfWork, token: str) -> TicketRow:
    row = uow.stores.tickets.by_token(token)
    if row is None:
        raise NotFound("ticket.not_found")
    return row


def _record(uow: UnitOfWork, row: TicketRow, what: str, masked: str | None) -> None:
    holder = Actor(row.hall_id, "citizen", name="ticket")
    uow.record(holder, what, ticket_id=row.id, service_id=row.service_id, data={"phone": masked})
