"""The hall's store in memory: catalogues kept as built, events and audit lines kept in lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from queue_server.domain.errors import NotFound
from queue_server.domain.estimates import HandlingStats
from queue_server.domain.hall import HallCatalogue
from queue_server.services.hall.ports import (
    AuditLine,
    Booking,
    CallEvent,
    DeviceReport,
    HallRules,
    NewEvent,
    ServiceEntry,
    ZonePlace,
)


class FakeHallStore:
    """Catalogues by hall id; ``events`` is shared with the other fakes (the event record)."""

    def __init__(self, events: list[NewEvent]) -> None:
        self.catalogues: dict[int, HallCatalogue] = {}
        self.rule_rows: dict[int, HallRules] = {}
        self.zones: dict[tuple[int, str], ZonePlace] = {}
        self.stats: dict[int, tuple[float, int]] = {}
        self.events = events
        self.audit_log: list[AuditLine] = []  # one hall's: the fake keeps no hall id on them
        self.bookings: list[tuple[int, Booking]] = []  # (hall id, booking)
        self.reports: dict[tuple[int, str, str], DeviceReport] = {}

    def put(self, catalogue: HallCatalogue) -> None:
        """Install a hall's catalogue as the database would hold it."""
        self.catalogues[catalogue.id] = catalogue

    def hall_versions(self) -> dict[int, int]:
        return {hall_id: c.version for hall_id, c in self.catalogues.items()}

    def hall_id(self, code: str | None) -> int:
        if code is None and len(self.catalogues) == 1:
            return next(iter(self.catalogues))
        for hall_id, catalogue in self.catalogues.items():
            if catalogue.code == code:
                return hall_id
        raise NotFound("hall.not_found", code=code or "")

    def bump_catalogue(self, hall_id: int) -> None:
        catalogue = self.catalogues[hall_id]
        self.catalogues[hall_id] = replace(catalogue, version=catalogue.version + 1)

    def load_catalogue(self, hall_id: int) -> HallCatalogue:
        return self.catalogues[hall_id]

    def rules(self, hall_id: int) -> HallRules:
        return self.rule_rows.get(hall_id, HallRules(settings={}, notice=""))

    def save_rules(self, hall_id: int, rules: HallRules) -> None:
        self.rule_rows[hall_id] = rules

    def service_entries(self, hall_id: int, code: str | None = None) -> list[ServiceEntry]:
        services = sorted(self.catalogues[hall_id].services.values(), key=lambda s: s.code)
        return [
            ServiceEntry(
                s.id,
                s.code,
                s.name,
                "",
                s.prefix,
                "D1",
                "",
                "",
                "public_service",
                "immediate",
                s.daily_cap,
                s.priority_allowed,
                (),
                {},
            )
            for s in services
            if code is None or s.code == code
        ]

    def zone_place(self, hall_id: int, code: str) -> ZonePlace | None:
        return self.zones.get((hall_id, code))

    def handling_stats(self, service_id: int) -> tuple[float, int] | None:
        return self.stats.get(service_id)

    def fold_handling(
        self, hall_id: int, service_id: int, first: tuple[float, int], seconds: float
    ) -> tuple[float, int]:
        stored = self.stats.get(service_id)
        stats = HandlingStats(*stored).observe(seconds) if stored is not None else HandlingStats(*first)
        self.stats[service_id] = (stats.mean_seconds, stats.samples)
        return self.stats[service_id]

    def add_event(self, event: NewEvent) -> None:
        self.events.append(event)

    def recent_calls(self, hall_id: int, limit: int) -> list[CallEvent]:
        calls = [
            CallEvent(e.type, e.at, e.window_id, e.service_id, str(e.data.get("number", "")))
            for e in reversed(self.events)
            if e.hall_id == hall_id and e.type in ("ticket.called", "ticket.recalled")
        ]
        return calls[:limit]

    def audit(
        self, hall_id: int, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        self.audit_log.append(AuditLine(at, actor, action, subject, detail))

    def audit_lines(
        self, hall_id: int, *, action: str | None, subject: str | None, since: datetime | None, limit: int
    ) -> list[AuditLine]:
        lines = [
            line
            for line in reversed(self.audit_log)
            if line.action.startswith(action or "")
            and (not subject or line.subject == subject)
            and (since is None or line.at >= since)
        ]
        return lines[:limit]

    def bookings_on(self, hall_id: int, day: date, service_id: int | None) -> list[Booking]:
        found = [
            b
            for hall, b in self.bookings
            if hall == hall_id and b.slot.day == day and service_id in (None, b.service_id)
        ]
        return sorted(found, key=lambda b: (b.slot.start, b.created_at))

    def devices(self, hall_id: int) -> list[DeviceReport]:
        return [r for (hall, _, _), r in sorted(self.reports.items()) if hall == hall_id]

    def save_device(
        self, hall_id: int, kind: str, device: str, state: str, detail: str, at: datetime
    ) -> None:
        self.reports[(hall_id, kind, device)] = DeviceReport(kind, device, state, detail, at)
