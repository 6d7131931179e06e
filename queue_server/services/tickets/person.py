"""A citizen known at the kiosk by their ID card (or typed ID number): today's open tickets (to
reprint) and bookings still to check in, in one read, so the service list is theirs after one round
trip instead of two in a row (the card → list figure of the kiosk's benchmark)."""

from __future__ import annotations

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.services.cases.person_bookings import bookings_of_person
from queue_server.services.tickets.issue import lookup_tickets
from queue_server.services.unit_of_work import UnitOfWork


def person_today(uow: UnitOfWork, actor: Actor, query: c.PersonLookup) -> c.PersonToday:
    """Both lists by the ID number's keyed hash (nothing kept, only masked forms in the answer)."""
    return c.PersonToday(
        tickets=lookup_tickets(uow, actor, c.TicketLookup(id_number=query.id_number)),
        bookings=bookings_of_person(uow, actor, c.BookingLookup(id_number=query.id_number)),
    )
