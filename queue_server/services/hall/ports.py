"""The hall's port: its catalogue, the handling figures, the event record and the audit log.

``queue_server.adapters.hall`` implements it on SQL; tests use an in-memory fake. The unit of work
reads the catalogue and the handling figures through it and appends every event row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Protocol

from queue_server.domain.hall import HallCatalogue


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event row about to be appended (the record of truth)."""

    hall_id: int
    at: datetime
    type: str
    ticket_id: int | None = None
    window_id: int | None = None
    service_id: int | None = None
    actor_user_id: int | None = None
    actor_token_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)  # each event type's own JSON fields


@dataclass(frozen=True, slots=True)
class CallEvent:
    """A call or recall as the board's "latest calls" list shows it."""

    type: str
    at: datetime
    window_id: int | None
    service_id: int | None
    number: str


@dataclass(frozen=True, slots=True)
class ZonePlace:
    """Where a zone is: its name and floor (both may be empty)."""

    name: str
    floor: str


@dataclass(frozen=True, slots=True)
class HallRules:
    """The hall's rules as stored (JSON) and its notice."""

    settings: dict[str, Any]  # validated by HallSettings.from_dict / the contract's model
    notice: str


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """An active service as the catalogue pages list it, with its department and guide."""

    id: int
    code: str
    name: str
    name_en: str
    prefix: str
    department: str
    department_name: str
    theme: str
    category: str
    case_type: str
    daily_cap: int | None
    priority_allowed: bool
    keywords: tuple[str, ...]
    guide: dict[str, Any]  # 办事指南 as stored, validated by the contract's Guide


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """A device's latest report (its heartbeat)."""

    kind: str
    device: str
    state: str
    detail: str
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One line of the audit log."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]  # the action's own JSON (often before and after)


@dataclass(frozen=True, slots=True)
class SlotView:
    """A booking slot with its places (预约时段)."""

    id: int
    service_id: int
    day: date
    start: time
    end: time
    capacity: int
    booked: int
    open: bool


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking as the manager's day list shows it (personal data masked), with its slot."""

    code: str
    status: str
    channel: str
    service_id: int
    phone_masked: str | None
    id_masked: str | None
    created_at: datetime
    checked_in_at: datetime | None
    ticket_id: int | None
    slot: SlotView


class HallStore(Protocol):
    """A hall's catalogue, figures and records, in one transaction."""

    def hall_versions(self) -> dict[int, int]:
        """Each hall's catalogue version (a cached catalogue is stale when its version moved)."""
        ...

    def hall_id(self, code: str | None) -> int:
        """The id of hall ``code``, or of the only hall when None (NotFound otherwise)."""
        ...

    def bump_catalogue(self, hall_id: int) -> None:
        """Mark the catalogue changed so every process reloads it."""
        ...

    def load_catalogue(self, hall_id: int) -> HallCatalogue:
        """The hall's settings, services, windows and assignments."""
        ...

    def rules(self, hall_id: int) -> HallRules:
        """The hall's rules as stored."""
        ...

    def save_rules(self, hall_id: int, rules: HallRules) -> None:
        """Replace the hall's rules and notice."""
        ...

    def service_entries(self, hall_id: int, code: str | None = None) -> list[ServiceEntry]:
        """The hall's active services by code (only ``code`` when given)."""
        ...

    def zone_place(self, hall_id: int, code: str) -> ZonePlace | None:
        """A zone's name and floor."""
        ...

    def handling_stats(self, service_id: int) -> tuple[float, int] | None:
        """A service's running mean handling seconds and samples."""
        ...

    def fold_handling(
        self, hall_id: int, service_id: int, first: tuple[float, int], seconds: float
    ) -> tuple[float, int]:
        """Fold one case of ``seconds`` (``foldable``) into the service's stored running mean as
        ``HandlingStats.observe`` does, or store ``first`` when it has none yet; the figure now."""
        ...

    def add_event(self, event: NewEvent) -> None:
        """Append an event row."""
        ...

    def recent_calls(self, hall_id: int, limit: int) -> list[CallEvent]:
        """The latest calls and recalls, newest first."""
        ...

    def audit(
        self, hall_id: int, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        """Write one audit-log line (``detail``: the action's own JSON, often before and after)."""
        ...

    def audit_lines(
        self, hall_id: int, *, action: str | None, subject: str | None, since: datetime | None, limit: int
    ) -> list[AuditLine]:
        """The audit log newest first: ``action`` a prefix, ``subject`` exact, from ``since`` on."""
        ...

    def bookings_on(self, hall_id: int, day: date, service_id: int | None) -> list[Booking]:
        """A day's bookings (of one service when given) by slot time, then as booked."""
        ...

    def devices(self, hall_id: int) -> list[DeviceReport]:
        """Each device's latest report, by kind and name."""
        ...

    def save_device(
        self, hall_id: int, kind: str, device: str, state: str, detail: str, at: datetime
    ) -> None:
        """Remember a device's latest report."""
        ...
