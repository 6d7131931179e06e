"""Housekeeping at closing time: a window still open or paused after its day's closing is closed.

A window left open overnight would otherwise look staffed on every later day (and earn the +2 full
attendance bonus without anybody there). The close is the system's, nobody's attendance: its event
says ``reason: housekeeping`` and the closing time it stands for, so the assessment reads the day's
departure from the clerk's own last presence (docs/assessment.md).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.hall import HallCatalogue, WindowItem
from queue_server.domain.measures import HOUSEKEEPING
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def closing_time(catalogue: HallCatalogue, window: WindowItem, since: datetime) -> datetime | None:
    """When a window open (or paused) since ``since`` is closed: at the end of that day's last period
    (the window's approved 延时服务 included); at midnight when it was opened after that, or on a day
    without hours; never in a hall set to be open at all hours."""
    hours = catalogue.settings.hours
    if hours.always_open:
        return None
    zone = ZoneInfo(hours.timezone)
    day = since.astimezone(zone).date()
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    periods = hours.periods_on(day) + window.extended.get(day, ())
    if not periods:
        return midnight
    closing = datetime.combine(day, max(end for _, end in periods), zone)
    return closing if since < closing else midnight


def close_left_open(uow: UnitOfWork, hall_id: int) -> int:
    """Close every window open or paused past its day's closing time (one with a ticket still at it
    waits until the clerk finishes). Returns how many were closed."""
    catalogue = uow.catalogue(hall_id)
    windows = {w.id: w for w in catalogue.windows.values()}
    system = Actor(hall_id=hall_id, role="admin", name="system")
    closed = 0
    for row in uow.stores.windows.rows(hall_id):
        window = windows.get(row.id)
        if window is None or row.status == c.WindowStatus.CLOSED or row.status_since is None:
            continue
        closing = closing_time(catalogue, window, row.status_since)
        if closing is None or uow.now < closing or row.current_ticket_id is not None:
            continue
        uow.stores.windows.update(
            row.id, status=c.WindowStatus.CLOSED.value, pause_reason=None, status_since=uow.now, clerk_id=None
        )
        uow.record(
            system,
            "window.status",
            window_id=row.id,
            data={
                "status": c.WindowStatus.CLOSED.value,
                "reason": HOUSEKEEPING,
                "from": row.status,
                "closing": closing.isoformat(),
            },
        )
        uow.caches.forget_open_windows(hall_id)
        topics = (
            "hall",
            "manager",
            f"window:{window.number}",
            *((f"zone:{window.zone}",) if window.zone else ()),
        )
        payload = {"window": window.number, "status": c.WindowStatus.CLOSED.value, "reason": HOUSEKEEPING}
        uow.emit(hall_id, "window.status", topics, payload)
        closed += 1
    return closed
