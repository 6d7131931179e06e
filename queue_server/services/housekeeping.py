"""The server's periodic chores for a hall: the day's close (tickets, windows left open), missed
bookings, the alert engine."""

from __future__ import annotations

import logging

from queue_server.services.alerts import run_alerts
from queue_server.services.check_in import mark_missed
from queue_server.services.closing import close_left_open
from queue_server.services.day import expire_past_days
from queue_server.services.evaluations import expire_evaluations
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def chores(uow: UnitOfWork, hall_id: int) -> None:
    """Expire tickets of earlier days, close windows left open, mark missed bookings, then raise and
    clear alerts."""
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
    run_alerts(uow, hall_id)
