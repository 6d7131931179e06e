"""The evaluations' stores on SQLAlchemy: evaluations and follow-ups, the complaint and praise
registers, the rubric (the ports in ``queue_server.services.evaluations.ports``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Row, Select, select, update

from queue_server.adapters import tables as t
from queue_server.adapters.raw import RawStatements
from queue_server.services.evaluations.ports import (
    AuditLine,
    Complaint,
    Department,
    Evaluation,
    FollowUp,
    NewComplaint,
    NewEvaluation,
    NewFollowUp,
    NewPraise,
    Person,
    Praise,
    Rating,
    TicketRef,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")
CHUNK = 500  # ids per IN (…) list: SQLite's and PostgreSQL's limits stay far away

ev = t.evaluations.c
fu = t.evaluation_follow_ups.c


def typed(kind: type[R], row: Row[*tuple[Any, ...]], **converted: Any) -> R:
    """A typed row from a table row: the dataclass's fields taken by name (``converted`` overrides)."""
    mapping = row._mapping
    values = {f.name: mapping[f.name] for f in fields(kind) if f.name not in converted}
    return kind(**values, **converted)


EVALUATION_COLUMNS = tuple(column.name for column in t.evaluations.columns)


TICKET_REF_COLUMNS = tuple(f.name for f in fields(TicketRef))
FOLLOW_UP_COLUMNS = tuple(f.name for f in fields(FollowUp))


def _evaluation(row: Row[Any]) -> Evaluation:
    return typed(Evaluation, row, reasons=tuple(row.reasons or ()))


def _raw_evaluation(row: tuple[Any, ...]) -> Evaluation:
    """An evaluation from a raw-cursor row of ``EVALUATION_COLUMNS``."""
    values = dict(zip(EVALUATION_COLUMNS, row, strict=True))
    return Evaluation(
        **{f.name: values[f.name] for f in fields(Evaluation) if f.name != "reasons"},
        reasons=tuple(values["reasons"] or ()),
    )


def _follow_up(row: Row[Any]) -> FollowUp:
    return typed(FollowUp, row, notes=tuple(row.notes or ()))


def _fields(record: Any) -> dict[str, Any]:
    """A flat record's fields by name: every conclusion and rating passes here, and ``asdict``
    deep-copies each value (the values are immutable: nothing to copy)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


class SqlStore:
    """A store on one connection, naming staff and writing the audit log as every store may."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def people(self, ids: Iterable[int | None]) -> dict[int, Person]:
        wanted = sorted({i for i in ids if i is not None})
        found: dict[int, Person] = {}
        for chunk in range(0, len(wanted), CHUNK):
            query = select(t.users).where(t.users.c.id.in_(wanted[chunk : chunk + CHUNK]))
            found.update({r.id: typed(Person, r) for r in self.conn.execute(query)})
        return found

    def staff_id(self, hall_id: int, staff_no: str) -> int | None:
        users = t.users.c
        query = select(users.id).where(users.hall_id == hall_id, users.staff_no == staff_no)
        found = self.conn.execute(query).scalar()
        return int(found) if found is not None else None

    def audit(self, line: AuditLine) -> None:
        self.conn.execute(t.audit_log.insert(), asdict(line))


class SqlEvaluationStore(SqlStore):
    """Evaluations and follow-ups on one connection."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        # Tickets read with their evaluation, for this unit of work (a number and a token never
        # change): a rating's reply and announcement name its ticket without reading it again.
        self._refs: dict[int, TicketRef] = {}

    def settings(self, hall_id: int) -> dict[str, Any]:
        stored = self.conn.execute(select(t.halls.c.settings).where(t.halls.c.id == hall_id)).scalar()
        found = (stored or {}).get("evaluation", {})
        return found if isinstance(found, dict) else {}

    def add(self, new: NewEvaluation) -> int:
        # Once per conclusion: on the driver's cursor, every column given (no Core defaults apply).
        values = {**_fields(new), "status": "pending", "reasons": [], "comment": "", "late": False}
        return int(
            RawStatements(self.conn).insert(t.evaluations, {**values, "is_default": False}, returning_id=True)
            or 0
        )

    def _first(self, query: Select[Any]) -> Evaluation | None:
        row = self.conn.execute(query).first()
        return _evaluation(row) if row is not None else None

    def get(self, evaluation_id: int) -> Evaluation | None:
        # Every rating reads its evaluation: on the driver's cursor, with its ticket's number and
        # token in the same statement (the rating names them).
        row, ticket = RawStatements(self.conn).by_id_with_linked(
            t.evaluations, EVALUATION_COLUMNS, t.tickets, TICKET_REF_COLUMNS, "ticket_id", evaluation_id
        )
        return None if row is None else self._with_ticket(row, ticket)

    def of_ticket(self, ticket_id: int) -> Evaluation | None:
        return self._first(select(t.evaluations).where(ev.ticket_id == ticket_id))

    def rate(self, evaluation_id: int, rating: Rating) -> None:
        values = {"status": "rated", "is_default": False, **_fields(rating), "reasons": list(rating.reasons)}
        RawStatements(self.conn).update(t.evaluations, values, {"id": evaluation_id})  # every rating

    def overdue(self, hall_id: int, now: datetime, limit: int | None) -> list[Evaluation]:
        query = select(t.evaluations).where(
            ev.hall_id == hall_id, ev.status == "pending", ev.deadline_at < now
        )
        if limit is not None:
            query = query.order_by(ev.deadline_at, ev.id).limit(limit)
        return [_evaluation(r) for r in self.conn.execute(query)]

    def mark_unrated(self, evaluation_id: int) -> None:
        self.conn.execute(
            update(t.evaluations)
            .where(ev.id == evaluation_id, ev.status == "pending")
            .values(status="unrated")
        )

    def unrated_before(self, hall_id: int, before: datetime, limit: int | None) -> list[int]:
        query = select(ev.id).where(ev.hall_id == hall_id, ev.status == "unrated", ev.deadline_at < before)
        if limit is not None:
            query = query.order_by(ev.deadline_at, ev.id).limit(limit)
        return [int(i) for i in self.conn.execute(query).scalars()]

    def give_default(self, ids: list[int], level: str) -> None:
        if ids:
            self.conn.execute(
                update(t.evaluations)
                .where(ev.id.in_(ids), ev.status == "unrated")
                .values(status="defaulted", level=level, is_default=True)
            )

    def requested_between(
        self, hall_id: int, start: datetime | None, end: datetime | None, status: str | None, limit: int
    ) -> list[Evaluation]:
        query = select(t.evaluations).where(ev.hall_id == hall_id)
        if start is not None:
            query = query.where(ev.requested_at >= start)
        if end is not None:
            query = query.where(ev.requested_at < end)
        if status:
            query = query.where(ev.status == status)
        return [_evaluation(r) for r in self.conn.execute(query.order_by(ev.id).limit(limit))]

    def latest_pending(self, window_id: int, now: datetime) -> Evaluation | None:
        # Every pad asks after every conclusion at its window: on the driver's cursor, with its
        # ticket's number and token in the same statement (the question names them).
        raw = RawStatements(self.conn)
        rows = raw.select_with_linked(
            t.evaluations,
            EVALUATION_COLUMNS,
            t.tickets,
            TICKET_REF_COLUMNS,
            "ticket_id",
            "evaluations.window_id = ? AND evaluations.status = 'pending' AND evaluations.deadline_at > ?"
            " ORDER BY evaluations.id DESC LIMIT 1",
            (window_id, raw.bind(t.evaluations, "deadline_at", now)),
        )
        return self._with_ticket(*rows[0]) if rows else None

    def _with_ticket(self, row: tuple[Any, ...], ticket: tuple[Any, ...] | None) -> Evaluation:
        """An evaluation read with its ticket's reference, kept for ``tickets``."""
        if ticket is not None:
            self._refs[ticket[0]] = TicketRef(*ticket)
        return _raw_evaluation(row)

    def tickets(self, ids: Iterable[int]) -> dict[int, TicketRef]:
        # Every rating and every pad's question read their ticket's number: on the driver's cursor.
        wanted = sorted(set(ids))
        if all(i in self._refs for i in wanted):  # read with their evaluations
            return {i: self._refs[i] for i in wanted}
        found: dict[int, TicketRef] = {}
        raw = RawStatements(self.conn)
        for chunk in range(0, len(wanted), CHUNK):
            part = tuple(wanted[chunk : chunk + CHUNK])
            where = f"tickets.id IN ({', '.join('?' * len(part))})"
            found.update(
                {r[0]: TicketRef(*r) for r in raw.select(t.tickets, TICKET_REF_COLUMNS, where, part)}
            )
        return found

    def ticket_by_token(self, token: str) -> TicketRef | None:
        row = self.conn.execute(select(t.tickets).where(t.tickets.c.token == token)).first()
        return typed(TicketRef, row) if row is not None else None

    def departments(self, hall_id: int) -> dict[int, Department]:
        rows = self.conn.execute(select(t.departments).where(t.departments.c.hall_id == hall_id))
        return {r.id: typed(Department, r) for r in rows}

    def open_follow_up(self, new: NewFollowUp) -> None:
        values = {**asdict(new), "stage": "verify", "owner": "", "notes": []}
        self.conn.execute(t.evaluation_follow_ups.insert(), values)

    def follow_up(self, follow_up_id: int) -> FollowUp | None:
        row = self.conn.execute(select(t.evaluation_follow_ups).where(fu.id == follow_up_id)).first()
        return _follow_up(row) if row is not None else None

    def follow_ups_of(self, evaluation_ids: Iterable[int]) -> dict[int, FollowUp]:
        # Every pad's question shows its evaluation's follow-up (none, mostly): on the driver's cursor.
        wanted = sorted(set(evaluation_ids))
        found: dict[int, FollowUp] = {}
        raw = RawStatements(self.conn)
        for chunk in range(0, len(wanted), CHUNK):
            part = tuple(wanted[chunk : chunk + CHUNK])
            where = f"evaluation_follow_ups.evaluation_id IN ({', '.join('?' * len(part))})"
            for row in raw.select(t.evaluation_follow_ups, FOLLOW_UP_COLUMNS, where, part):
                values = dict(zip(FOLLOW_UP_COLUMNS, row, strict=True))
                follow_up = FollowUp(**{**values, "notes": tuple(values["notes"] or ())})
                found[follow_up.evaluation_id] = follow_up
        return found

    def follow_ups(self, hall_id: int, open_only: bool) -> list[FollowUp]:
        query = select(t.evaluation_follow_ups).where(fu.hall_id == hall_id)
        if open_only:
            query = query.where(fu.stage != "closed")
        return [_follow_up(r) for r in self.conn.execute(query)]

    def save_follow_up(self, follow_up: FollowUp) -> None:
        values = asdict(follow_up)
        for fixed in (
            "id",
            "hall_id",
            "evaluation_id",
            "verify_due",
            "rectify_due",
            "revisit_due",
            "opened_at",
        ):
            del values[fixed]
        values["notes"] = list(follow_up.notes)
        self.conn.execute(update(t.evaluation_follow_ups).where(fu.id == follow_up.id).values(**values))

    def open_follow_up_numbers(self, hall_id: int) -> list[tuple[FollowUp, str]]:
        rows = self.conn.execute(
            select(t.evaluation_follow_ups, t.tickets.c.number)
            .join(t.evaluations, ev.id == fu.evaluation_id)
            .join(t.tickets, t.tickets.c.id == ev.ticket_id)
            .where(fu.hall_id == hall_id, fu.stage != "closed")
        )
        return [(_follow_up(r), str(r.number)) for r in rows]


class SqlComplaintStore(SqlStore):
    """The complaint and praise registers on one connection."""

    def add(self, new: NewComplaint) -> int:
        query = t.complaints.insert().returning(t.complaints.c.id)
        values = {**asdict(new), "finding": "", "outcome": ""}
        return int(self.conn.execute(query, values).scalar_one())

    def get(self, complaint_id: int) -> Complaint | None:
        row = self.conn.execute(select(t.complaints).where(t.complaints.c.id == complaint_id)).first()
        return typed(Complaint, row) if row is not None else None

    def judge(
        self, complaint_id: int, verdict: str, points: float | None, finding: str, at: datetime, by: str
    ) -> None:
        self.conn.execute(
            update(t.complaints)
            .where(t.complaints.c.id == complaint_id)
            .values(verdict=verdict, points=points, finding=finding, verified_at=at, verified_by=by)
        )

    def report(self, complaint_id: int, outcome: str, at: datetime, by: str) -> None:
        self.conn.execute(
            update(t.complaints)
            .where(t.complaints.c.id == complaint_id)
            .values(outcome=outcome, reported_at=at, reported_by=by)
        )

    def complaints(self, hall_id: int) -> list[Complaint]:
        query = (
            select(t.complaints).where(t.complaints.c.hall_id == hall_id).order_by(t.complaints.c.id.desc())
        )
        return [typed(Complaint, r) for r in self.conn.execute(query)]

    def verified_between(self, hall_id: int, start: datetime, end: datetime) -> list[Complaint]:
        cm = t.complaints.c
        query = select(t.complaints).where(
            cm.hall_id == hall_id, cm.verdict == "verified", cm.verified_at >= start, cm.verified_at < end
        )
        return [typed(Complaint, r) for r in self.conn.execute(query.order_by(cm.id))]

    def add_praise(self, new: NewPraise) -> Praise:
        values = asdict(new)
        new_id = self.conn.execute(t.praise.insert().returning(t.praise.c.id), values).scalar_one()
        return typed(Praise, self.conn.execute(select(t.praise).where(t.praise.c.id == new_id)).one())

    def praise(self, hall_id: int, first: date | None, last: date | None) -> list[Praise]:
        query = select(t.praise).where(t.praise.c.hall_id == hall_id)
        if first is not None:
            query = query.where(t.praise.c.day >= first)
        if last is not None:
            query = query.where(t.praise.c.day <= last)
        query = query.order_by(t.praise.c.day.desc(), t.praise.c.id.desc())
        return [typed(Praise, r) for r in self.conn.execute(query)]


class SqlRubricStore(SqlStore):
    """Each hall's rubric on one connection."""

    def rubric(self, hall_id: int) -> dict[str, Any] | None:
        table = t.assessment_rubrics
        stored = self.conn.execute(select(table.c.rubric).where(table.c.hall_id == hall_id)).scalar()
        return stored if isinstance(stored, dict) and stored else None

    def save_rubric(self, hall_id: int, rubric: dict[str, Any], at: datetime, by: str) -> None:
        table = t.assessment_rubrics
        exists = self.conn.execute(select(table.c.hall_id).where(table.c.hall_id == hall_id)).first()
        values = {"rubric": rubric, "updated_at": at, "updated_by": by}
        if exists:
            self.conn.execute(update(table).where(table.c.hall_id == hall_id).values(**values))
        else:
            self.conn.execute(table.insert(), {"hall_id": hall_id, **values})
