"""Alerts named the way a manager acts on them: ticket number, service, department, window, clerk.

The alert engine keeps a rule's subject in its own terms (``case:6441``, ``window:3``); a manager
triaging a month of lights needs "A012 · 不动产登记 · 3 号窗口 · 张敏". The names are read at list time
in a few set-based queries, so a list of thousands costs the same handful of statements.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from queue_server import contract as c
from queue_server.services.unit_of_work import UnitOfWork

# Lights about the hall at this moment, as opposed to reminders of promised cases and follow-ups.
LIVE_RULES = frozenset(
    {"ticket.long_wait", "window.away", "service.uncovered", "device.silent", "device.trouble"}
)


def named(uow: UnitOfWork, hall_id: int, alerts: list[c.AlertPublic]) -> list[c.AlertPublic]:
    """The alerts with their ticket, service, department, window and clerk filled in."""
    catalogue = uow.catalogue(hall_id)
    departments = uow.stores.alerts.department_names(hall_id)
    by_code = {s.code: s for s in catalogue.services.values()}
    windows = {w.number: w for w in catalogue.windows.values()}
    window_rows = {r.id: r for r in uow.stores.windows.rows(hall_id)}
    case_ids = [int(a.detail["case"]) for a in alerts if a.rule.startswith("case.") and "case" in a.detail]
    cases = uow.stores.alerts.case_refs(case_ids)
    clerk_ids = {r.clerk_id for r in window_rows.values() if r.clerk_id}
    clerk_ids |= {r.clerk_user_id for r in cases.values() if r.clerk_user_id}
    users = uow.stores.windows.clerks(clerk_ids)

    def clerk(user_id: int | None) -> str | None:
        user = users.get(user_id) if user_id else None
        return f"{user.name}（{user.staff_no}）" if user is not None else None

    def service(code: str | None = None, service_id: int | None = None) -> dict[str, Any]:
        item = by_code.get(code or "") if code else catalogue.services.get(service_id or -1)
        if item is None:
            return {}
        return {"service_name": item.name, "department": departments.get(item.department_id)}

    out = []
    for alert in alerts:
        d = alert.detail
        extra: dict[str, Any] = {"live": alert.rule in LIVE_RULES}
        if alert.rule == "ticket.long_wait":
            extra.update(ticket=d.get("number"), **service(code=d.get("service")))
        elif alert.rule == "service.uncovered":
            extra.update(**service(code=d.get("service")))
        elif alert.rule == "window.away":
            window = windows.get(str(d.get("window")))
            live = window_rows.get(window.id) if window else None
            extra.update(window=d.get("window"), clerk=clerk(live.clerk_id if live else None))
        elif alert.rule.startswith("case.") and int(d.get("case", 0)) in cases:
            case = cases[int(d["case"])]
            place = catalogue.windows.get(case.window_id) if case.window_id else None
            extra.update(
                ticket=case.number,
                window=place.number if place else None,
                clerk=clerk(case.clerk_user_id),
                due=_day(d.get("due")),
                **service(service_id=case.service_id),
            )
        elif alert.rule.startswith("evaluation."):
            extra.update(ticket=d.get("ticket"), due=_day(d.get("due")))
        out.append(alert.model_copy(update=extra))
    return out


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
