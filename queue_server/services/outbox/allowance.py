"""Allowances every server process shares: "at most N in any period" per hall, kind and key,
counted in the database by a writer job (which holds the hall, or the site), so a second
``hallq serve`` on the same PostgreSQL, or the same server restarted, never starts one afresh.

Kinds: the managers' test texts (``sms.test``, one allowance per hall) and the ticket page's SMS
opt-in changes (``ticket.sms``, one per client address, kept as its keyed hash).
"""

from __future__ import annotations

from datetime import timedelta

from queue_server.domain.rate import wait_for
from queue_server.services.unit_of_work import UnitOfWork

Allowance = tuple[int, timedelta]  # (count, period)


def take_turn(uow: UnitOfWork, hall_id: int, kind: str, key: str, allowance: Allowance) -> float:
    """Count a hit of ``key`` now: 0 when it may go on, else the seconds to wait (a refused hit is
    not counted). The hall's hits of this kind that no longer count are dropped first."""
    count, period = allowance
    store = uow.stores.recent_hits
    store.forget_until(hall_id, kind, uow.now - period)
    wait = wait_for(store.since(hall_id, kind, key, uow.now - period), count, period, uow.now)
    if not wait:
        store.add(hall_id, kind, key, uow.now)
    return wait
