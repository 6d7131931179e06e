"""The nightly prediction: once per working day, while the hall is closed, the next working day's
forecast under the allocation in force is stored, so the next day's "predicted vs happened" check
always compares against a prediction made before the day (not one recomputed with hindsight).

A chore of the housekeeping (``api.chores``): the forecast is worked out on a reader, off the writer,
and only its storing is a writer job. On PostgreSQL the housekeeping leases give each hall's chores
to one process, so one process makes the hall's prediction.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import Rejected
from queue_server.domain.hall import HallCatalogue
from queue_server.services.advisor import advice
from queue_server.services.advisor.ports import Prediction
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SOURCE = "nightly"
REPLICATIONS = 20  # as a what-if's: the forecast kept (``advice.today``) then serves the day's first one
LOOKAHEAD_DAYS = 14  # the next opening day is looked for this far (a long holiday)


def due(catalogue: HallCatalogue, now: datetime) -> date | None:
    """The working day to predict at ``now``: today before its opening, the next opening day after
    today's closing (or on a day the hall does not open); None while the hall is open, or when it
    is open at all hours (it never closes to make room for the work)."""
    hours = catalogue.settings.hours
    if hours.always_open:
        return None
    local = now.astimezone(ZoneInfo(catalogue.timezone))
    today, clock = local.date(), local.time()
    periods = hours.periods_on(today)
    if periods and clock < periods[0][0]:
        return today
    if periods and clock < max(end for _, end in periods):
        return None
    for ahead in range(1, LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=ahead)
        if hours.periods_on(day):
            return day
    return None


def wanted(uow: UnitOfWork, hall_id: int) -> date | None:
    """The day to predict now, unless a prediction for it is already stored (by this chore, or when a
    manager applied a proposal: that one is what the manager was told), or a window is still open
    (a clerk finishing the day's last tickets: the day's history is not complete yet, and the
    forecast made now would not be the one the morning's what-ifs find kept)."""
    day = due(uow.catalogue(hall_id), uow.now)
    if day is None or uow.stores.predictions.for_day(hall_id, day):
        return None
    if any(row.status != c.WindowStatus.CLOSED for row in uow.stores.windows.rows(hall_id)):
        return None
    return day


def forecast(uow: UnitOfWork, hall_id: int, day: date) -> list[Prediction]:
    """``day`` forecast under the allocation in force (per service with tickets); none without history."""
    system = Actor(hall_id=hall_id, role="admin", name="system")
    try:
        scenario, _ = advice.forecast(uow, system, uow.stores.history, day, REPLICATIONS)
    except Rejected as refused:
        log.info("no nightly prediction for hall %d on %s: %s", hall_id, day, refused.code)
        return []
    figures = advice.today(scenario, REPLICATIONS)
    return [
        Prediction(code, s.mean_wait.mean, s.p90_wait.mean, REPLICATIONS, SOURCE, uow.now)
        for code, s in sorted(figures.services.items())
        if s.served
    ]


def store(uow: UnitOfWork, hall_id: int, day: date, predictions: list[Prediction]) -> int:
    """Keep the nightly ``predictions`` unless another was stored meanwhile; how many were kept."""
    if not predictions or uow.stores.predictions.for_day(hall_id, day):
        return 0
    uow.stores.predictions.save(hall_id, day, predictions)
    return len(predictions)
