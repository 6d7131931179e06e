"""A citizen's bookings of the day, found at the kiosk by their ID card (or typed ID number), so the
service list can offer each one to check in."""

from __future__ import annotations

from queue_server import contract as c
from queue_server.domain import personal
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.numbering import business_day
from queue_server.services.cases.appointments import appointment_public
from queue_server.services.unit_of_work import UnitOfWork


def bookings_of_person(uow: UnitOfWork, actor: Actor, query: c.BookingLookup) -> list[c.AppointmentPublic]:
    """Today's bookings still to check in of the ID number's holder (by keyed hash; nothing kept)."""
    actor.require(Permission.ISSUE_TICKET)
    catalogue = uow.catalogue(actor.hall_id)
    id_hash = personal.keyed_hash(uow.caches.pii_key, personal.normalise_id_number(query.id_number))
    day = business_day(uow.now, catalogue.timezone)
    rows = uow.stores.appointments.bookings_of_person(actor.hall_id, id_hash, day)
    return [appointment_public(uow, catalogue, row) for row in rows]
