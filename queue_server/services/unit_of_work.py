"""The unit of work: one transaction's stores, clock, caches and outbox of live events."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from queue_server.domain.actors import Actor
from queue_server.domain.estimates import HandlingStats, foldable
from queue_server.domain.hall import HallCatalogue
from queue_server.services.hall.ports import NewEvent
from queue_server.services.live import LiveEvent
from queue_server.services.stores import Stores

T = TypeVar("T")

OPEN_WINDOWS_TTL = 2.0
STATS_TTL = 5.0  # other processes conclude cases too: a service's figure is re-read this often
# The stores' notes live as long as one transaction (the writer resets them per attempt): which
# halls' catalogues or window statuses this transaction changed, so later jobs of the same grouped
# transaction read those from the database, not from the caches.


@dataclass
class Caches:
    """What a server process keeps between transactions: its key for personal data, and caches
    that each know when they are stale."""

    pii_key: bytes = b""
    catalogues: dict[int, HallCatalogue] = field(default_factory=dict)
    stats: dict[int, HandlingStats] = field(default_factory=dict)
    stats_read: dict[int, float] = field(default_factory=dict)
    open_windows: dict[int, tuple[float, frozenset[int]]] = field(default_factory=dict)
    versions_checked: float = 0.0
    # hall -> the business day before which it has no open ticket left (none can open again)
    past_days_closed: dict[int, date] = field(default_factory=dict)

    def forget_open_windows(self, hall_id: int) -> None:
        """A window opened or closed here: read the statuses afresh next time."""
        self.open_windows.pop(hall_id, None)


class UnitOfWork:
    """A transaction's view of the hall: its stores, time, caches, and the events it will publish."""

    def __init__(self, stores: Stores, outbox: list[Any], caches: Caches, now: datetime) -> None:
        self.stores = stores
        self.outbox = outbox
        self.caches = caches
        self.now = now
        self._catalogues: dict[int, HallCatalogue] = {}  # changed by this unit: seen by it alone
        self._stats: dict[int, HandlingStats] = {}  # handling figures this unit read or folded

    def after_commit(self, change: Callable[[], None]) -> None:
        """Change the process's caches once this transaction committed (never if it rolls back or
        is retried); outside the writer (a read) at once, since a read only saw committed data."""
        pending = getattr(self.outbox, "after_commit", None)
        if pending is None:
            change()
        else:
            pending.append(change)

    def _notes(self) -> dict[str, Any]:
        return self.stores.notes()

    def catalogue(self, hall_id: int) -> HallCatalogue:
        """The hall's catalogue, reloaded when its version moved (checked at most every 0.5 s)."""
        own = self._catalogues.get(hall_id)
        if own is not None:
            return own
        if hall_id in self._notes().get("changed_halls", ()):  # an earlier job of this transaction
            own = self._catalogues[hall_id] = self.stores.hall.load_catalogue(hall_id)
            return own
        cached = self.caches.catalogues.get(hall_id)
        clock = time.monotonic()
        if cached is not None and clock - self.caches.versions_checked < 0.5:
            return cached
        versions = self.stores.hall.hall_versions()
        self.caches.versions_checked = clock
        if cached is None or versions.get(hall_id) != cached.version:
            cached = self.stores.hall.load_catalogue(hall_id)  # committed by someone: safe to keep now
            self.caches.catalogues[hall_id] = cached
        return cached

    def memo(self, hall_id: int, key: Any, load: Callable[[], T]) -> T:
        """What ``load`` reads of the hall, kept with its catalogue version: whatever changes it
        refreshes the catalogue in the same transaction (``refresh_catalogue``), so every process
        loads it afresh with the new version, and this transaction at once."""
        memo = self.catalogue(hall_id).memo
        if key in memo:
            found: T = memo[key]
            return found
        value = load()
        # Only the writer keeps what it read: it sees every commit so far, while a reader's snapshot
        # may predate the commit that made the catalogue it holds, and would keep old values in it.
        if getattr(self.outbox, "after_commit", None) is not None:
            memo[key] = value
        return value

    def refresh_catalogue(self, hall_id: int) -> HallCatalogue:
        """Reload the catalogue now (after this transaction changed it); the process's cache takes
        it after the commit, and until then only this transaction sees it."""
        self.stores.hall.bump_catalogue(hall_id)
        catalogue = self._catalogues[hall_id] = self.stores.hall.load_catalogue(hall_id)
        self._notes().setdefault("changed_halls", set()).add(hall_id)
        self.after_commit(lambda: self.caches.catalogues.__setitem__(hall_id, catalogue))
        return catalogue

    def handling(self, service_id: int, default_seconds: int) -> HandlingStats:
        """A service's running handling-time mean (from concluded cases, or its configured average),
        re-read every few seconds since other server processes fold their cases in too."""
        own = self._stats.get(service_id)
        if own is not None:  # read (or folded) by this unit already: the cache takes it at commit
            return own
        stats = self.caches.stats.get(service_id)
        clock = time.monotonic()
        if stats is None or clock - self.caches.stats_read.get(service_id, 0.0) > STATS_TTL:
            stored = self.stores.hall.handling_stats(service_id)
            fresh = self._stats[service_id] = (
                HandlingStats(*stored) if stored else HandlingStats(float(default_seconds))
            )
            self.after_commit(lambda: self._cache_stats(service_id, fresh, clock))
            return fresh
        return stats

    def observe_handling(self, hall_id: int, service_id: int, default_seconds: int, seconds: float) -> None:
        """Fold one concluded case into the service's figure: merged with the stored one by the
        statement that stores it, which locks the row (on PostgreSQL other processes fold theirs in
        too), cached only after the commit."""
        folded = foldable(seconds)
        if folded is None:  # ignored (``HandlingStats.observe``): the figure stays as it is
            return
        first = HandlingStats(float(default_seconds)).observe(folded)
        stored = self.stores.hall.fold_handling(
            hall_id, service_id, (first.mean_seconds, first.samples), folded
        )
        stats = self._stats[service_id] = HandlingStats(*stored)
        clock = time.monotonic()
        self.after_commit(lambda: self._cache_stats(service_id, stats, clock))

    def _cache_stats(self, service_id: int, stats: HandlingStats, clock: float) -> None:
        self.caches.stats[service_id] = stats
        self.caches.stats_read[service_id] = clock

    def forget_open_windows(self, hall_id: int) -> None:
        """A window opened or closed in this transaction: it reads the statuses afresh, and the
        process's cache forgets them once the change committed."""
        self._notes().setdefault("windows_changed", set()).add(hall_id)
        self.after_commit(lambda: self.caches.forget_open_windows(hall_id))

    def open_window_ids(self, hall_id: int) -> frozenset[int]:
        """Ids of the hall's open windows (cached for a couple of seconds)."""
        if hall_id in self._notes().get("windows_changed", ()):
            return frozenset(r.id for r in self.stores.windows.rows(hall_id) if r.status == "open")
        cached = self.caches.open_windows.get(hall_id)
        clock = time.monotonic()
        if cached is None or clock - cached[0] > OPEN_WINDOWS_TTL:
            ids = frozenset(r.id for r in self.stores.windows.rows(hall_id) if r.status == "open")
            cached = (clock, ids)
            self.caches.open_windows[hall_id] = cached
        return cached[1]

    def record(
        self,
        actor: Actor,
        type_: str,
        *,
        ticket_id: int | None = None,
        window_id: int | None = None,
        service_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Append the event row that makes this change part of the record."""
        self.stores.hall.add_event(
            NewEvent(
                hall_id=actor.hall_id,
                at=self.now,
                type=type_,
                ticket_id=ticket_id,
                window_id=window_id,
                service_id=service_id,
                actor_user_id=actor.user_id,
                actor_token_id=actor.token_id,
                data=data or {},
            )
        )

    def audit(self, actor: Actor, action: str, subject: str, detail: dict[str, Any]) -> None:
        """Write the audit-log line of an actor's action (before and after, views of personal data)."""
        self.stores.hall.audit(actor.hall_id, self.now, actor.label, action, subject, detail)

    def audit_line(self, hall_id: int, actor: str, action: str, subject: str, detail: dict[str, Any]) -> None:
        """Write one audit-log line at this transaction's time, for an actor named by label."""
        self.stores.hall.audit(hall_id, self.now, actor, action, subject, detail)

    def emit(self, hall_id: int, type_: str, topics: tuple[str, ...], payload: dict[str, Any]) -> None:
        """Queue a live event for after the commit."""
        self.outbox.append(LiveEvent(type_, topics, payload, self.now, hall_id))
