"""The tickets' store in memory: rows by id, counters by (hall, name, day), moves checked like SQL's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from typing import Unpack

from queue_server.domain.hall import HallCatalogue
from queue_server.domain.lifecycle import Action, Status, next_status
from queue_server.domain.policy import Candidate
from queue_server.services.hall.ports import NewEvent
from queue_server.services.tickets.ports import (
    NewTicket,
    QueuePlace,
    TicketChanges,
    TicketOutcome,
    TicketRow,
)

OPEN = ("waiting", "called", "parked", "no_show")


class FakeTicketStore:
    """Tickets in a dict; ``events`` is the record the hall fake appends to."""

    def __init__(self, events: list[NewEvent]) -> None:
        self.rows: dict[int, TicketRow] = {}
        self.counters: dict[tuple[int, str, date], int] = {}
        self.outcomes: dict[int, TicketOutcome] = {}
        self.events = events

    def next_counter(self, hall_id: int, name: str, day: date) -> int:
        key = (hall_id, name, day)
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def raise_counter(self, hall_id: int, name: str, day: date, at_least: int) -> None:
        key = (hall_id, name, day)
        self.counters[key] = max(self.counters.get(key, 0), at_least)

    def add(self, ticket: NewTicket) -> int:
        ticket_id = max(self.rows, default=0) + 1  # as a sequence: after every id in the table
        values = {f.name: getattr(ticket, f.name) for f in fields(NewTicket)}
        self.rows[ticket_id] = TicketRow(
            id=ticket_id,
            window_id=None,
            target_window_id=None,
            called_at=None,
            started_at=None,
            paper=1,
            print_failed=False,
            **values,
        )
        return ticket_id

    def put(self, ticket_id: int, *, hall_id: int, service_id: int, number: str, token: str) -> TicketRow:
        """A ticket row with a chosen id, for a test that starts after the ticket was issued (its
        cases and evaluations read it from here, as the SQL stores join the tickets table)."""
        at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
        self.rows[ticket_id] = TicketRow(
            id=ticket_id,
            hall_id=hall_id,
            token=token,
            business_day=at.date(),
            prefix=number[:1],
            seq=int(number[1:] or 0),
            number=number,
            service_id=service_id,
            priority_class=None,
            priority_confirmed=False,
            status="concluded",
            rank_at=at,
            issued_at=at,
            channel="kiosk",
            idempotency_key=None,
            id_hash=None,
            id_masked=None,
            phone_hash=None,
            phone_masked=None,
            appointment_at=None,
            window_id=None,
            target_window_id=None,
            called_at=None,
            started_at=None,
            recalls=0,
            paper=1,
            print_failed=False,
        )
        return self.rows[ticket_id]

    def _first(self, **where: object) -> TicketRow | None:
        for row in self.rows.values():
            if all(getattr(row, k) == v for k, v in where.items()):
                return row
        return None

    def by_id(self, ticket_id: int) -> TicketRow | None:
        return self.rows.get(ticket_id)

    def by_token(self, token: str) -> TicketRow | None:
        return self._first(token=token)

    def by_idempotency_key(self, hall_id: int, key: str) -> TicketRow | None:
        return self._first(hall_id=hall_id, idempotency_key=key)

    def by_number(self, hall_id: int, day: date, number: str) -> TicketRow | None:
        return self._first(hall_id=hall_id, business_day=day, number=number)

    def by_ids(self, ids: Iterable[int]) -> dict[int, TicketRow]:
        return {i: self.rows[i] for i in ids if i in self.rows}

    def move(
        self,
        ticket_id: int,
        expected_status: str,
        action: Action,
        *,
        number: str = "",
        **changes: Unpack[TicketChanges],
    ) -> bool:
        target = next_status(Status(expected_status), action, number=number)
        row = self.rows.get(ticket_id)
        if row is None or row.status != expected_status:
            return False
        self.rows[ticket_id] = replace(row, status=target.value, **changes)
        return True

    def claim(self, ticket_id: int, action: Action, **changes: Unpack[TicketChanges]) -> TicketRow | None:
        if not self.move(ticket_id, Status.WAITING.value, action, **changes):
            return None
        return self.rows[ticket_id]

    def update(self, ticket_id: int, expected_status: str, **changes: Unpack[TicketChanges]) -> bool:
        row = self.rows.get(ticket_id)
        if row is None or row.status != expected_status:
            return False
        self.rows[ticket_id] = replace(row, **changes)
        return True

    def _waiting(self, hall_id: int) -> list[TicketRow]:
        return [r for r in self.rows.values() if r.hall_id == hall_id and r.status == "waiting"]

    def waiting(self, hall_id: int, service_ids: Sequence[int]) -> list[TicketRow]:
        return [r for r in self._waiting(hall_id) if r.service_id in service_ids]

    def count_waiting(self, hall_id: int, service_id: int, *, priority_only: bool = False) -> int:
        rows = self.waiting(hall_id, [service_id])
        return sum(1 for r in rows if not priority_only or r.priority_class is not None)

    def count_ahead(self, row: TicketRow) -> int:
        def before(other: TicketRow) -> bool:
            earlier = (other.rank_at, other.id) < (row.rank_at, row.id)
            if row.priority_class is None:
                return earlier or other.priority_class is not None
            return earlier and other.priority_class is not None

        others = self.waiting(row.hall_id, [row.service_id])
        return sum(1 for other in others if other.id != row.id and before(other))

    def waiting_candidates(
        self, catalogue: HallCatalogue, service_ids: Sequence[int], window_id: int
    ) -> list[Candidate]:
        codes = {s.id: s.code for s in catalogue.services.values()}
        numbers = {w.id: w.number for w in catalogue.windows.values()}
        return [
            Candidate(
                ticket_id=r.id,
                service=codes.get(r.service_id, ""),
                rank_at=r.rank_at,
                priority=r.priority_class is not None,
                target_window=numbers.get(r.target_window_id) if r.target_window_id else None,
                appointment_at=r.appointment_at,
            )
            for r in self._waiting(catalogue.id)
            if r.service_id in service_ids or r.target_window_id == window_id
        ]

    def queue(self, hall_id: int, service_id: int, *, limit: int) -> list[QueuePlace]:
        rows = sorted(
            self.waiting(hall_id, [service_id]), key=lambda r: (r.priority_class is None, r.rank_at, r.id)
        )
        return [QueuePlace(r.number, r.token) for r in rows[:limit]]

    def waiting_ranks(self, hall_id: int, service_id: int) -> list[datetime]:
        return [r.rank_at for r in self.waiting(hall_id, [service_id])]

    def count_person_tickets(self, hall_id: int, day: date, service_id: int, id_hash: str) -> int:
        return sum(
            1
            for r in self.rows.values()
            if (r.hall_id, r.business_day, r.service_id, r.id_hash) == (hall_id, day, service_id, id_hash)
            and r.status != "cancelled"
        )

    def person_tickets(
        self, hall_id: int, day: date, *, id_hash: str | None = None, phone_hash: str | None = None
    ) -> list[TicketRow]:
        def found(r: TicketRow) -> bool:
            return r.id_hash == id_hash if id_hash is not None else r.phone_hash == phone_hash

        return [
            r
            for r in sorted(self.rows.values(), key=lambda r: r.id)
            if r.hall_id == hall_id and r.business_day == day and r.status in OPEN and found(r)
        ]

    def waiting_by_service(self, hall_id: int) -> dict[int, tuple[int, datetime | None]]:
        out: dict[int, tuple[int, datetime | None]] = {}
        for r in self._waiting(hall_id):
            count, oldest = out.get(r.service_id, (0, None))
            out[r.service_id] = (count + 1, r.issued_at if oldest is None else min(oldest, r.issued_at))
        return out

    def waiting_counts(self, hall_id: int) -> dict[int, int]:
        return {sid: count for sid, (count, _) in self.waiting_by_service(hall_id).items()}

    def open_before(self, hall_id: int, day: date, limit: int | None = None) -> list[TicketRow]:
        rows = [
            r
            for r in sorted(self.rows.values(), key=lambda r: r.id)
            if r.hall_id == hall_id and r.business_day < day and r.status in ("waiting", "parked", "no_show")
        ]
        return rows if limit is None else rows[:limit]

    def unconfirmed_priority(
        self, hall_id: int, day: date, statuses: Sequence[str], *, limit: int
    ) -> list[TicketRow]:
        rows = [
            r
            for r in self.rows.values()
            if (r.hall_id, r.business_day) == (hall_id, day)
            and r.status in statuses
            and r.priority_class is not None
            and not r.priority_confirmed
        ]
        return sorted(rows, key=lambda r: (r.issued_at, r.id))[:limit]

    def was_transferred(self, ticket_id: int) -> bool:
        return any(e.ticket_id == ticket_id and e.type == "ticket.transferred" for e in self.events)

    def outcome(self, ticket_id: int) -> TicketOutcome | None:
        return self.outcomes.get(ticket_id)
