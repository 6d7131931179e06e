"""What the system measures for the assessment, from the event record (pure: rows in, facts out).

- 迟到: the day's earliest presence at a window later than the day's first period + grace;
- 早退: the departure (the clerk's close, or the last presence on a day left open) earlier than the
  last period's end − grace;
- 脱岗: a 暂离 (pause "away") the clerk came back from after longer than the hall's limit (30 minutes);
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


HOUSEKEEPING = "housekeeping"  # the reason of the close the chores make at closing time
Presence = Callable[[str, date], datetime | None]


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _evidence(change: StatusChange) -> bool:
    """Whether a status change shows someone at the window (the chores' close shows nobody)."""
    return change.reason != HOUSEKEEPING


def attendance(
    window: str,
    changes: Sequence[StatusChange],
    periods_on: Periods,
    zone: tzinfo,
    measure: Measure,
    presence: Presence | None = None,
) -> list[Fact]:
    """迟到, 早退 and 脱岗 facts of one window from its status changes (oldest first).

    Each day stands alone (docs/assessment.md, "Attendance, by the letter"): a window left open is
    closed at closing time, so it is nobody's presence the next day. One absence is charged once:
    迟到 counts from the day's earliest presence evidence (any status change, a pause too); an away
    pause that runs into the close or the end of the day is the departure (早退), not 脱岗 as well.
    ``presence(window, day)`` gives the last ticket action at the window on a day it was left open.
    """
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
        shown = [c for c in todays if _evidence(c)]
        if not shown:
            continue
        first = shown[0]
        if first.at > start + timedelta(minutes=measure.late_grace_minutes):
            late = _minutes(first.at - start)
            facts.append(
                Fact(
                    f"attendance.late:event:{first.event_id}",
                    "attendance.late",
                    window,
                    first.clerk,
                    ref={"events": [first.event_id], "day": day.isoformat(), "minutes": late},
                )
            )
        facts.extend(_departure(window, day, shown, todays[-1], end, measure, presence))
        facts.extend(_off_post(window, day, shown, measure))
    return facts


def _departure(
    window: str,
    day: date,
    shown: list[StatusChange],
    last: StatusChange,
    end: datetime,
    measure: Measure,
    presence: Presence | None,
) -> Iterable[Fact]:
    """早退: the clerk's close, or — on a day left open — the last presence evidence; an away pause
    just before either is where the departure began."""
    left_open = last.status != "closed" or not _evidence(last)
    events = [shown[-1].event_id]
    leaving = shown[-1]
    if not left_open and len(shown) > 1 and _away(shown[-2]):
        leaving, events = shown[-2], [shown[-2].event_id, shown[-1].event_id]
    gone = leaving.at
    if left_open:
        if _away(leaving):
            gone = leaving.at
        else:
            seen = presence(window, day) if presence is not None else None
            gone = max(leaving.at, seen) if seen is not None else leaving.at
    if gone < end - timedelta(minutes=measure.early_grace_minutes):
        ref: dict[str, object] = {"events": events, "day": day.isoformat(), "minutes": _minutes(end - gone)}
        if left_open:
            ref["left_open"] = True
            ref["last_seen"] = gone.isoformat()
        yield Fact(f"attendance.early:event:{events[-1]}", "attendance.early", window, leaving.clerk, ref=ref)


def _away(change: StatusChange) -> bool:
    return change.status == "paused" and change.reason == "away"


def _off_post(window: str, day: date, shown: list[StatusChange], measure: Measure) -> Iterable[Fact]:
    """脱岗: an away pause the clerk came back from (open, resume or another pause; closing the window
    in between does not end the absence) after too long. One with no return is the departure."""
    for index, change in enumerate(shown):
        if not _away(change):
            continue
        back = next((c for c in shown[index + 1 :] if c.status != "closed"), None)
        if back is None:
            continue
        away = _minutes(back.at - change.at)
        if away > measure.off_post_minutes:
            yield Fact(
                f"attendance.off_post:event:{change.event_id}",
                "attendance.off_post",
                window,
                change.clerk,
                ref={"events": [change.event_id, back.event_id], "day": day.isoformat(), "minutes": away},
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
