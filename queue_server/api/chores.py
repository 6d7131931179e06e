"""Housekeeping that never holds the writer: every chore as a series of small writer jobs.

Each job does at most ``limit`` items of one chore (expiring tickets of earlier days, missed
bookings, unrated evaluations, alert changes, a closed day's statistics) and times itself; the
next job is submitted only after the previous one committed, so every request that arrived in
between is queued before it and runs first. ``limit`` adapts per chore so a job stays near
``TARGET_SECONDS`` of the writer thread's CPU time on this machine: halved when a job ran long,
doubled when it ran short. The statistics of closed days are worked out on a reader connection,
off the writer; only their storing is a job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from queue_server.domain import alerts as rules
from queue_server.runtime import Runtime
from queue_server.services.advisor import nightly
from queue_server.services.operations import alerts
from queue_server.services.operations.housekeeping import CHUNKED, Step
from queue_server.services.reports.days import ClosedDay
from queue_server.services.reports.days import store as keep_days
from queue_server.services.reports.figures import close_days
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Writer time a chunk aims at, counted in the writer thread's CPU time: wall time also counts the
# moments other threads held the GIL or the machine ran something else, which no chunk size changes.
TARGET_SECONDS = 0.005
CEILING_SECONDS = 0.020  # a job over this (wall time) is logged as a warning
FIRST_LIMIT = 1  # grows by doubling while jobs stay short
MAX_LIMIT = 512


@dataclass
class Round:
    """What one housekeeping round of a hall did, for the log and the benchmarks."""

    jobs: int = 0
    items: int = 0
    longest: float = 0.0  # wall seconds of the longest job on the writer
    longest_chore: str = ""
    longest_cpu: float = 0.0  # the writer thread's CPU seconds in its most expensive job
    # per chore: [jobs, items, the writer CPU seconds of its most expensive job]
    chores: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Housekeeper:
    """Runs a hall's chores in small writer jobs; remembers each chore's chunk size between rounds."""

    runtime: Runtime
    limits: dict[str, int] = field(default_factory=dict)
    max_limit: int = MAX_LIMIT
    longest: float = 0.0  # the longest job since start (seconds)
    predicted: dict[int, date] = field(
        default_factory=dict
    )  # hall → the day its nightly prediction was tried for

    async def run(self, hall_id: int) -> Round:
        """One round of every chore for ``hall_id``."""
        done = Round()
        # The hall's catalogue (hundreds of windows) loaded, when the process has not yet, on a reader:
        # the chores read it, and its first load would otherwise be the writer's longest job.
        await self.runtime.read(lambda uow: uow.catalogue(hall_id))
        for name, step in CHUNKED.items():
            await self._drain(done, hall_id, name, partial(_for_hall, step, hall_id))
        # What the alerts need is worked out once a round on a reader: it reads every open case,
        # follow-up and standing alert (thousands with a month of 承诺件), which once done in each
        # writer job cost 35 ms or more a job and shrank the chunks to one alert. The writer jobs
        # apply the plan a few changes at a time, each only where the alert still stands as planned
        # (so a plan a moment old never raises again an alert another job has just cleared).
        planned = _Planned(await self.runtime.read(lambda uow: alerts.plan(uow, hall_id)))
        await self._drain(done, hall_id, "alerts", partial(_alert_changes, hall_id, planned))
        closed = await self.runtime.read(lambda uow: close_days(uow, hall_id))
        for day in closed:  # one closed day's statistics per job
            await self._job(done, hall_id, "closed days", partial(_keep, hall_id, day))
        if closed:
            log.info("kept the statistics of %d closed days of hall %d", len(closed), hall_id)
        await self._nightly(done, hall_id)
        if done.items:
            log.info(
                "housekeeping of hall %d: %d items in %d writer jobs, longest %.1f ms (%s), "
                "writer CPU at most %.1f ms",
                hall_id,
                done.items,
                done.jobs,
                done.longest * 1000,
                done.longest_chore,
                done.longest_cpu * 1000,
            )
        return done

    async def _nightly(self, done: Round, hall_id: int) -> None:
        """The next working day's prediction, once, while the hall is closed (``advisor.nightly``):
        worked out on a reader, stored in one writer job. Tried once per day in this process, so a
        hall without history is not forecast again every round."""
        day = await self.runtime.read(lambda uow: nightly.wanted(uow, hall_id))
        if day is None or self.predicted.get(hall_id) == day:
            return
        self.predicted[hall_id] = day
        kept = await self.runtime.read(lambda uow: nightly.forecast(uow, hall_id, day))
        if kept:
            await self._job(
                done, hall_id, "nightly prediction", lambda uow: nightly.store(uow, hall_id, day, kept)
            )
            log.info("stored the advisor's prediction for %s of hall %d", day, hall_id)

    async def _drain(
        self, done: Round, hall_id: int, name: str, step: Callable[[UnitOfWork, int], int]
    ) -> None:
        """Run chunks of one chore until a chunk finds less than its limit to do."""
        while True:
            limit = min(self.limits.get(name, FIRST_LIMIT), self.max_limit)
            handled, _, seconds = await self._job(done, hall_id, name, partial(_chunk, step, limit))
            if seconds > TARGET_SECONDS and limit > 1:
                self.limits[name] = max(1, limit // 2)
            elif seconds < TARGET_SECONDS / 4 and handled >= limit:
                self.limits[name] = min(self.max_limit, limit * 2)
            if handled < limit:
                return

    async def _job(
        self, done: Round, hall_id: int, name: str, work: Callable[[UnitOfWork], int]
    ) -> tuple[int, float, float]:
        """One writer job, timed from inside: (items, wall seconds, writer CPU seconds)."""

        def timed(uow: UnitOfWork) -> tuple[int, float, float]:
            began, cpu = time.perf_counter(), time.thread_time()
            handled = work(uow)
            return handled, time.perf_counter() - began, time.thread_time() - cpu

        handled, seconds, cpu = await self.runtime.write(timed, hall_id)
        done.jobs += 1
        done.items += handled
        if seconds > done.longest:
            done.longest, done.longest_chore = seconds, name
        done.longest_cpu = max(done.longest_cpu, cpu)
        chore = done.chores.setdefault(name, [0, 0, 0.0])
        chore[0], chore[1], chore[2] = chore[0] + 1, chore[1] + handled, max(chore[2], cpu)
        self.longest = max(self.longest, seconds)
        if seconds > CEILING_SECONDS:
            log.warning(
                "housekeeping job %r held the writer %.1f ms (writer CPU %.1f ms)",
                name,
                seconds * 1000,
                cpu * 1000,
            )
        return handled, seconds, cpu


def _for_hall(step: Step, hall_id: int, uow: UnitOfWork, limit: int) -> int:
    return step(uow, hall_id, limit)


def _chunk(step: Callable[[UnitOfWork, int], int], limit: int, uow: UnitOfWork) -> int:
    return step(uow, limit)


@dataclass
class _Planned:
    """The alert changes of a round not applied yet."""

    changes: rules.Changes


def _alert_changes(hall_id: int, planned: _Planned, uow: UnitOfWork, limit: int) -> int:
    """Apply the next ``limit`` planned changes; how many were taken (stale ones are skipped)."""
    chunk, planned.changes = alerts.split(planned.changes, limit)
    alerts.apply_changes(uow, hall_id, chunk)
    return alerts.size(chunk)


def _keep(hall_id: int, day: ClosedDay, uow: UnitOfWork) -> int:
    keep_days(uow, hall_id, [day])
    return 1
