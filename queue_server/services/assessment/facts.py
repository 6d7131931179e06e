"""The month's facts for the assessment, read from the record: events, cases, evaluations, complaints,
praise and the managers' entries. Each fact keeps the ids of the rows it comes from."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.domain import complaints as cp
from queue_server.domain import measures
from queue_server.domain.assessment import Fact
from queue_server.domain.errors import Rejected
from queue_server.domain.evaluations import BAD, Level
from queue_server.domain.numbering import business_day
from queue_server.domain.outcomes import extended_deadline
from queue_server.domain.rubric import Rubric
from queue_server.services.assessment.ports import EventFact
from queue_server.services.unit_of_work import UnitOfWork

MONTH = re.compile(r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$")  # 1970-01 … 2999-12: both ends have neighbours
NO_SHOW = "ticket.no_show"


def month_days(month: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``."""
    if not MONTH.match(month):
        raise Rejected("assessment.bad_month", month=month)
    year, number = int(month[:4]), int(month[5:])
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])


@dataclass
class MonthFacts:
    """What counts in a month, and who worked at which window."""

    facts: list[Fact] = field(default_factory=list)
    waived: dict[str, int] = field(default_factory=dict)  # fact id → the entry waiving it
    clerks_at: dict[str, set[int]] = field(default_factory=dict)  # window → clerks who opened it
    active: set[str] = field(default_factory=set)  # windows in service this month


def _bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    return start, end


def collect(uow: UnitOfWork, hall_id: int, month: str, rubric: Rubric) -> MonthFacts:
    """Every fact of ``month`` in hall ``hall_id``."""
    catalogue = uow.catalogue(hall_id)
    zone = ZoneInfo(catalogue.timezone)
    first, last = month_days(month)
    start, end = _bounds(first, last, zone)
    number = {w.id: w.number for w in catalogue.windows.values()}
    out = MonthFacts()
    _from_events(uow, hall_id, start, end, number, zone, rubric, out)
    today = business_day(uow.now, catalogue.timezone)
    _from_cases(uow, hall_id, first, last, today, number, out)
    _from_evaluations(uow, hall_id, start, end, number, out)
    _from_registers(uow, hall_id, start, end, first, last, number, out)
    _from_entries(uow, hall_id, month, number, out)
    out.active |= {f.window for f in out.facts}
    return out


def _clerks(uow: UnitOfWork, ids: set[int]) -> set[int]:
    """The ids among ``ids`` that are clerks (a manager opening a window is not its attendance)."""
    return {i for i, u in uow.stores.assessment.people(ids).items() if u.role == "clerk"}


def _event_rows(uow: UnitOfWork, hall_id: int, start: datetime, end: datetime) -> list[EventFact]:
    """The month's window.status and no-show events, and the calls and recalls of the no-shown tickets
    only (a month has tens of thousands of calls; a few dozen no-shows), oldest first."""
    store = uow.stores.assessment
    rows = store.status_events(hall_id, start, end)
    tickets = {r.ticket_id for r in rows if r.type == NO_SHOW and r.ticket_id is not None}
    if tickets:  # a call the day before can be the one a no-show of the month's first day follows
        rows += store.calls_of(hall_id, tickets, start - timedelta(days=1), end)
    return sorted(rows, key=lambda r: (r.at, r.id))


def _from_events(
    uow: UnitOfWork,
    hall_id: int,
    start: datetime,
    end: datetime,
    number: dict[int, str],
    zone: ZoneInfo,
    rubric: Rubric,
    out: MonthFacts,
) -> None:
    rows = _event_rows(uow, hall_id, start, end)
    clerks = _clerks(uow, {r.actor_user_id for r in rows if r.actor_user_id is not None})
    changes: dict[str, list[measures.StatusChange]] = {}
    calls = []
    for r in rows:
        window = number.get(r.window_id) if r.window_id is not None else None
        if window is None:
            continue
        clerk = r.actor_user_id if r.actor_user_id in clerks else None
        if r.type == "window.status":
            status = r.data.get("status", "")
            changes.setdefault(window, []).append(
                measures.StatusChange(r.id, r.at, status, r.data.get("reason"), clerk)
            )
            if status == "open" and clerk is not None:
                out.clerks_at.setdefault(window, set()).add(clerk)
        elif r.ticket_id is not None:
            calls.append(
                measures.CallEvent(r.id, r.ticket_id, r.type, r.at, window, clerk, r.data.get("number", ""))
            )
    hours = uow.catalogue(hall_id).settings.hours
    presence = _last_presence(uow, hall_id, {n: i for i, n in number.items()}, hours.periods_on, zone)
    for window, items in changes.items():
        out.active.add(window)
        out.facts.extend(
            measures.attendance(window, items, hours.duty_periods_on, zone, rubric.measure, presence)
        )
    out.facts.extend(measures.hasty_no_shows(calls, rubric.measure))


def _last_presence(
    uow: UnitOfWork, hall_id: int, ids: dict[str, int], periods_on: measures.Periods, zone: ZoneInfo
) -> measures.Presence:
    """The last ticket action by a clerk at a window on a day it was left open (asked only for those
    few days), up to the day's closing time."""

    def last(window: str, day: date) -> datetime | None:
        periods = periods_on(day)
        if window not in ids or not periods:
            return None
        start = datetime.combine(day, datetime.min.time(), zone)
        until = datetime.combine(day, periods[-1][1], zone)
        return uow.stores.assessment.last_ticket_action(hall_id, ids[window], start, until)

    return last


def _from_cases(
    uow: UnitOfWork,
    hall_id: int,
    first: date,
    last: date,
    today: date,
    number: dict[int, str],
    out: MonthFacts,
) -> None:
    timezone = uow.catalogue(hall_id).timezone
    records = []
    for r in uow.stores.assessment.promised_cases(hall_id):
        due = extended_deadline(r.promised_date, r.extensions)
        window = number.get(r.window_id) if r.window_id is not None else None
        if due is None or window is None:
            continue
        done = business_day(r.completed_at, timezone) if r.completed_at else None
        records.append(measures.CaseRecord(r.id, window, due, done, r.clerk_user_id, r.ticket_number))
    out.facts.extend(measures.overdue_cases(records, first, last, today))


def _from_evaluations(
    uow: UnitOfWork, hall_id: int, start: datetime, end: datetime, number: dict[int, str], out: MonthFacts
) -> None:
    levels = [level.value for level in BAD]
    for r in uow.stores.assessment.bad_ratings(hall_id, levels, start, end):
        window = number.get(r.window_id) if r.window_id is not None else None
        if window is None:
            continue
        ref: dict[str, Any] = {"evaluation": r.id, "level": Level(r.level).value, "follow_up": r.follow_up_id}
        out.facts.append(
            Fact(
                f"results.bad_rating:evaluation:{r.id}",
                "results.bad_rating",
                window,
                r.clerk_user_id,
                ref=ref,
            )
        )


def _from_registers(
    uow: UnitOfWork,
    hall_id: int,
    start: datetime,
    end: datetime,
    first: date,
    last: date,
    number: dict[int, str],
    out: MonthFacts,
) -> None:
    for r in uow.stores.complaints.verified_between(hall_id, start, end):
        window = number.get(r.window_id) if r.window_id is not None else None
        if window is not None:
            out.facts.extend(
                cp.complaint_facts(r.id, window, r.clerk_user_id, cp.Category(r.category), r.points)
            )
    for p in sorted(uow.stores.complaints.praise(hall_id, first, last), key=lambda p: p.id):
        ref = {"praise": p.id, "kind": p.kind, "day": p.day.isoformat()}
        out.facts.append(
            Fact(f"bonus.praise:praise:{p.id}", "bonus.praise", number[p.window_id], p.clerk_user_id, ref=ref)
        )


def _from_entries(uow: UnitOfWork, hall_id: int, month: str, number: dict[int, str], out: MonthFacts) -> None:
    for r in uow.stores.assessment.entries(hall_id, month):
        if r.waives:
            out.waived[r.waives] = r.id
            continue
        ref = {"entry": r.id, "by": r.created_by, "at": r.created_at.isoformat()}
        out.facts.append(
            Fact(
                f"{r.rule}:entry:{r.id}",
                r.rule,
                number[r.window_id],
                r.clerk_user_id,
                float(r.count),
                r.points,
                ref,
                r.reason,
                "manual",
            )
        )
