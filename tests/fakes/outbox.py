"""The outbox's store in memory (one process: no other dispatcher locks a row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from queue_server.domain.outbox import FAILING_ATTEMPTS
from queue_server.services.outbox.ports import (
    Attempt,
    DestinationFigures,
    MessageRow,
    NewMessage,
    SmsSubscription,
)


class FakeOutboxStore:
    """Messages and SMS subscriptions in dictionaries."""

    def __init__(self) -> None:
        self.rows: dict[int, MessageRow] = {}
        self.leases: dict[int, tuple[str, datetime]] = {}
        self.subs: dict[str, SmsSubscription] = {}

    def add(self, messages: Sequence[NewMessage]) -> None:
        known = {r.idempotency_key for r in self.rows.values()}
        for m in messages:
            if m.idempotency_key in known:
                continue
            known.add(m.idempotency_key)
            new_id = len(self.rows) + 1
            self.rows[new_id] = MessageRow(
                new_id, m.hall_id, m.destination, m.kind, m.idempotency_key, m.ordering_key,
                dict(m.payload), "pending", 0, m.created_at, m.created_at, None, None,
            )  # fmt: skip

    def claim(
        self,
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
        skip: Sequence[tuple[int, str]] = (),
    ) -> list[MessageRow]:
        pending = [r for r in sorted(self.rows.values(), key=lambda r: r.id) if r.status == "pending"]
        first_of_key: dict[str, int] = {}
        for r in pending:
            first_of_key.setdefault(r.ordering_key, r.id)
        due = [
            r
            for r in pending
            if r.next_at <= now
            and (r.hall_id, r.destination) not in skip
            and first_of_key[r.ordering_key] == r.id
            and (r.id not in self.leases or self.leases[r.id][1] < now)
        ][:limit]
        for r in due:
            self.leases[r.id] = (owner, lease_until)
        return due

    def any_due(self, now: datetime) -> bool:
        return any(
            r.status == "pending"
            and r.next_at <= now
            and (r.id not in self.leases or self.leases[r.id][1] < now)
            for r in self.rows.values()
        )

    def hasten(self, hall_id: int, destination: str, now: datetime) -> int:
        late = [
            r
            for r in self.rows.values()
            if (r.hall_id, r.destination) == (hall_id, destination)
            and r.status == "pending"
            and r.next_at > now
        ]
        for r in late:
            self.rows[r.id] = replace(r, next_at=now)
        return len(late)

    def settle(self, attempt: Attempt) -> bool:
        row = self.rows.get(attempt.message_id)
        lease = self.leases.get(attempt.message_id)
        if row is None or row.status != "pending" or lease is None or lease[0] != attempt.owner:
            return False
        del self.leases[attempt.message_id]
        self.rows[row.id] = replace(
            row,
            status=attempt.status,
            attempts=attempt.attempts,
            next_at=attempt.next_at,
            last_error=attempt.error,
            sent_at=attempt.at if attempt.status == "sent" else row.sent_at,
        )
        return True

    def settle_sent(self, message_ids: Sequence[int], owner: str, at: datetime) -> list[int]:
        kept = []
        for message_id in message_ids:
            row = self.rows.get(message_id)
            if row is not None and self.settle(
                Attempt(row.id, owner, "sent", row.attempts + 1, at, None, at)
            ):
                kept.append(message_id)
        return kept

    def get(self, message_id: int) -> MessageRow | None:
        return self.rows.get(message_id)

    def revive(self, message_id: int, at: datetime, by: str) -> None:
        row = self.rows[message_id]
        self.rows[message_id] = replace(row, status="pending", attempts=0, created_at=at, next_at=at)

    def drop(self, message_id: int, at: datetime, by: str) -> None:
        self.rows[message_id] = replace(self.rows[message_id], status="dropped")

    def figures(self, hall_id: int) -> list[DestinationFigures]:
        out = []
        rows = [r for r in self.rows.values() if r.hall_id == hall_id]
        for dest in sorted({r.destination for r in rows}):
            mine = [r for r in rows if r.destination == dest]
            pending = [r for r in mine if r.status == "pending"]
            out.append(
                DestinationFigures(
                    dest,
                    sum(r.status == "sent" for r in mine),
                    len(pending),
                    sum(r.status == "dead" for r in mine),
                    sum(r.status == "dropped" for r in mine),
                    min((r.created_at for r in pending), default=None),
                    sum(r.attempts >= FAILING_ATTEMPTS for r in pending),
                )
            )
        return out

    def troubles(self, hall_id: int) -> list[tuple[str, int, int]]:
        return [(f.destination, f.failing, f.dead) for f in self.figures(hall_id) if f.failing or f.dead]

    def latest(self, hall_id: int, statuses: Sequence[str], limit: int) -> list[MessageRow]:
        rows = [r for r in self.rows.values() if r.hall_id == hall_id and r.status in statuses]
        return sorted(rows, key=lambda r: -r.id)[:limit]

    def kinds_between(
        self, hall_id: int, kind: str, lower: datetime, upper: datetime
    ) -> list[tuple[datetime, str, str | None]]:
        return [
            (r.created_at, r.status, r.last_error)
            for r in self.rows.values()
            if r.hall_id == hall_id and r.kind == kind and lower <= r.created_at < upper
        ]

    def add_capped(self, message: NewMessage, since: datetime, cap: int) -> bool:
        known = {r.idempotency_key for r in self.rows.values()}
        key = message.ordering_key
        written = sum(r.ordering_key == key and r.created_at >= since for r in self.rows.values())
        if message.idempotency_key in known or written >= cap:
            return False
        self.add([message])
        return True

    def subscribe(self, subscription: SmsSubscription, at: datetime) -> None:
        self.subs[subscription.token] = subscription

    def subscriptions(self, tokens: Sequence[str]) -> dict[str, SmsSubscription]:
        return {t: self.subs[t] for t in tokens if t in self.subs}

    def mark_ahead_sent(self, ticket_id: int) -> None:
        token = next(t for t, sub in self.subs.items() if sub.ticket_id == ticket_id)
        self.subs[token] = replace(self.subs[token], ahead_sent=True)

    def unsubscribe(self, ticket_id: int) -> bool:
        token = next((t for t, sub in self.subs.items() if sub.ticket_id == ticket_id), None)
        return token is not None and self.subs.pop(token, None) is not None


class FakeRecentHitStore:
    """Recent hits as (hall, kind, key, when) rows."""

    def __init__(self) -> None:
        self.hits: list[tuple[int, str, str, datetime]] = []

    def since(self, hall_id: int, kind: str, key: str, since: datetime) -> list[datetime]:
        return sorted(hit[3] for hit in self.hits if hit[:3] == (hall_id, kind, key) and hit[3] > since)

    def add(self, hall_id: int, kind: str, key: str, at: datetime) -> None:
        self.hits.append((hall_id, kind, key, at))

    def forget_until(self, hall_id: int, kind: str, until: datetime) -> None:
        self.hits = [hit for hit in self.hits if hit[:2] != (hall_id, kind) or hit[3] > until]
