"""The advisor's history port on SQL: a period's ticket events assembled into journeys, window shifts.

One ordered pass over the hall's events (the (hall, at, id) index gives that order). Times are
handed over as seconds from the hall-local midnight of the ticket's or window's day.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from queue_server.adapters import tables as t
from queue_server.adapters.raw import read_time
from queue_server.domain.alerts import Thresholds
from queue_server.domain.simulation.history import Journey, Visit

EVENTS = (
    "ticket.issued",
    "ticket.called",
    "ticket.recalled",
    "ticket.concluded",
    "ticket.no_show",
    "ticket.transferred",
    "ticket.parked",
    "ticket.called_back",
    "ticket.requeued",
    "window.status",
)
ENDS = {"ticket.concluded": "concluded", "ticket.no_show": "no_show", "ticket.parked": "parked"}


def _data(value: Any) -> dict[str, Any]:
    return dict(json.loads(value)) if isinstance(value, str) else dict(value or {})


class SqlHistory:
    """``services.advisor.ports.History`` read from the events table."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _rows(
        self, hall_id: int, first: date, last: date, timezone: str, types: tuple[str, ...] = EVENTS
    ) -> list[Any]:
        zone = ZoneInfo(timezone)
        start = datetime.combine(first, time(0), zone)
        end = datetime.combine(last + timedelta(days=1), time(0), zone)
        e, s, w = t.events.c, t.services.c, t.windows.c
        query = (
            select(e.type, e.at, e.ticket_id, w.number, s.code, e.data)
            .select_from(
                t.events.outerjoin(t.services, s.id == e.service_id).outerjoin(t.windows, w.id == e.window_id)
            )
            .where(e.hall_id == hall_id, e.at >= start, e.at < end, e.type.in_(types))
            .order_by(e.at, e.id)
        )
        return list(self.conn.execute(query))

    def mark(self, hall_id: int, before: date, timezone: str) -> tuple[Any, ...]:
        """The newest event row before ``before``'s local midnight, as (at, id): one seek down the
        (hall, at, id) index. Events are only ever added, so an unchanged mark is an unchanged past."""
        end = datetime.combine(before, time(0), ZoneInfo(timezone))
        e = t.events.c
        query = (
            select(e.at, e.id)
            .where(e.hall_id == hall_id, e.at < end)
            .order_by(e.at.desc(), e.id.desc())
            .limit(1)
        )
        found = self.conn.execute(query).first()
        return (str(found[0]), int(found[1])) if found is not None else ()

    def wait_threshold(self, hall_id: int) -> float:
        """The hall's yellow waiting alert in seconds (the alert engine's own setting)."""
        stored = self.conn.execute(select(t.halls.c.settings).where(t.halls.c.id == hall_id)).scalar()
        return Thresholds.from_dict((stored or {}).get("alerts", {})).wait_yellow * 60.0

    def journeys(self, hall_id: int, first: date, last: date, timezone: str) -> list[Journey]:
        """Every ticket issued from ``first`` to ``last`` (hall-local days), with its visits."""
        zone = ZoneInfo(timezone)
        found: dict[int, Journey] = {}
        for type_, at, ticket_id, window, code, data in self._rows(hall_id, first, last, timezone):
            if ticket_id is None:
                continue
            local = _local(at, zone)
            if type_ == "ticket.issued":
                info = _data(data)
                day = local.date()
                seconds = _seconds(local)
                found[ticket_id] = Journey(
                    ticket_id,
                    day,
                    code,
                    seconds,
                    priority=info.get("priority") is not None,
                    appointment=info.get("channel") == "appointment",
                    visits=[Visit(code, seconds)],
                )
                continue
            journey = found.get(ticket_id)
            if journey is None or not journey.visits:
                continue  # issued before the period
            seconds = _seconds(local) + (local.date() - journey.day).days * 86400
            visit = journey.visits[-1]
            if type_ == "ticket.called":
                visit.called, visit.window = seconds, window
            elif type_ == "ticket.recalled":
                journey.recalls += 1
            elif type_ in ENDS:
                if type_ == "ticket.parked" and visit.called is not None:
                    visit.parked_for = seconds - visit.called
                visit.ended, visit.outcome = seconds, ENDS[type_]
            elif type_ == "ticket.called_back":
                visit.resumed, visit.ended, visit.outcome = seconds, None, None
            elif type_ == "ticket.transferred":
                visit.ended, visit.outcome = seconds, "transferred"
                journey.visits.append(Visit(code, seconds))
            elif type_ == "ticket.requeued":
                journey.visits.append(Visit(code, seconds))
        return list(found.values())

    def issued_per_day(self, hall_id: int, first: date, last: date, timezone: str) -> dict[date, int]:
        """Tickets issued per hall-local day (counted here: the dialects' date functions differ)."""
        zone = ZoneInfo(timezone)
        e = t.events.c
        query = select(e.at).where(
            e.hall_id == hall_id,
            e.type == "ticket.issued",
            e.at >= datetime.combine(first, time(0), zone),
            e.at < datetime.combine(last + timedelta(days=1), time(0), zone),
        )
        found: dict[date, int] = defaultdict(int)
        for (at,) in self.conn.execute(query):
            found[_local(at, zone).date()] += 1
        return dict(found)

    def shifts(self, hall_id: int, day: date, timezone: str) -> dict[str, list[tuple[float, float]]]:
        """Each window's open stretches on ``day`` (seconds from local midnight; pauses are the gaps)."""
        return self.stretches(hall_id, day, day, timezone).get(day, {})

    def stretches(
        self, hall_id: int, first: date, last: date, timezone: str
    ) -> dict[date, dict[str, list[tuple[float, float]]]]:
        """Each window's open stretches on each day ``first`` to ``last``, by the day they began on
        (the window status events only: cheap next to the tickets' events)."""
        zone = ZoneInfo(timezone)
        opened: dict[str, tuple[date, float]] = {}
        out: dict[date, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
        for _, at, _, window, _, data in self._rows(hall_id, first, last, timezone, ("window.status",)):
            if window is None:
                continue
            local = _local(at, zone)
            status = _data(data).get("status")
            if status == "open":
                opened.setdefault(window, (local.date(), _seconds(local)))
            elif window in opened:
                day, since = opened.pop(window)
                # A stretch past midnight ends, for its day, at midnight.
                out[day][window].append((since, _seconds(local) if local.date() == day else 86400.0))
        for window, (day, since) in opened.items():
            out[day][window].append((since, 86400.0))
        return {d: dict(windows) for d, windows in out.items()}


def _local(value: Any, zone: ZoneInfo) -> datetime:
    moment = value if isinstance(value, datetime) else read_time(value)
    assert moment is not None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def _seconds(local: datetime) -> float:
    return local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
