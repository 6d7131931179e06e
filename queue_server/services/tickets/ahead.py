"""People ahead pushed to each waiting ticket's own topic when its queue moves.

A holder's page follows only ``ticket:TOKEN``; without this, "前面还有 N 人" would change only when
the page polls, although a call reaches the board in tens of milliseconds. Each event carries one
ticket's figures and goes to that ticket's topic alone (a token is the holder's secret).
"""

from __future__ import annotations

from queue_server.domain.estimates import estimated_wait_seconds
from queue_server.domain.hall import HallCatalogue
from queue_server.services.hall.views import serving_windows
from queue_server.services.unit_of_work import UnitOfWork

# A long queue's tail moves by one place per call: past this many, a holder's page has its poll.
PUSHED = 300


def push_people_ahead(uow: UnitOfWork, catalogue: HallCatalogue, service_id: int) -> None:
    """Queue a ``ticket.ahead`` event for every waiting ticket of a service (after a call, a transfer…)."""
    # In the order people are counted ahead, so a ticket's place is its count; only the first
    # PUSHED are read, and of each only what its event carries.
    places = uow.stores.tickets.queue(catalogue.id, service_id, limit=PUSHED)
    if not places:
        return
    service = catalogue.services[service_id]
    # What every ticket's estimate shares, worked out once for the queue, not once a ticket (as
    # ``wait_estimate`` would: the service's windows now, and its handling figure).
    serving = serving_windows(uow, catalogue, service_id)
    handling = uow.handling(service_id, service.avg_handle_seconds)
    code = service.code
    for count, place in enumerate(places):
        payload = {
            "number": place.number,
            "people_ahead": count,
            "estimated_wait_seconds": estimated_wait_seconds(count, handling, serving),
            "serving_windows": serving,
            "service_code": code,  # the SMS notices read the service's own "N ahead"
        }
        uow.emit(catalogue.id, "ticket.ahead", (f"ticket:{place.token}",), payload)
