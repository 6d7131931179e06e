"""The tickets' store on SQL: the hot path's statements on the raw cursor, the rest on SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any, Unpack, cast

from sqlalchemy import ColumnElement, Connection, Date, Row, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from queue_server.adapters import tables as t
from queue_server.adapters.raw import RawStatements, read_time
from queue_server.domain.hall import HallCatalogue
from queue_server.domain.lifecycle import Action, Status, next_status
from queue_server.domain.policy import Candidate
from queue_server.services.tickets.ports import (
    NewTicket,
    QueuePlace,
    TicketChanges,
    TicketOutcome,
    TicketRow,
)

NEW_TICKET_COLUMNS = tuple(f.name for f in fields(NewTicket))
TICKET_COLUMNS = tuple(f.name for f in fields(TicketRow))
OPEN_STATUSES = ["waiting", "called", "parked", "no_show"]
CASE_OUTCOME_COLUMNS = ("outcome", "promised_date", "missing_items", "reasons", "referred_to")


def ticket_row(row: Row[Any]) -> TicketRow:
    """A ticket row read with ``select(tickets)`` as the services' typed row."""
    return TicketRow(**row._mapping)


# The board's snapshot, each board's (re)connection and the kiosks' service list read these: the
# counts the triggers on tickets keep (queue_lengths.py), not the waiting tickets grouped and
# counted, and each queue's oldest issue time in one seek on the queue index, whose key ends with
# it (hall, status, service, issued_at); a count row of 0 is a service whose queue emptied.
_WAITING_COUNTS = text("SELECT service_id, waiting FROM queue_lengths WHERE hall_id = :hall AND waiting > 0")
_WAITING_AND_OLDEST = text(
    "SELECT q.service_id, q.waiting, (SELECT min(tk.issued_at) FROM tickets tk WHERE tk.hall_id = q.hall_id "
    "AND tk.status = 'waiting' AND tk.service_id = q.service_id) FROM queue_lengths q "
    "WHERE q.hall_id = :hall AND q.waiting > 0"
)

# A ticket's people ahead in its own class, on ix_tickets_waiting_rank (the waiting tickets by hall,
# service, priority class, rank and id): earlier ranks, and the same rank issued before it. A normal
# ticket walks the normal ones up to its rank (class IS NULL, then rank); a priority one every
# waiting priority ticket of the service, few by the hall's rules. ">= ''" is "IS NOT NULL" for a
# text column (every string sorts after the empty one), written so that SQLite seeks it as a range.
# (SQLite 3.40 seeks a row value "(rank_at, id) < (?, ?)" on rank_at alone too, and walks more.)
_AHEAD = (
    "SELECT count(*) FROM tickets WHERE hall_id = ? AND service_id = ? AND status = 'waiting' "
    "AND priority_class {} AND rank_at <= ? AND (rank_at < ? OR id < ?)"
)
# A normal ticket's adds the kept count of the priority ones waiting, in the same round trip.
_NORMAL_AHEAD = (
    f"SELECT ({_AHEAD.format('IS NULL')}) + coalesce((SELECT waiting_priority FROM queue_lengths "
    "WHERE hall_id = ? AND service_id = ?), 0)"
)
_PRIORITY_AHEAD = _AHEAD.format(">= ''")

# The first of a queue in the order people are counted ahead: the priority ones by rank (few:
# sorted), then the others by rank, read in that order from ix_tickets_waiting_rank up to the limit,
# not the whole queue sorted for its first few hundred. Two statements, not one UNION: SQLite would
# sort the union's rows once more. The order names priority_class (one value, NULL, among the
# others) so that PostgreSQL takes the index's order: it does not count "IS NULL" as an equality
# that lets a column drop out of it.
_QUEUE_CLASS = (
    "SELECT number, token FROM tickets WHERE hall_id = ? AND service_id = ? AND status = 'waiting' "
    "AND priority_class {which} ORDER BY {order}rank_at, id LIMIT ?"
)
_QUEUE_PRIORITY = _QUEUE_CLASS.format(which=">= ''", order="")
_QUEUE_NORMAL = _QUEUE_CLASS.format(which="IS NULL", order="priority_class, ")


class SqlTicketStore:
    """Tickets and daily counters on one connection."""

    def __init__(self, conn: Connection, raw: RawStatements) -> None:
        self.conn = conn
        self.raw = raw

    def next_counter(self, hall_id: int, name: str, day: date) -> int:
        """Add one to a daily counter and return the new value (row-locked until commit)."""
        return int(
            self.raw.one(
                "INSERT INTO counters (hall_id, name, day, value) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (hall_id, name, day) DO UPDATE SET value = counters.value + 1 RETURNING value",
                (hall_id, name, self.raw.bind(t.counters, "day", day)),
            )
        )

    def raise_counter(self, hall_id: int, name: str, day: date, at_least: int) -> None:
        """Make a daily counter at least ``at_least`` (a cap set mid-day counts the day's tickets)."""
        insert = postgresql.insert if self.conn.dialect.name == "postgresql" else sqlite.insert
        self.conn.execute(
            insert(t.counters)
            .values(hall_id=hall_id, name=name, day=day, value=at_least)
            .on_conflict_do_nothing()
        )
        self.conn.execute(
            update(t.counters)
            .where(
                t.counters.c.hall_id == hall_id,
                t.counters.c.name == name,
                t.counters.c.day == day,
                t.counters.c.value < at_least,
            )
            .values(value=at_least)
        )

    def add(self, ticket: NewTicket) -> int:
        """Insert a ticket row on the raw cursor; its id."""
        values = {name: getattr(ticket, name) for name in NEW_TICKET_COLUMNS}
        return int(self.raw.insert(t.tickets, values, returning_id=True) or 0)

    def _one(self, *where: ColumnElement[bool]) -> TicketRow | None:
        row = self.conn.execute(select(t.tickets).where(*where)).first()
        return None if row is None else ticket_row(row)

    def by_id(self, ticket_id: int) -> TicketRow | None:
        """A ticket by id (every window action reads its ticket so: on the raw cursor)."""
        row = self.raw.by_id(t.tickets, TICKET_COLUMNS, ticket_id)
        return None if row is None else TicketRow(*row)

    def by_token(self, token: str) -> TicketRow | None:
        """A ticket by its public token (every status page, reprint and cancel: on the raw cursor)."""
        rows = self.raw.select(t.tickets, TICKET_COLUMNS, "tickets.token = ?", (token,))
        return TicketRow(*rows[0]) if rows else None

    def by_idempotency_key(self, hall_id: int, key: str) -> TicketRow | None:
        """The ticket a retried kiosk request already issued."""
        return self._one(t.tickets.c.hall_id == hall_id, t.tickets.c.idempotency_key == key)

    def by_number(self, hall_id: int, day: date, number: str) -> TicketRow | None:
        """The day's ticket people call ``number`` (every requeue and call-back: on the raw cursor)."""
        where = "tickets.hall_id = ? AND tickets.business_day = ? AND tickets.number = ?"
        params = (hall_id, self.raw.bind(t.tickets, "business_day", day), number)
        rows = self.raw.select(t.tickets, TICKET_COLUMNS, where, params)
        return TicketRow(*rows[0]) if rows else None

    def by_ids(self, ids: Iterable[int]) -> dict[int, TicketRow]:
        """Tickets by id."""
        wanted = list(ids)
        if not wanted:
            return {}
        rows = self.conn.execute(select(t.tickets).where(t.tickets.c.id.in_(wanted)))
        return {r.id: ticket_row(r) for r in rows}

    def move(
        self,
        ticket_id: int,
        expected_status: str,
        action: Action,
        *,
        number: str = "",
        **changes: Unpack[TicketChanges],
    ) -> bool:
        """One edge of the transition table with compare-and-set on the status."""
        target = next_status(Status(expected_status), action, number=number)
        return self._set(ticket_id, expected_status, {**changes, "status": target.value})

    def claim(self, ticket_id: int, action: Action, **changes: Unpack[TicketChanges]) -> TicketRow | None:
        """Move a waiting ticket along ``action`` (compare-and-set on waiting) and return it as it now
        stands: every call does, and read the ticket whole, then moved it, in two statements."""
        target = next_status(Status.WAITING, action)
        values = {**changes, "status": target.value}
        row = self.raw.update_returning(
            t.tickets, values, {"id": ticket_id, "status": Status.WAITING.value}, TICKET_COLUMNS
        )
        return None if row is None else TicketRow(*row)

    def update(self, ticket_id: int, expected_status: str, **changes: Unpack[TicketChanges]) -> bool:
        """Change a ticket's other columns only while it is still in ``expected_status``; its status
        changes only along the transition table (``move``), whatever a caller passes."""
        if "status" in changes:
            raise ValueError("a ticket's status changes only along the transition table (move)")
        return self._set(ticket_id, expected_status, dict(changes))

    def _set(self, ticket_id: int, expected_status: str, values: dict[str, Any]) -> bool:
        # Every move of a ticket comes here: on the raw cursor, compare-and-set on the status.
        where = {"id": ticket_id, "status": expected_status}
        return self.raw.update(t.tickets, values, where) == 1

    def waiting(self, hall_id: int, service_ids: Sequence[int]) -> list[TicketRow]:
        """Waiting tickets of these services."""
        if not service_ids:
            return []
        # After every call and transfer (the people ahead of each): on the raw cursor.
        marks = ", ".join("?" * len(service_ids))
        where = f"tickets.hall_id = ? AND tickets.status = 'waiting' AND tickets.service_id IN ({marks})"
        rows = self.raw.select(t.tickets, TICKET_COLUMNS, where, (hall_id, *service_ids))
        return [TicketRow(*row) for row in rows]

    def count_waiting(self, hall_id: int, service_id: int, *, priority_only: bool = False) -> int:
        """How many tickets of a service wait (all, or priority only): one seek in the counts the
        triggers on ``tickets`` keep (``queue_lengths.py``), however long the queue."""
        column = "waiting_priority" if priority_only else "waiting"
        text = f"SELECT {column} FROM queue_lengths WHERE hall_id = ? AND service_id = ?"
        return int(self.raw.one(text, (hall_id, service_id)) or 0)  # no row: none waited yet

    def count_ahead(self, row: TicketRow) -> int:
        """Waiting tickets of the ticket's service called before it: priority ones, then earlier ranks.

        The priority ones ahead of a normal ticket are the kept count (one seek); the rest are counted
        on the waiting tickets' own index from the front of the ticket's class to the ticket: as many
        entries as the ticket has people ahead, none behind it (no index answers "how many before
        this key" without walking them: a B-tree keeps no counts)."""
        rank = self.raw.bind(t.tickets, "rank_at", row.rank_at)
        key = (row.hall_id, row.service_id, rank, rank, row.id)
        if row.priority_class is not None:
            return int(self.raw.one(_PRIORITY_AHEAD, key))
        return int(self.raw.one(_NORMAL_AHEAD, (*key, row.hall_id, row.service_id)))

    def waiting_candidates(
        self, catalogue: HallCatalogue, service_ids: Sequence[int], window_id: int
    ) -> list[Candidate]:
        """Waiting tickets of these services and those sent to the window, as the policy sees them.

        Only the columns the policy needs, on the raw cursor: a window of a busy hall may have
        hundreds of tickets waiting for it.
        """
        marks = ", ".join("?" * len(service_ids))
        where = (
            f"(service_id IN ({marks}) OR target_window_id = ?)" if service_ids else "target_window_id = ?"
        )
        rows = self.raw.rows(
            "SELECT id, service_id, rank_at, priority_class, target_window_id, appointment_at FROM tickets "
            f"WHERE hall_id = ? AND status = 'waiting' AND {where}",
            (catalogue.id, *service_ids, window_id),
        )
        codes = {s.id: s.code for s in catalogue.services.values()}
        numbers = {w.id: w.number for w in catalogue.windows.values()}
        return [
            Candidate(
                ticket_id=ticket_id,
                service=codes.get(service_id, ""),
                rank_at=cast(datetime, read_time(rank_at)),
                priority=priority is not None,
                target_window=numbers.get(target) if target else None,
                appointment_at=read_time(appointment_at),
            )
            for ticket_id, service_id, rank_at, priority, target, appointment_at in rows
        ]

    def queue(self, hall_id: int, service_id: int, *, limit: int) -> list[QueuePlace]:
        """A service's waiting tickets in the order people are counted ahead (the first ``limit``)."""
        # After every call, transfer and issue (the people ahead of each): two columns on the raw
        # cursor, ordered by the database as ``count_ahead`` counts, not whole rows sorted here.
        rows = self.raw.rows(_QUEUE_PRIORITY, (hall_id, service_id, limit))
        if len(rows) < limit:
            rows += self.raw.rows(_QUEUE_NORMAL, (hall_id, service_id, limit - len(rows)))
        return [QueuePlace(number, token) for number, token in rows]

    def waiting_ranks(self, hall_id: int, service_id: int) -> list[datetime]:
        """The ranks of a service's waiting tickets."""
        rows = self.raw.rows(
            "SELECT rank_at FROM tickets WHERE hall_id = ? AND status = 'waiting' AND service_id = ?",
            (hall_id, service_id),
        )
        return [cast(datetime, read_time(rank)) for (rank,) in rows]

    def count_person_tickets(self, hall_id: int, day: date, service_id: int, id_hash: str) -> int:
        """Tickets one person (by ID hash) took for a service on a day, cancelled ones aside."""
        tk = t.tickets
        query = select(func.count()).where(
            tk.c.hall_id == hall_id,
            tk.c.business_day == day,
            tk.c.service_id == service_id,
            tk.c.id_hash == id_hash,
            tk.c.status != "cancelled",
        )
        return int(self.conn.execute(query).scalar_one())

    def person_tickets(
        self, hall_id: int, day: date, *, id_hash: str | None = None, phone_hash: str | None = None
    ) -> list[TicketRow]:
        """A person's open tickets of the day, by the keyed hash of their ID or phone number."""
        tk = t.tickets
        key = tk.c.id_hash == id_hash if id_hash is not None else tk.c.phone_hash == phone_hash
        query = select(tk).where(
            tk.c.hall_id == hall_id, tk.c.business_day == day, key, tk.c.status.in_(OPEN_STATUSES)
        )
        return [ticket_row(r) for r in self.conn.execute(query.order_by(tk.c.id))]

    def waiting_by_service(self, hall_id: int) -> dict[int, tuple[int, datetime | None]]:
        """For each service: how many wait and since when the longest has waited."""
        out: dict[int, tuple[int, datetime | None]] = {}
        for service_id, count, oldest in self.conn.execute(_WAITING_AND_OLDEST, {"hall": hall_id}):
            out[service_id] = (count, t.UtcDateTime().process_result_value(oldest, self.conn.dialect))
        return out

    def waiting_counts(self, hall_id: int) -> dict[int, int]:
        """How many wait per service (services with none aside): the hall's kept counts."""
        return {sid: count for sid, count in self.conn.execute(_WAITING_COUNTS, {"hall": hall_id})}

    def open_before(self, hall_id: int, day: date, limit: int | None = None) -> list[TicketRow]:
        """Tickets of earlier business days still waiting, parked or no-show (to expire them)."""
        query = select(t.tickets).where(
            t.tickets.c.hall_id == hall_id,
            t.tickets.c.status.in_(["waiting", "parked", "no_show"]),
            # date(): SQLite's planner would otherwise walk every earlier day's ticket on the number
            # index (hall, day, …) instead of the few open ones on (hall, status)
            func.date(t.tickets.c.business_day, type_=Date) < day,
        )
        if limit is not None:
            query = query.order_by(t.tickets.c.id).limit(limit)
        return [ticket_row(r) for r in self.conn.execute(query)]

    def unconfirmed_priority(
        self, hall_id: int, day: date, statuses: Sequence[str], *, limit: int
    ) -> list[TicketRow]:
        """The day's tickets in these statuses with a priority nobody confirmed yet, oldest first."""
        tk = t.tickets
        query = (
            select(tk)
            .where(
                tk.c.hall_id == hall_id,
                tk.c.business_day == day,
                tk.c.status.in_(list(statuses)),
                tk.c.priority_class.is_not(None),
                tk.c.priority_confirmed.is_(False),
            )
            .order_by(tk.c.issued_at, tk.c.id)
            .limit(limit)
        )
        return [ticket_row(r) for r in self.conn.execute(query)]

    def was_transferred(self, ticket_id: int) -> bool:
        """Whether a ``ticket.transferred`` event exists for the ticket (every waiting ticket's
        status page asks: on the raw cursor)."""
        found = self.raw.one(
            "SELECT events.id FROM events WHERE events.ticket_id = ? AND events.type = 'ticket.transferred'"
            " LIMIT 1",
            (ticket_id,),
        )
        return found is not None

    def outcome(self, ticket_id: int) -> TicketOutcome | None:
        """The ticket's case outcome (承诺 date, 补正 items, reasons, where to); every concluded
        ticket's status page asks: on the raw cursor."""
        rows = self.raw.select(t.cases, CASE_OUTCOME_COLUMNS, "cases.ticket_id = ?", (ticket_id,))
        if not rows:
            return None
        outcome, promised_date, missing_items, reasons, referred_to = rows[0]
        return TicketOutcome(
            outcome=outcome,
            promised_date=promised_date,
            missing_items=tuple(missing_items or ()),
            reasons=reasons or "",
            referred_to=referred_to or "",
        )
