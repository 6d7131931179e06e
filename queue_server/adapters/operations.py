"""The alerts' store on SQL, with the hall facts the alert rules read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from queue_server.adapters import tables as t
from queue_server.services.operations.ports import AlertRow, CaseRef, PromisedCase, WaitingSince


def _alert(row: Row[Any]) -> AlertRow:
    return AlertRow(
        id=row.id,
        hall_id=row.hall_id,
        rule=row.rule,
        subject=row.subject,
        severity=row.severity,
        raised_at=row.raised_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        cleared_at=row.cleared_at,
        detail=dict(row.detail or {}),
    )


class SqlAlertStore:
    """Alerts on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _alerts(self, *where: Any, order: Any = t.alerts.c.id, limit: int | None = None) -> list[AlertRow]:
        query = select(t.alerts).where(*where).order_by(order)
        if limit is not None:
            query = query.limit(limit)
        return [_alert(r) for r in self.conn.execute(query)]

    def standing(self, hall_id: int) -> list[AlertRow]:
        """Alerts not cleared."""
        return self._alerts(t.alerts.c.hall_id == hall_id, t.alerts.c.cleared_at.is_(None))

    def raise_(
        self, hall_id: int, rule: str, subject: str, severity: str, at: datetime, detail: dict[str, Any]
    ) -> int | None:
        """Store a new alert; its id (None, and nothing stored, when one of that rule and subject
        stands already)."""
        al = t.alerts
        standing = select(al.c.id).where(
            al.c.hall_id == hall_id, al.c.subject == subject, al.c.rule == rule, al.c.cleared_at.is_(None)
        )
        if self.conn.execute(standing.limit(1)).first() is not None:
            return None
        values = {
            "hall_id": hall_id,
            "rule": rule,
            "subject": subject,
            "severity": severity,
            "raised_at": at,
            "detail": detail,
        }
        return int(self.conn.execute(t.alerts.insert().returning(t.alerts.c.id), values).scalar_one())

    def escalate(self, alert_id: int, severity: str, detail: dict[str, Any]) -> bool:
        """Change a standing alert's severity and detail; False when it was cleared or has that
        severity already."""
        al = t.alerts
        done = self.conn.execute(
            update(al)
            .where(al.c.id == alert_id, al.c.cleared_at.is_(None), al.c.severity != severity)
            .values(severity=severity, detail=detail)
        )
        return done.rowcount == 1

    def clear(self, alert_id: int, at: datetime) -> bool:
        """Mark an alert cleared; False when it was cleared already."""
        al = t.alerts
        done = self.conn.execute(
            update(al).where(al.c.id == alert_id, al.c.cleared_at.is_(None)).values(cleared_at=at)
        )
        return done.rowcount == 1

    def acknowledge(self, ids: Sequence[int], at: datetime, by: str) -> None:
        """Mark alerts acknowledged by ``by``."""
        self.conn.execute(
            update(t.alerts)
            .where(t.alerts.c.id.in_(list(ids)))
            .values(acknowledged_at=at, acknowledged_by=by)
        )

    def get(self, alert_id: int) -> AlertRow | None:
        """An alert by id."""
        found = self._alerts(t.alerts.c.id == alert_id)
        return found[0] if found else None

    def by_ids(self, hall_id: int, ids: Sequence[int]) -> list[AlertRow]:
        """The hall's alerts among ``ids``, by id."""
        return self._alerts(t.alerts.c.hall_id == hall_id, t.alerts.c.id.in_(list(ids)))

    def latest(self, hall_id: int, *, open_only: bool, limit: int) -> list[AlertRow]:
        """The hall's alerts newest first (standing ones only when ``open_only``)."""
        where = [t.alerts.c.hall_id == hall_id]
        if open_only:
            where.append(t.alerts.c.cleared_at.is_(None))
        return self._alerts(*where, order=t.alerts.c.id.desc(), limit=limit)

    def raised_between(
        self, hall_id: int, lower: datetime, upper: datetime, rule: str | None
    ) -> list[AlertRow]:
        """Alerts raised in [lower, upper) (of one rule when given), oldest first."""
        al = t.alerts
        where = [al.c.hall_id == hall_id, al.c.raised_at >= lower, al.c.raised_at < upper]
        if rule:
            where.append(al.c.rule == rule)
        query = select(al).where(*where).order_by(al.c.raised_at, al.c.id)
        return [_alert(r) for r in self.conn.execute(query)]

    def waiting_since(self, hall_id: int) -> list[WaitingSince]:
        """Every waiting ticket of the hall."""
        tk = t.tickets
        query = select(tk.c.number, tk.c.service_id, tk.c.issued_at).where(
            tk.c.hall_id == hall_id, tk.c.status == "waiting"
        )
        return [WaitingSince(*r) for r in self.conn.execute(query)]

    def open_cases(self, hall_id: int) -> list[PromisedCase]:
        """The hall's open promised cases."""
        cs = t.cases
        query = select(cs.c.id, cs.c.ticket_id, cs.c.promised_date, cs.c.extensions).where(
            cs.c.hall_id == hall_id, cs.c.status == "open"
        )
        return [
            PromisedCase(r.id, r.ticket_id, r.promised_date, list(r.extensions or []))
            for r in self.conn.execute(query)
        ]

    def case_refs(self, ids: Sequence[int]) -> dict[int, CaseRef]:
        """Cases by id, with their ticket number."""
        if not ids:
            return {}
        cs = t.cases
        query = (
            select(cs.c.id, t.tickets.c.number, cs.c.service_id, cs.c.window_id, cs.c.clerk_user_id)
            .join(t.tickets, t.tickets.c.id == cs.c.ticket_id)
            .where(cs.c.id.in_(list(ids)))
        )
        return {r.id: CaseRef(*r) for r in self.conn.execute(query)}

    def case_windows(self, ids: Sequence[int]) -> dict[int, int | None]:
        """The window of each case."""
        if not ids:
            return {}
        query = select(t.cases.c.id, t.cases.c.window_id).where(t.cases.c.id.in_(list(ids)))
        return {r.id: r.window_id for r in self.conn.execute(query)}

    def follow_up_windows(self, ids: Sequence[int]) -> dict[int, int | None]:
        """The window of each 差评 follow-up's evaluation."""
        if not ids:
            return {}
        fu, ev = t.evaluation_follow_ups, t.evaluations
        query = (
            select(fu.c.id, ev.c.window_id)
            .join(ev, ev.c.id == fu.c.evaluation_id)
            .where(fu.c.id.in_(list(ids)))
        )
        return {r.id: r.window_id for r in self.conn.execute(query)}

    def department_names(self, hall_id: int) -> dict[int, str]:
        """The hall's departments' names by id."""
        query = select(t.departments.c.id, t.departments.c.name).where(t.departments.c.hall_id == hall_id)
        return {r.id: r.name for r in self.conn.execute(query)}
