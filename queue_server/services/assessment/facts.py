"""The month's facts for the assessment, read from the record: events, cases, evaluations, complaints,
praise and the managers' entries. Each fact keeps the ids of the rows it comes from."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, null, select

from queue_server.adapters import tables as t
from queue_server.adapters.raw import read_time
from queue_server.domain import complaints as cp
from queue_server.domain import measures
from queue_server.domain.assessment import Fact
from queue_server.domain.errors import Rejected
from queue_server.domain.evaluations import BAD, Level
from queue_server.domain.numbering import business_day
from queue_server.domain.rubric import Rubric
from queue_server.services.cases.outcomes import deadline
from queue_server.services.unit_of_work import UnitOfWork

MONTH = re.compile(r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$")  # 1970-01 … 2999-12: both ends have neighbours
CALLS = ("ticket.called", "ticket.called_back", "ticket.recalled")
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
    return {i for i, u in uow.repo.users_by_ids(ids).items() if u.role == "clerk"}


def _event_rows(uow: UnitOfWork, hall_id: int, start: datetime, end: datetime) -> list[Any]:
    """The month's window.status and no-show events, and the calls and recalls of the no-shown tickets
    only (a month has tens of thousands of calls; a few dozen no-shows), oldest first."""
    e = t.events
    columns = (e.c.id, e.c.type, e.c.at, e.c.window_id, e.c.ticket_id, e.c.actor_user_id)
    month = (e.c.hall_id == hall_id, e.c.at >= start, e.c.at < end)
    conn = uow.repo.conn
    rows = list(
        conn.execute(select(*columns, e.c.data).where(*month, e.c.type.in_(("window.status", NO_SHOW))))
    )
    tickets = sorted({r.ticket_id for r in rows if r.type == NO_SHOW and r.ticket_id is not None})
    for chunk in range(0, len(tickets), 500):
        rows += conn.execute(
            select(*columns, null().label("data")).where(
                e.c.hall_id == hall_id,
                e.c.at >= start - timedelta(days=1),
                e.c.at < end,
                e.c.type.in_(CALLS),
                e.c.ticket_id.in_(tickets[chunk : chunk + 500]),
            )
        ).all()
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
        window = number.get(r.window_id)
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
        else:
            calls.append(
                measures.CallEvent(
                    r.id, r.ticket_id, r.type, r.at, window, clerk, (r.data or {}).get("number", "")
                )
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
        e = t.events
        found = uow.repo.conn.execute(
            select(func.max(e.c.at)).where(
                e.c.hall_id == hall_id,
                e.c.window_id == ids[window],
                e.c.type.like("ticket.%"),
                e.c.actor_user_id.is_not(None),
                e.c.at >= datetime.combine(day, datetime.min.time(), zone),
                e.c.at <= datetime.combine(day, periods[-1][1], zone),
            )
        ).scalar()
        if found is None or (isinstance(found, datetime) and found.tzinfo is not None):
            return found  # type: ignore[no-any-return]
        return read_time(found)

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
    rows = uow.repo.conn.execute(
        select(t.cases, t.tickets.c.number.label("ticket_number"))
        .join(t.tickets, t.tickets.c.id == t.cases.c.ticket_id)
        .where(t.cases.c.hall_id == hall_id, t.cases.c.promised_date.is_not(None))
    )
    timezone = uow.catalogue(hall_id).timezone
    records = []
    for r in rows:
        due = deadline(r)
        window = number.get(r.window_id)
        if due is None or window is None:
            continue
        done = business_day(r.completed_at, timezone) if r.completed_at else None
        records.append(measures.CaseRecord(r.id, window, due, done, r.clerk_user_id, r.ticket_number))
    out.facts.extend(measures.overdue_cases(records, first, last, today))


def _from_evaluations(
    uow: UnitOfWork, hall_id: int, start: datetime, end: datetime, number: dict[int, str], out: MonthFacts
) -> None:
    rows = uow.repo.conn.execute(
        select(t.evaluations, t.evaluation_follow_ups.c.id.label("follow_up_id"))
        .outerjoin(t.evaluation_follow_ups, t.evaluation_follow_ups.c.evaluation_id == t.evaluations.c.id)
        .where(
            t.evaluations.c.hall_id == hall_id,
            t.evaluations.c.status == "rated",
            t.evaluations.c.is_default.is_(False),
            t.evaluations.c.level.in_([level.value for level in BAD]),
            t.evaluations.c.recorded_at >= start,
            t.evaluations.c.recorded_at < end,
        )
    )
    for r in rows:
        window = number.get(r.window_id)
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
    complaints = uow.repo.conn.execute(
        select(t.complaints).where(
            t.complaints.c.hall_id == hall_id,
            t.complaints.c.verdict == cp.Verdict.VERIFIED.value,
            t.complaints.c.verified_at >= start,
            t.complaints.c.verified_at < end,
        )
    )
    for r in complaints:
        window = number.get(r.window_id)
        if window is not None:
            out.facts.extend(
                cp.complaint_facts(r.id, window, r.clerk_user_id, cp.Category(r.category), r.points)
            )
    praise = uow.repo.conn.execute(
        select(t.praise).where(t.praise.c.hall_id == hall_id, t.praise.c.day >= first, t.praise.c.day <= last)
    )
    for r in praise:
        ref = {"praise": r.id, "kind": r.kind, "day": r.day.isoformat()}
        out.facts.append(
            Fact(f"bonus.praise:praise:{r.id}", "bonus.praise", number[r.window_id], r.clerk_user_id, ref=ref)
        )


def _from_entries(uow: UnitOfWork, hall_id: int, month: str, number: dict[int, str], out: MonthFacts) -> None:
    rows = uow.repo.conn.execute(
        select(t.assessment_entries)
        .where(
            t.assessment_entries.c.hall_id == hall_id,
            t.assessment_entries.c.month == month,
            t.assessment_entries.c.withdrawn_at.is_(None),
        )
        .order_by(t.assessment_entries.c.id)
    )
    for r in rows:
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
                float(r._mapping["count"]),  # Row.count is tuple.count
                r.points,
                ref,
                r.reason,
                "manual",
            )
        )
