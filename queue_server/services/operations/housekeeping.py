"""The server's periodic chores for a hall: the day's close (tickets, windows left open), missed
bookings, the alert engine.

The server runs them in small chunks (``CHUNKED``: each step does at most ``limit`` items and says
how many it did), one writer job per chunk, so a thousand overdue evaluations never hold the writer
for seconds while kiosks and windows wait; ``chores`` runs everything at once (simulations, tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from queue_server.services.evaluations.ratings import default_unrated, expire_evaluations
from queue_server.services.operations.alerts import run_alerts
from queue_server.services.operations.closing import close_left_open
from queue_server.services.outbox.reminders import remind_appointments
from queue_server.services.tickets.check_in import mark_missed
from queue_server.services.tickets.day import expire_past_days
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# A chunk of a chore: (unit of work, hall, limit) -> how many items it handled (< limit: done).
Step = Callable[[UnitOfWork, int, int], int]

CHUNKED: dict[str, Step] = {
    "expired tickets": lambda uow, hall_id, limit: expire_past_days(uow, hall_id, limit=limit),
    "windows left open": lambda uow, hall_id, limit: close_left_open(uow, hall_id),
    "missed bookings": lambda uow, hall_id, limit: mark_missed(uow, hall_id, limit=limit),
    "unrated evaluations": lambda uow, hall_id, limit: expire_evaluations(uow, hall_id, limit=limit),
    "defaulted evaluations": lambda uow, hall_id, limit: default_unrated(uow, hall_id, limit=limit),
    "appointment reminders": lambda uow, hall_id, limit: remind_appointments(uow, hall_id, limit=limit),
}


def chores(uow: UnitOfWork, hall_id: int) -> None:
    """Expire tickets of earlier days, close windows left open, mark missed bookings, remind
    tomorrow's bookings by SMS, then raise and clear alerts."""
    expired = expire_past_days(uow, hall_id)
    if expired:
        log.info("expired %d tickets of earlier days in hall %d", expired, hall_id)
    left_open = close_left_open(uow, hall_id)
    if left_open:
        log.info("closed %d windows left open past closing time in hall %d", left_open, hall_id)
    missed = mark_missed(uow, hall_id)
    if missed:
        log.info("%d bookings missed in hall %d", missed, hall_id)
    unrated = expire_evaluations(uow, hall_id)
    if unrated:
        log.info("%d evaluations unrated at their deadline in hall %d", unrated, hall_id)
    reminded = remind_appointments(uow, hall_id)
    if reminded:
        log.info("%d appointment reminders dealt with in hall %d", reminded, hall_id)
    run_alerts(uow, hall_id)
