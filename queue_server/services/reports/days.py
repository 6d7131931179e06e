"""Statistics of closed days (日结): each closed day's cells are kept, so a month is mostly read back.

A report walks the period day by day. Before walking a day it looks for the day's kept cells; they
are used only when they were computed by this version of the pass, for the hall's time zone, from as
many events as the day holds now (events are only ever added, so a count tells any change), and
from the same state carried in over the midnight (tickets still in flight, windows still busy, the
clerk and status of each window: its digest is kept). Then the state carried out of the day is taken
from the kept row and the walk goes on, so a report is the same whether its days were read back or
walked. The server keeps the days of the month as they close (``reports.close_days``, from the
housekeeping loop), and a report keeps the closed days it had to walk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

from queue_server.services.reports.cells import Cell
from queue_server.services.reports.ports import StoredDay
from queue_server.services.reports.single_pass import Atom, Clock
from queue_server.services.unit_of_work import UnitOfWork

# Bump when the pass, the cells or the carried state change: kept days of another version are walked.
VERSION = "1"
OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS


def version(timezone: str) -> str:
    """What kept days must have been computed by: this pass's version, for this time zone."""
    return f"{VERSION}:{timezone}"


def digest(carried: dict[str, Any]) -> str:
    """A fingerprint of the state carried into a day."""
    return hashlib.sha256(orjson.dumps(carried, option=OPTIONS)).hexdigest()


@dataclass
class ClosedDay:
    """One closed day's cells from the event walk, and what it was computed from."""

    day: date
    events: int
    start: str  # digest of the state carried in
    body: bytes  # {"end": state carried out, "cells": [...]}

    @classmethod
    def of(
        cls, day: date, events: int, start: str, end: dict[str, Any], atoms: dict[Atom, Cell]
    ) -> ClosedDay:
        """Freeze a walked day (``end`` is serialised at once: the walk goes on mutating it)."""
        cells = [
            [d.isoformat(), s, w, k, c.n, c.waits, c.handles, c.open, c.paused, c.busy]
            for (d, s, w, k), c in atoms.items()
        ]
        return cls(day, events, start, orjson.dumps({"end": end, "cells": cells}, option=OPTIONS))

    def read(self) -> tuple[dict[str, Any], Iterator[tuple[Atom, Cell]]]:
        """The state carried out of the day, and its cells."""
        body = orjson.loads(self.body)

        def cells() -> Iterator[tuple[Atom, Cell]]:
            for d, s, w, k, n, waits, handles, opened, paused, busy in body["cells"]:
                cell = Cell()
                cell.n, cell.waits, cell.handles = n, waits, handles
                cell.open, cell.paused, cell.busy = opened, paused, busy
                yield (date.fromisoformat(d), s, w, k), cell

        return body["end"], cells()


class KeptDays:
    """The kept days of a period, checked against the events the days hold now."""

    def __init__(self, uow: UnitOfWork, hall_id: int, clock: Clock) -> None:
        store = uow.stores.reports
        bounds = [datetime.fromtimestamp(m, UTC) for m in clock.midnights]
        self.counts = store.event_counts(hall_id, bounds)
        rows = store.kept_days(hall_id, version(str(clock.zone)), clock.days[0], clock.days[-1])
        self.rows = {row.day: ClosedDay(row.day, row.events, row.start, row.body) for row in rows}
        self.fresh: list[ClosedDay] = []

    def usable(self, index: int, day: date, start: str) -> ClosedDay | None:
        """The kept day if it still stands for the day's events and the state carried in."""
        kept = self.rows.get(day)
        if kept is None or kept.events != self.counts.get(index, 0) or kept.start != start:
            return None
        return kept


def store(uow: UnitOfWork, hall_id: int, days: list[ClosedDay]) -> None:
    """Keep closed days (replacing what was kept for them).

    One server process at a time keeps a hall's days; the store leaves the keeping to another one
    that is at it (two keeping the same days at once could deadlock inside their group commits).
    """
    if not days:
        return
    timezone = uow.catalogue(hall_id).timezone
    stored = [StoredDay(d.day, d.events, d.start, d.body) for d in days]
    uow.stores.reports.keep_days(hall_id, version(timezone), stored, uow.now)
