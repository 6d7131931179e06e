"""The outbox's store on SQL: messages claimed with a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two server processes never claim one message) and the SMS subscriptions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)

from queue_server.adapters import tables as t
from queue_server.adapters.raw import RawStatements, read_time
from queue_server.domain.outbox import FAILING_ATTEMPTS, Status
from queue_server.services.outbox.ports import (
    Attempt,
    DestinationFigures,
    MessageRow,
    NewMessage,
    SmsSubscription,
)

o = t.outbox
# Statements of the issue path built once (a statement built per call costs more Python than its SQL).
# A key already stored is left as it is: the same message is never queued twice.
_INSERT = (  # SQL both SQLite and PostgreSQL accept, run on the raw cursor
    "INSERT INTO outbox (hall_id, destination, kind, idempotency_key, ordering_key, payload, status,"
    " attempts, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
)
_COUNT_SINCE = "SELECT count(*) FROM outbox WHERE ordering_key = ? AND created_at >= ?"
# A notice under its number's daily cap: the count and the insert in one statement (a WHERE is
# what lets SQLite read the ON CONFLICT after an INSERT … SELECT as the upsert's).
_INSERT_CAPPED = (
    "INSERT INTO outbox (hall_id, destination, kind, idempotency_key, ordering_key, payload, status,"
    " attempts, created_at, next_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
    f" WHERE ({_COUNT_SINCE}) < ? ON CONFLICT (idempotency_key) DO NOTHING"
)
# The dispatcher's jobs, on the raw cursor too: under a kiosk issuing with SMS they run on the
# writer's thread a few times a second, and built through Core each cost more Python than its SQL.
# Due pending messages, each the oldest pending one of its citizen (ordering key), in id order;
# ``{skip}`` leaves out the destinations away right now, ``{lock}`` is PostgreSQL's row lock that
# lets two processes claim side by side, each message once.
_DUE = (
    "SELECT o.id FROM outbox AS o WHERE o.status = 'pending' AND o.next_at <= ?"
    " AND (o.lease_until IS NULL OR o.lease_until < ?)"
    " AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.ordering_key = o.ordering_key"
    " AND e.status = 'pending' AND e.id < o.id){skip} ORDER BY o.id LIMIT ?{lock}"
)
_COLUMNS = (
    "id",
    "hall_id",
    "destination",
    "kind",
    "idempotency_key",
    "ordering_key",
    "payload",
    "status",
    "attempts",
    "created_at",
    "next_at",
    "last_error",
    "sent_at",
)
_LEASE = "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id IN ({ids}) RETURNING " + ", ".join(
    _COLUMNS
)
_SENT = (
    "UPDATE outbox SET status = 'sent', attempts = attempts + 1, next_at = ?, last_error = NULL,"
    " sent_at = ?, lease_owner = NULL, lease_until = NULL"
    " WHERE id IN ({ids}) AND lease_owner = ? AND status = 'pending' RETURNING id, hall_id, destination"
)
# A delivery counts once more for its hall's destination (the manager's figures read the counts).
_COUNT_SENT = (
    "INSERT INTO outbox_sent (hall_id, destination, sent) VALUES (?, ?, ?)"
    " ON CONFLICT (hall_id, destination) DO UPDATE SET sent = outbox_sent.sent + excluded.sent"
)


# The columns a new message binds, in the order of ``_INSERT`` (all but its id and what sending
# fills in); the capped insert's count adds its ordering key and the day's start (a created_at).
_NEW = _COLUMNS[1:11]
_NEW_CAPPED = (*_NEW, "ordering_key", "created_at")


def _values(m: NewMessage) -> tuple[Any, ...]:
    """A new message's values for ``_NEW``: pending, due at once."""
    return (
        m.hall_id,
        m.destination,
        m.kind,
        m.idempotency_key,
        m.ordering_key,
        m.payload,
        "pending",
        0,
        m.created_at,
        m.created_at,
    )


def _marks(n: int) -> str:
    return ", ".join("?" * n)


_SETTLE = (
    update(o)
    .where(o.c.id == bindparam("b_id"), o.c.lease_owner == bindparam("b_owner"), o.c.status == "pending")
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        next_at=bindparam("b_next_at", type_=t.UtcDateTime),
        last_error=bindparam("b_error"),
        sent_at=bindparam("b_sent_at", type_=t.UtcDateTime),
        lease_owner=None,
        lease_until=None,
    )
    .returning(o.c.hall_id, o.c.destination)
)

_sent = t.outbox_sent


def _time(value: Any) -> datetime:
    stamp = read_time(value)
    assert stamp is not None  # a NOT NULL column
    return stamp


def _message(row: Row[Any]) -> MessageRow:
    return MessageRow(
        id=row.id,
        hall_id=row.hall_id,
        destination=row.destination,
        kind=row.kind,
        idempotency_key=row.idempotency_key,
        ordering_key=row.ordering_key,
        payload=dict(row.payload or {}),
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        next_at=row.next_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


class SqlOutboxStore:
    """The outbox on one connection."""

    def __init__(self, conn: Connection, raw: RawStatements | None = None) -> None:
        self.conn = conn
        # The issue path's statements (opt-in, its "taken" notice, the daily cap) on the driver's
        # cursor: through Core they cost more Python than the ticket's own insert (``adapters.raw``).
        self.raw = raw or RawStatements(conn)

    def add(self, messages: Sequence[NewMessage]) -> None:
        """Store new pending messages (a key already stored is left as it is)."""
        for m in messages:  # one a change, as a rule
            self.raw.execute(_INSERT, self.raw.bind_row(o, _NEW, _values(m)))

    def add_capped(self, message: NewMessage, since: datetime, cap: int) -> bool:
        """Store a new pending message unless its ordering key has ``cap`` messages since ``since``."""
        # The row and the cap's count bound in one pass: an SMS ticket's notice is on the writer's
        # thread, where a bind call a column cost more Python than the statement's SQLite work.
        row = self.raw.bind_row(o, _NEW_CAPPED, (*_values(message), message.ordering_key, since))
        return self.raw.execute(_INSERT_CAPPED, (*row, cap)) == 1

    def claim(
        self,
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
        skip: Sequence[tuple[int, str]] = (),
    ) -> list[MessageRow]:
        """Due pending messages, each the oldest pending one of its ordering key, leased to ``owner``."""
        at = self.raw.bind(o, "next_at", now)
        away = " AND NOT (" + " OR ".join(["(o.hall_id = ? AND o.destination = ?)"] * len(skip)) + ")"
        lock = " FOR UPDATE OF o SKIP LOCKED" if self.conn.dialect.name == "postgresql" else ""
        due = _DUE.format(skip=away if skip else "", lock=lock)
        params = (at, at, *(value for pair in skip for value in pair), limit)
        ids = [row[0] for row in self.raw.rows(due, params)]
        if not ids:
            return []
        lease = (owner, self.raw.bind(o, "lease_until", lease_until), *ids)
        rows = self.raw.rows(_LEASE.format(ids=_marks(len(ids))), lease)
        return sorted((self._read(row) for row in rows), key=lambda m: m.id)

    def _read(self, row: tuple[Any, ...]) -> MessageRow:
        """A row of ``_COLUMNS`` read on the raw cursor as Core reads it."""
        (id_, hall_id, destination, kind, key, order, payload, status, attempts) = row[:9]
        created_at, next_at, last_error, sent_at = row[9:]
        return MessageRow(
            id=id_,
            hall_id=hall_id,
            destination=destination,
            kind=kind,
            idempotency_key=key,
            ordering_key=order,
            payload=dict(json.loads(payload) if isinstance(payload, str) else payload or {}),
            status=status,
            attempts=attempts,
            created_at=_time(created_at),
            next_at=_time(next_at),
            last_error=last_error,
            sent_at=read_time(sent_at),
        )

    def any_due(self, now: datetime) -> bool:
        """Whether some pending message is due and not leased."""
        query = (
            select(o.c.id)
            .where(
                o.c.status == "pending",
                o.c.next_at <= now,
                or_(o.c.lease_until.is_(None), o.c.lease_until < now),
            )
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    def hasten(self, hall_id: int, destination: str, now: datetime) -> int:
        """Make every pending message of ``destination`` waiting out a back-off due now."""
        done = self.conn.execute(
            update(o)
            .where(
                o.c.hall_id == hall_id,
                o.c.destination == destination,
                o.c.status == "pending",
                o.c.next_at > now,
            )
            .values(next_at=now)
        )
        return int(done.rowcount or 0)

    def settle(self, attempt: Attempt) -> bool:
        """Record an attempt on a message still leased to its owner."""
        values = {
            "b_id": attempt.message_id,
            "b_owner": attempt.owner,
            "b_status": attempt.status,
            "b_attempts": attempt.attempts,
            "b_next_at": attempt.next_at,
            "b_error": attempt.error[:500] if attempt.error else None,
            "b_sent_at": attempt.at if attempt.status == "sent" else None,
        }
        kept = self.conn.execute(_SETTLE, values).first()
        if kept is not None and attempt.status == "sent":
            self._count_sent(Counter([(kept.hall_id, kept.destination)]))
        return kept is not None

    def settle_sent(self, message_ids: Sequence[int], owner: str, at: datetime) -> list[int]:
        """Record the delivery of messages still leased to ``owner``, in one statement."""
        if not message_ids:
            return []
        stamp = self.raw.bind(o, "sent_at", at)
        params = (stamp, stamp, *message_ids, owner)
        kept = self.raw.rows(_SENT.format(ids=_marks(len(message_ids))), params)
        self._count_sent(Counter((hall_id, destination) for _, hall_id, destination in kept))
        return [row[0] for row in kept]

    def _count_sent(self, delivered: Counter[tuple[int, str]]) -> None:
        for (hall_id, destination), n in sorted(delivered.items()):  # a few destinations a round
            self.raw.execute(_COUNT_SENT, (hall_id, destination, n))

    def get(self, message_id: int) -> MessageRow | None:
        """A message by id."""
        row = self.conn.execute(select(o).where(o.c.id == message_id)).first()
        return _message(row) if row is not None else None

    def revive(self, message_id: int, at: datetime, by: str) -> None:
        """Make a dead message pending again, due now, with fresh attempts."""
        self.conn.execute(
            update(o)
            .where(o.c.id == message_id)
            .values(status="pending", attempts=0, created_at=at, next_at=at, settled_by=by)
        )

    def drop(self, message_id: int, at: datetime, by: str) -> None:
        """Mark a dead message dropped."""
        self.conn.execute(update(o).where(o.c.id == message_id).values(status="dropped", settled_by=by))

    def figures(self, hall_id: int) -> list[DestinationFigures]:
        """Each destination's counts, by destination: the delivered ones from their kept count, the
        others read by status (pending, dead and dropped are few; the history of sent is not).

        One statement, so one snapshot on PostgreSQL's read committed too: read as two, a message the
        dispatcher settles between them would be counted both pending and sent."""

        def flag(condition: Any) -> Any:
            return case((condition, 1), else_=0)

        pending = o.c.status == "pending"
        none = literal(0)
        rows = union_all(
            select(
                o.c.destination.label("destination"),
                flag(pending).label("waiting"),
                flag(o.c.status == "dead").label("dead"),
                flag(o.c.status == "dropped").label("dropped"),
                case((pending, o.c.created_at), else_=None).label("oldest"),
                flag(and_(pending, o.c.attempts >= FAILING_ATTEMPTS)).label("failing"),
                none.label("sent"),
            ).where(o.c.hall_id == hall_id, o.c.status.in_(("pending", "dead", "dropped"))),
            select(
                _sent.c.destination, none, none, none, cast(null(), t.UtcDateTime), none, _sent.c.sent
            ).where(_sent.c.hall_id == hall_id),
        ).subquery()
        query = (
            select(
                rows.c.destination,
                func.sum(rows.c.sent),
                func.sum(rows.c.waiting),
                func.sum(rows.c.dead),
                func.sum(rows.c.dropped),
                func.min(rows.c.oldest, type_=t.UtcDateTime),
                func.sum(rows.c.failing),
            )
            .group_by(rows.c.destination)
            .order_by(rows.c.destination)
        )
        return [
            DestinationFigures(dest, int(sent), int(waiting), int(dead), int(dropped), oldest, int(failing))
            for dest, sent, waiting, dead, dropped, oldest, failing in self.conn.execute(query)
        ]

    def troubles(self, hall_id: int) -> list[tuple[str, int, int]]:
        """(destination, failing, dead) of the hall's destinations with either."""
        failing = func.sum(
            case((and_(o.c.status == "pending", o.c.attempts >= FAILING_ATTEMPTS), 1), else_=0)
        )
        dead = func.sum(case((o.c.status == "dead", 1), else_=0))
        query = (
            select(o.c.destination, failing, dead)
            .where(o.c.hall_id == hall_id, o.c.status.in_(("pending", "dead")))
            .group_by(o.c.destination)
            .order_by(o.c.destination)
        )
        return [(d, int(f), int(x)) for d, f, x in self.conn.execute(query) if f or x]

    def latest(self, hall_id: int, statuses: Sequence[str], limit: int) -> list[MessageRow]:
        """The hall's messages in ``statuses``, newest first."""
        query = (
            select(o)
            .where(o.c.hall_id == hall_id, o.c.status.in_(statuses))
            .order_by(o.c.id.desc())
            .limit(limit)
        )
        return [_message(r) for r in self.conn.execute(query)]

    def kinds_between(
        self, hall_id: int, kind: str, lower: datetime, upper: datetime
    ) -> list[tuple[datetime, str, str | None]]:
        """(created_at, status, last error) of the hall's messages of ``kind`` written in [lower, upper)."""
        query = select(o.c.created_at, o.c.status, o.c.last_error).where(
            o.c.status.in_([s.value for s in Status]),  # a seek a status for the hall in its index
            o.c.hall_id == hall_id,
            o.c.kind == kind,
            o.c.created_at >= lower,
            o.c.created_at < upper,
        )
        return [(r.created_at, r.status, r.last_error) for r in self.conn.execute(query)]

    def subscribe(self, subscription: SmsSubscription, at: datetime) -> None:
        """Keep a ticket's opt-in to SMS notices, under its ticket's id."""
        s = subscription
        values = {
            "ticket_id": s.ticket_id,
            "hall_id": s.hall_id,
            "number": s.number,
            "phone_cipher": s.phone_cipher,
            "phone_hash": s.phone_hash,
            "phone_masked": s.phone_masked,
            "ahead_sent": s.ahead_sent,
            "created_at": at,
            "language": s.language,
        }
        self.raw.insert(t.sms_subscriptions, values, returning_id=False)

    def subscriptions(self, tokens: Sequence[str]) -> dict[str, SmsSubscription]:
        """The opted-in tickets among ``tokens`` (found by the tickets' token)."""
        if not tokens:
            return {}
        s, k = t.sms_subscriptions, t.tickets
        query = select(k.c.token, s).join(k, k.c.id == s.c.ticket_id).where(k.c.token.in_(list(tokens)))
        return {
            r.token: SmsSubscription(
                r.token,
                r.hall_id,
                r.number,
                r.phone_cipher,
                r.phone_hash,
                r.phone_masked,
                bool(r.ahead_sent),
                r.language,
                r.ticket_id,
            )
            for r in self.conn.execute(query)
        }

    def mark_ahead_sent(self, ticket_id: int) -> None:
        """Note that a ticket's "N ahead" notice was written."""
        s = t.sms_subscriptions
        self.conn.execute(update(s).where(s.c.ticket_id == ticket_id).values(ahead_sent=True))

    def unsubscribe(self, ticket_id: int) -> bool:
        """Forget a ticket's opt-in; whether there was one."""
        s = t.sms_subscriptions
        return bool(self.conn.execute(s.delete().where(s.c.ticket_id == ticket_id)).rowcount)
