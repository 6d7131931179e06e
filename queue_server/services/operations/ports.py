"""The operations' port: alerts (raised, escalated, acknowledged, cleared) and what the rules read.

``queue_server.adapters.operations`` implements it on SQL; tests use an in-memory fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert as stored: a rule's finding about a subject, and what the managers did with it."""

    id: int
    hall_id: int
    rule: str
    subject: str
    severity: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    cleared_at: datetime | None
    detail: dict[str, Any]  # each rule's own JSON fields

    def public(self) -> dict[str, Any]:
        """The fields the contract's alert models take (all but the hall)."""
        return {
            "id": self.id,
            "rule": self.rule,
            "subject": self.subject,
            "severity": self.severity,
            "raised_at": self.raised_at,
            "acknowledged_at": self.acknowledged_at,
            "acknowledged_by": self.acknowledged_by,
            "cleared_at": self.cleared_at,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class WaitingSince:
    """A waiting ticket as the long-wait rule sees it."""

    number: str
    service_id: int
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class PromisedCase:
    """An open promised case (承诺件): its promised date and the extensions approved since."""

    id: int
    ticket_id: int
    promised_date: date | None
    extensions: list[dict[str, Any]]  # as stored: each {"to": ISO date, …}


@dataclass(frozen=True, slots=True)
class CaseRef:
    """A case as an alert names it: its ticket, service, window and clerk."""

    id: int
    number: str
    service_id: int
    window_id: int | None
    clerk_user_id: int | None


class AlertStore(Protocol):
    """Alerts and the hall facts their rules read, in one transaction."""

    def standing(self, hall_id: int) -> list[AlertRow]:
        """Alerts not cleared."""
        ...

    def raise_(
        self, hall_id: int, rule: str, subject: str, severity: str, at: datetime, detail: dict[str, Any]
    ) -> int | None:
        """Store a new alert; its id (None, and nothing stored, when one of that rule and subject
        stands already)."""
        ...

    def escalate(self, alert_id: int, severity: str, detail: dict[str, Any]) -> bool:
        """Change a standing alert's severity and detail; False when it was cleared or has that
        severity already."""
        ...

    def clear(self, alert_id: int, at: datetime) -> bool:
        """Mark an alert cleared; False when it was cleared already."""
        ...

    def acknowledge(self, ids: Sequence[int], at: datetime, by: str) -> None:
        """Mark alerts acknowledged by ``by``."""
        ...

    def get(self, alert_id: int) -> AlertRow | None:
        """An alert by id."""
        ...

    def by_ids(self, hall_id: int, ids: Sequence[int]) -> list[AlertRow]:
        """The hall's alerts among ``ids``, by id."""
        ...

    def latest(self, hall_id: int, *, open_only: bool, limit: int) -> list[AlertRow]:
        """The hall's alerts newest first (standing ones only when ``open_only``)."""
        ...

    def raised_between(
        self, hall_id: int, lower: datetime, upper: datetime, rule: str | None
    ) -> list[AlertRow]:
        """Alerts raised in [lower, upper) (of one rule when given), oldest first."""
        ...

    def waiting_since(self, hall_id: int) -> list[WaitingSince]:
        """Every waiting ticket of the hall."""
        ...

    def open_cases(self, hall_id: int) -> list[PromisedCase]:
        """The hall's open promised cases."""
        ...

    def case_refs(self, ids: Sequence[int]) -> dict[int, CaseRef]:
        """Cases by id, with their ticket number."""
        ...

    def case_windows(self, ids: Sequence[int]) -> dict[int, int | None]:
        """The window of each case."""
        ...

    def follow_up_windows(self, ids: Sequence[int]) -> dict[int, int | None]:
        """The window of each 差评 follow-up's evaluation."""
        ...

    def department_names(self, hall_id: int) -> dict[int, str]:
        """The hall's departments' names by id."""
        ...
