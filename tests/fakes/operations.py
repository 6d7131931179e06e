"""The alerts' store in memory, reading waiting tickets from the ticket fake."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from queue_server.services.operations.ports import AlertRow, CaseRef, PromisedCase, WaitingSince
from tests.fakes.tickets import FakeTicketStore


class FakeAlertStore:
    """Alerts by id; cases, follow-ups and departments as the tests put them."""

    def __init__(self, tickets: FakeTicketStore) -> None:
        self.tickets = tickets
        self.rows: dict[int, AlertRow] = {}
        self.cases: dict[int, PromisedCase] = {}
        self.refs: dict[int, CaseRef] = {}
        self.follow_ups: dict[int, int | None] = {}
        self.departments: dict[int, str] = {}
        self._ids = itertools.count(1)

    def standing(self, hall_id: int) -> list[AlertRow]:
        return [r for r in self.by_hall(hall_id) if r.cleared_at is None]

    def by_hall(self, hall_id: int) -> list[AlertRow]:
        return [r for _, r in sorted(self.rows.items()) if r.hall_id == hall_id]

    def raise_(
        self, hall_id: int, rule: str, subject: str, severity: str, at: datetime, detail: dict[str, Any]
    ) -> int | None:
        if any(r.rule == rule and r.subject == subject for r in self.standing(hall_id)):
            return None
        alert_id = next(self._ids)
        self.rows[alert_id] = AlertRow(
            alert_id, hall_id, rule, subject, severity, at, None, None, None, detail
        )
        return alert_id

    def escalate(self, alert_id: int, severity: str, detail: dict[str, Any]) -> bool:
        row = self.rows[alert_id]
        if row.cleared_at is not None or row.severity == severity:
            return False
        self.rows[alert_id] = replace(row, severity=severity, detail=detail)
        return True

    def clear(self, alert_id: int, at: datetime) -> bool:
        if self.rows[alert_id].cleared_at is not None:
            return False
        self.rows[alert_id] = replace(self.rows[alert_id], cleared_at=at)
        return True

    def acknowledge(self, ids: Sequence[int], at: datetime, by: str) -> None:
        for alert_id in ids:
            self.rows[alert_id] = replace(self.rows[alert_id], acknowledged_at=at, acknowledged_by=by)

    def get(self, alert_id: int) -> AlertRow | None:
        return self.rows.get(alert_id)

    def by_ids(self, hall_id: int, ids: Sequence[int]) -> list[AlertRow]:
        return [r for r in self.by_hall(hall_id) if r.id in ids]

    def latest(self, hall_id: int, *, open_only: bool, limit: int) -> list[AlertRow]:
        rows = self.standing(hall_id) if open_only else self.by_hall(hall_id)
        return list(reversed(rows))[:limit]

    def raised_between(
        self, hall_id: int, lower: datetime, upper: datetime, rule: str | None
    ) -> list[AlertRow]:
        rows = [
            r for r in self.by_hall(hall_id) if lower <= r.raised_at < upper and rule in (None, "", r.rule)
        ]
        return sorted(rows, key=lambda r: (r.raised_at, r.id))

    def waiting_since(self, hall_id: int) -> list[WaitingSince]:
        return [
            WaitingSince(r.number, r.service_id, r.issued_at)
            for r in self.tickets.rows.values()
            if r.hall_id == hall_id and r.status == "waiting"
        ]

    def open_cases(self, hall_id: int) -> list[PromisedCase]:
        return list(self.cases.values())

    def case_refs(self, ids: Sequence[int]) -> dict[int, CaseRef]:
        return {i: self.refs[i] for i in ids if i in self.refs}

    def case_windows(self, ids: Sequence[int]) -> dict[int, int | None]:
        return {i: self.refs[i].window_id for i in ids if i in self.refs}

    def follow_up_windows(self, ids: Sequence[int]) -> dict[int, int | None]:
        return {i: self.follow_ups[i] for i in ids if i in self.follow_ups}

    def department_names(self, hall_id: int) -> dict[int, str]:
        return dict(self.departments)
