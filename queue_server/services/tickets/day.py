"""The day's close: tickets left waiting, parked or no-show on an earlier day expire."""

from __future__ import annotations

from queue_server.domain.actors import Actor
from queue_server.domain.lifecycle import Action
from queue_server.domain.numbering import business_day
from queue_server.services.unit_of_work import UnitOfWork


def expire_past_days(uow: UnitOfWork, hall_id: int, limit: int | None = None) -> int:
    """Expire the open tickets of earlier business days (at most ``limit``, a housekeeping chunk);
    nothing is deleted. Returns how many."""
    catalogue = uow.catalogue(hall_id)
    today = business_day(uow.now, catalogue.timezone)
    if uow.caches.past_days_closed.get(hall_id) == today:
        return 0  # swept already today: a ticket of an earlier day never opens again
    system = Actor(hall_id=hall_id, role="admin", name="system")
    expired = 0
    found = uow.stores.tickets.open_before(hall_id, today, limit=limit)
    if limit is None or len(found) < limit:  # the last of them: skip the look until the day turns
        uow.after_commit(lambda: uow.caches.past_days_closed.__setitem__(hall_id, today))
    for row in found:
        if uow.stores.tickets.move(row.id, row.status, Action.EXPIRE, number=row.number):
            uow.record(
                system,
                "ticket.expired",
                ticket_id=row.id,
                service_id=row.service_id,
                data={"number": row.number, "from": row.status, "day": row.business_day.isoformat()},
            )
            uow.emit(hall_id, "ticket.expired", ("manager", f"ticket:{row.token}"), {"number": row.number})
            expired += 1
    return expired
