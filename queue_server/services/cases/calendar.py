"""The calendar, set by a manager: holidays and 调休 working days (both calendars: opening hours and
法定工作日), extended hours (opening only). A change recounts or flags the open deadlines."""

from __future__ import annotations

from datetime import date, time, timedelta

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.services.cases.deadlines import recount
from queue_server.services.cases.ports import CalendarMark, WindowHours
from queue_server.services.unit_of_work import UnitOfWork

MAX_RANGE_DAYS = 400


def read_calendar(uow: UnitOfWork, actor: Actor, start: date, end: date) -> list[c.CalendarEntry]:
    """Every date from ``start`` to ``end`` with its working periods."""
    actor.require(Permission.READ_HALL)
    if end < start or (end - start).days > MAX_RANGE_DAYS:
        raise Rejected("request.invalid", detail=f"a range of at most {MAX_RANGE_DAYS} days")
    settings = uow.catalogue(actor.hall_id).settings
    hours = settings.hours
    marks = {r.day: r for r in uow.stores.calendar.marks(actor.hall_id, start, end)}
    out = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        mark = marks.get(day)
        periods = list(hours.periods_on(day))
        out.append(
            c.CalendarEntry(
                day=day,
                working=hours.is_open_day(day),
                periods=periods,
                kind=c.CalendarDayKind(mark.kind) if mark else None,
                note=mark.note if mark else "",
                workday=settings.working_days.is_working_day(day),
            )
        )
    return out


def set_day(uow: UnitOfWork, actor: Actor, day: date, mark: c.CalendarDay) -> c.CalendarEntry:
    """Mark a date as a holiday, a 调休 working day, or extended hours; applies at once."""
    actor.require(Permission.MANAGE_HALL)
    for start, end in mark.periods:
        if end <= start:
            raise Rejected("request.invalid", detail=f"period {start}-{end} ends before it starts")
    if mark.kind == c.CalendarDayKind.EXTENDED and not mark.periods:
        raise Rejected("request.invalid", detail="extended hours need their periods")
    before = uow.catalogue(actor.hall_id).settings.working_days
    periods = [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in mark.periods]
    uow.stores.calendar.set_mark(actor.hall_id, CalendarMark(day, mark.kind.value, periods, mark.note))
    uow.refresh_catalogue(actor.hall_id)
    uow.audit(actor, "calendar.set", day.isoformat(), mark.model_dump(mode="json"))
    moved = recount(uow, actor, before)
    return read_calendar(uow, actor, day, day)[0].model_copy(update={"deadlines": moved})


def clear_day(uow: UnitOfWork, actor: Actor, day: date) -> c.CalendarEntry:
    """Remove a date's mark: it follows the weekly hours again."""
    actor.require(Permission.MANAGE_HALL)
    before = uow.catalogue(actor.hall_id).settings.working_days
    uow.stores.calendar.clear_mark(actor.hall_id, day)
    uow.refresh_catalogue(actor.hall_id)
    uow.audit(actor, "calendar.clear", day.isoformat(), {})
    moved = recount(uow, actor, before)
    return read_calendar(uow, actor, day, day)[0].model_copy(update={"deadlines": moved})


def set_window_hours(
    uow: UnitOfWork, actor: Actor, day: date, number: str, hours: c.WindowExtendedHours
) -> c.WindowExtendedHours:
    """Approve extended hours (延时服务) for one window on one day; its services issue then too."""
    actor.require(Permission.MANAGE_HALL)
    window = uow.catalogue(actor.hall_id).window(number)
    for start, end in hours.periods:
        if end <= start:
            raise Rejected("request.invalid", detail=f"period {start}-{end} ends before it starts")
    periods = [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in hours.periods]
    approved = WindowHours(window.id, day, periods, hours.note, actor.label)
    uow.stores.calendar.set_window_hours(actor.hall_id, approved)
    uow.refresh_catalogue(actor.hall_id)
    detail = {"window": number, **hours.model_dump(mode="json")}
    uow.audit(actor, "calendar.window_hours", day.isoformat(), detail)
    return hours


def window_hours(uow: UnitOfWork, actor: Actor, day: date) -> list[c.ApprovedWindowHours]:
    """The windows with approved extended hours on ``day``, by window number."""
    actor.require(Permission.READ_HALL)
    rows = uow.stores.calendar.window_hours(actor.hall_id, day)
    windows = {w.id: w for w in uow.catalogue(actor.hall_id).windows.values()}
    out = [
        c.ApprovedWindowHours(
            window=windows[r.window_id].number,
            window_name=windows[r.window_id].name,
            periods=[(time.fromisoformat(a), time.fromisoformat(b)) for a, b in r.periods],
            note=r.note,
            approved_by=r.approved_by,
        )
        for r in rows
        if r.window_id in windows
    ]
    return sorted(out, key=lambda h: (len(h.window), h.window))


def clear_window_hours(uow: UnitOfWork, actor: Actor, day: date, number: str) -> None:
    """Withdraw a window's extended hours on a day."""
    actor.require(Permission.MANAGE_HALL)
    window = uow.catalogue(actor.hall_id).window(number)
    uow.stores.calendar.clear_window_hours(window.id, day)
    uow.refresh_catalogue(actor.hall_id)
    uow.audit(
        actor,
        "calendar.window_hours_clear",
        day.isoformat(),
        {"window": number},
    )
