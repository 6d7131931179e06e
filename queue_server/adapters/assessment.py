"""The assessment's store on SQLAlchemy: the month's record, entries, flags and closed months (the
ports in ``queue_server.services.assessment.ports``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, null, select, update

from queue_server.adapters import tables as t
from queue_server.adapters.evaluations import CHUNK, SqlStore, typed
from queue_server.adapters.raw import read_time
from queue_server.services.assessment.ports import BadRating, Entry, EventFact, Flag, NewEntry, PromisedCase

CALLS = ("ticket.called", "ticket.called_back", "ticket.recalled")
e = t.events.c
en = t.assessment_entries.c
fl = t.assessment_flags.c


class SqlAssessmentStore(SqlStore):
    """The assessment on one connection."""

    # ------------------------------------------------------------------ the month's record

    def status_events(self, hall_id: int, start: datetime, end: datetime) -> list[EventFact]:
        columns = (e.id, e.type, e.at, e.window_id, e.ticket_id, e.actor_user_id, e.data)
        query = select(*columns).where(
            e.hall_id == hall_id, e.at >= start, e.at < end, e.type.in_(("window.status", "ticket.no_show"))
        )
        return [typed(EventFact, r, data=r.data or {}) for r in self.conn.execute(query)]

    def calls_of(
        self, hall_id: int, ticket_ids: Iterable[int], start: datetime, end: datetime
    ) -> list[EventFact]:
        # a month has tens of thousands of calls and a few dozen no-shows: only those tickets' calls
        columns = (e.id, e.type, e.at, e.window_id, e.ticket_id, e.actor_user_id, null().label("data"))
        tickets = sorted(set(ticket_ids))
        found: list[EventFact] = []
        for chunk in range(0, len(tickets), CHUNK):
            query = select(*columns).where(
                e.hall_id == hall_id,
                e.at >= start,
                e.at < end,
                e.type.in_(CALLS),
                e.ticket_id.in_(tickets[chunk : chunk + CHUNK]),
            )
            found += [typed(EventFact, r, data={}) for r in self.conn.execute(query)]
        return found

    def last_ticket_action(
        self, hall_id: int, window_id: int, start: datetime, until: datetime
    ) -> datetime | None:
        found = self.conn.execute(
            select(func.max(e.at)).where(
                e.hall_id == hall_id,
                e.window_id == window_id,
                e.type.like("ticket.%"),
                e.actor_user_id.is_not(None),
                e.at >= start,
                e.at <= until,
            )
        ).scalar()
        if found is None:
            return None
        # an aggregate's value skips the column's type: SQLite hands back its stored text
        return found if isinstance(found, datetime) and found.tzinfo is not None else read_time(found)

    def promised_cases(self, hall_id: int) -> list[PromisedCase]:
        rows = self.conn.execute(
            select(t.cases, t.tickets.c.number.label("ticket_number"))
            .join(t.tickets, t.tickets.c.id == t.cases.c.ticket_id)
            .where(t.cases.c.hall_id == hall_id, t.cases.c.promised_date.is_not(None))
        )
        return [typed(PromisedCase, r, extensions=tuple(r.extensions or ())) for r in rows]

    def bad_ratings(
        self, hall_id: int, levels: Iterable[str], start: datetime, end: datetime
    ) -> list[BadRating]:
        ev = t.evaluations.c
        rows = self.conn.execute(
            select(
                ev.id,
                ev.window_id,
                ev.clerk_user_id,
                ev.level,
                t.evaluation_follow_ups.c.id.label("follow_up_id"),
            )
            .outerjoin(t.evaluation_follow_ups, t.evaluation_follow_ups.c.evaluation_id == ev.id)
            .where(
                ev.hall_id == hall_id,
                ev.status == "rated",
                ev.is_default.is_(False),
                ev.level.in_(list(levels)),
                ev.recorded_at >= start,
                ev.recorded_at < end,
            )
            .order_by(ev.id)
        )
        return [typed(BadRating, r) for r in rows]

    def entries(self, hall_id: int, month: str) -> list[Entry]:
        query = (
            select(t.assessment_entries)
            .where(en.hall_id == hall_id, en.month == month, en.withdrawn_at.is_(None))
            .order_by(en.id)
        )
        return [typed(Entry, r) for r in self.conn.execute(query)]

    # ------------------------------------------------------------------ the meeting's changes

    def closed_results(self, hall_id: int, month: str) -> dict[str, Any] | None:
        table = t.assessment_months
        query = select(table.c.results).where(table.c.hall_id == hall_id, table.c.month == month)
        found = self.conn.execute(query).first()
        return dict(found.results) if found is not None else None

    def flags(self, hall_id: int, month: str) -> list[Flag]:
        query = select(t.assessment_flags).where(fl.hall_id == hall_id, fl.month == month)
        return [typed(Flag, r) for r in self.conn.execute(query)]

    def yellow_counts(self, hall_id: int, first_month: str, before_month: str) -> dict[int, int]:
        rows = self.conn.execute(
            select(fl.window_id, func.count())
            .where(
                fl.hall_id == hall_id, fl.kind == "yellow", fl.month >= first_month, fl.month < before_month
            )
            .group_by(fl.window_id)
        )
        return {int(window): int(count) for window, count in rows}

    def add_entry(self, new: NewEntry) -> int:
        query = t.assessment_entries.insert().returning(en.id)
        return int(self.conn.execute(query, asdict(new)).scalar_one())

    def entry(self, entry_id: int) -> Entry | None:
        row = self.conn.execute(select(t.assessment_entries).where(en.id == entry_id)).first()
        return typed(Entry, row) if row is not None else None

    def withdraw_entry(self, entry_id: int, at: datetime, by: str) -> None:
        query = update(t.assessment_entries).where(en.id == entry_id)
        self.conn.execute(query.values(withdrawn_at=at, withdrawn_by=by))

    def add_flag(self, flag: Flag) -> None:
        self.conn.execute(t.assessment_flags.insert(), asdict(flag))

    def remove_flag(self, hall_id: int, month: str, window_id: int, kind: str) -> None:
        where = (fl.hall_id == hall_id, fl.month == month, fl.window_id == window_id, fl.kind == kind)
        self.conn.execute(delete(t.assessment_flags).where(*where))

    def close_month(self, hall_id: int, month: str, at: datetime, by: str, results: dict[str, Any]) -> None:
        values = {"hall_id": hall_id, "month": month, "closed_at": at, "closed_by": by, "results": results}
        self.conn.execute(t.assessment_months.insert(), values)

    def sign_until(self, hall_id: int, window_id: int, today: date) -> date | None:
        value = self.conn.execute(
            select(func.max(fl.sign_until)).where(
                fl.hall_id == hall_id,
                fl.window_id == window_id,
                fl.kind == "unsatisfied",
                fl.sign_from <= today,
                fl.sign_until >= today,
            )
        ).scalar()
        return value if isinstance(value, date) else None
