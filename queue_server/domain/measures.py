"""What the system measures for the assessment, from the event record (pure: rows in, facts out).

- 迟到: a window's first opening of a working day later than the day's first period + grace;
- 早退: the day's last status change is a close earlier than the last period's end − grace;
- 脱岗: a 暂离 (pause "away") longer than the hall's limit (30 minutes in the seeds);
- 未重呼即过号: a no-show marked sooner than N seconds after the call, with no recall in between;
- 超过承诺时限: a promised case whose (extended) date fell in the month and that finished late or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from queue_server.domain.assessment import Fact
from queue_server.domain.rubric import Measure

Periods = Callable[[date], tuple[tuple[time, time], ...]]


@dataclass(frozen=True)
class StatusChange:
    """A window.status event."""

    event_id: int
    at: datetime
    status: str  # open | paused | closed
    reason: str | None = None
    clerk: int | None = None


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def attendance(
    window: str, changes: Sequence[StatusChange], periods_on: Periods, zone: tzinfo, measure: Measure
) -> list[Fact]:
    """迟到, 早退 and 脱岗 facts of one window from its status changes (oldest first)."""
    days: dict[date, list[StatusChange]] = {}
    for change in changes:
        days.setdefault(change.at.astimezone(zone).date(), []).append(change)
    facts: list[Fact] = []
    for day, todays in sorted(days.items()):
        periods = periods_on(day)
        if not periods:
            continue
        start = datetime.combine(day, periods[0][0], zone)
        end = datetime.combine(day, periods[-1][1], zone)
        first_open = next((c for c in todays if c.status == "open"), None)
        if first_open is not None and first_open.at > start + timedelta(minutes=measure.late_grace_minutes):
            late = _minutes(first_open.at - start)
            facts.append(
                Fact(
                    f"attendance.late:event:{first_open.event_id}",
                    "attendance.late",
                    window,
                    first_open.clerk,
                    ref={"events": [first_open.event_id], "day": day.isoformat(), "minutes": late},
                )
            )
        last = todays[-1]
        if last.status == "closed" and last.at < end - timedelta(minutes=measure.early_grace_minutes):
            facts.append(
                Fact(
                    f"attendance.early:event:{last.event_id}",
                    "attendance.early",
                    window,
                    last.clerk,
                    ref={
                        "events": [last.event_id],
                        "day": day.isoformat(),
                        "minutes": _minutes(end - last.at),
                    },
                )
            )
        facts.extend(_off_post(window, todays, end, measure))
    return facts


def _off_post(window: str, todays: list[StatusChange], end: datetime, measure: Measure) -> Iterable[Fact]:
    for index, change in enumerate(todays):
        if change.status != "paused" or change.reason != "away":
            continue
        after = todays[index + 1] if index + 1 < len(todays) else None
        back = after.at if after is not None else max(end, change.at)
        away = _minutes(back - change.at)
        if away > measure.off_post_minutes:
            events = [change.event_id] + ([after.event_id] if after is not None else [])
            yield Fact(
                f"attendance.off_post:event:{change.event_id}",
                "attendance.off_post",
                window,
                change.clerk,
                ref={"events": events, "minutes": away},
            )


@dataclass(frozen=True)
class CallEvent:
    """A ticket.called (or .called_back), ticket.recalled or ticket.no_show event at a window."""

    event_id: int
    ticket_id: int
    type: str
    at: datetime
    window: str
    clerk: int | None = None
    number: str = ""


def hasty_no_shows(events: Iterable[CallEvent], measure: Measure) -> list[Fact]:
    """过号 marked within ``hasty_no_show_seconds`` of the call with no recall between (oldest first)."""
    called: dict[int, tuple[CallEvent, bool]] = {}
    facts = []
    for e in events:
        if e.type in ("ticket.called", "ticket.called_back"):
            called[e.ticket_id] = (e, False)
        elif e.type == "ticket.recalled" and e.ticket_id in called:
            called[e.ticket_id] = (called[e.ticket_id][0], True)
        elif e.type == "ticket.no_show" and e.ticket_id in called:
            call, recalled = called.pop(e.ticket_id)
            seconds = (e.at - call.at).total_seconds()
            if not recalled and seconds < measure.hasty_no_show_seconds:
                facts.append(
                    Fact(
                        f"quality.hasty_no_show:event:{e.event_id}",
                        "quality.hasty_no_show",
                        e.window,
                        e.clerk,
                        ref={
                            "events": [call.event_id, e.event_id],
                            "ticket": e.number,
                            "seconds": int(seconds),
                        },
                    )
                )
    return facts


@dataclass(frozen=True)
class CaseRecord:
    """A promised case (承诺件) with its (extended) promised date."""

    id: int
    window: str
    due: date
    completed: date | None
    clerk: int | None = None
    ticket: str = ""


def overdue_cases(cases: Iterable[CaseRecord], first: date, last: date, today: date) -> list[Fact]:
    """Cases due in ``first..last`` finished after their date, or still open after it."""
    facts = []
    for case in cases:
        if not first <= case.due <= last:
            continue
        late = case.completed > case.due if case.completed is not None else today > case.due
        if late:
            facts.append(
                Fact(
                    f"results.overdue:case:{case.id}",
                    "results.overdue",
                    case.window,
                    case.clerk,
                    ref={
                        "case": case.id,
                        "ticket": case.ticket,
                        "due": case.due.isoformat(),
                        "completed": case.completed.isoformat() if case.completed else None,
                    },
                )
            )
    return facts
