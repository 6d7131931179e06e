"""Fakes of the evaluations' ports: evaluations and follow-ups, the registers, the rubric."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

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
from tests.fakes.cases import FakeCaseStore
from tests.fakes.tickets import FakeTicketStore


@dataclass
class FakeDirectory:
    """Staff by id, and the audit log, shared by the stores that name people or audit."""

    staff: dict[int, tuple[int, Person]] = field(default_factory=dict)  # id → (hall, person)
    audit_lines: list[AuditLine] = field(default_factory=list)

    def add_person(self, hall_id: int, person: Person) -> Person:
        self.staff[person.id] = (hall_id, person)
        return person

    def people(self, ids: Iterable[int | None]) -> dict[int, Person]:
        return {i: self.staff[i][1] for i in ids if i is not None and i in self.staff}

    def staff_id(self, hall_id: int, staff_no: str) -> int | None:
        return next((p.id for h, p in self.staff.values() if h == hall_id and p.staff_no == staff_no), None)

    def audit(self, line: AuditLine) -> None:
        self.audit_lines.append(line)


class FakeStore:
    """A store naming staff and writing the audit log through the stores' shared directory."""

    def __init__(self, directory: FakeDirectory) -> None:
        self.directory = directory

    def people(self, ids: Iterable[int | None]) -> dict[int, Person]:
        return self.directory.people(ids)

    def staff_id(self, hall_id: int, staff_no: str) -> int | None:
        return self.directory.staff_id(hall_id, staff_no)

    def audit(self, line: AuditLine) -> None:
        self.directory.audit(line)


class FakeEvaluationStore(FakeStore):
    """Evaluations and follow-ups in dicts; tickets and cases are read from their own fakes (the SQL
    store reads the tickets and cases tables)."""

    def __init__(self, directory: FakeDirectory, tickets: FakeTicketStore, cases: FakeCaseStore) -> None:
        super().__init__(directory)
        self.rows: dict[int, Evaluation] = {}
        self.follow_up_rows: dict[int, FollowUp] = {}
        self.ticket_rows = tickets
        self.case_rows = cases
        self.department_rows: dict[int, tuple[int, Department]] = {}
        self.hall_settings: dict[int, dict[str, Any]] = {}

    def settings(self, hall_id: int) -> dict[str, Any]:
        return dict(self.hall_settings.get(hall_id, {}))

    def add(self, new: NewEvaluation) -> int:
        if any(r.ticket_id == new.ticket_id for r in self.rows.values()):
            raise ValueError("unique: one evaluation per ticket")  # the table's unique constraint
        new_id = len(self.rows) + 1
        self.rows[new_id] = Evaluation(id=new_id, status="pending", **asdict(new))
        return new_id

    def get(self, evaluation_id: int) -> Evaluation | None:
        return self.rows.get(evaluation_id)

    def of_ticket(self, ticket_id: int) -> Evaluation | None:
        return next((r for r in self.rows.values() if r.ticket_id == ticket_id), None)

    def rate(self, evaluation_id: int, rating: Rating) -> None:
        row = self.rows[evaluation_id]
        self.rows[evaluation_id] = replace(row, status="rated", is_default=False, **asdict(rating))

    def overdue(self, hall_id: int, now: datetime, limit: int | None) -> list[Evaluation]:
        found = [
            r
            for r in self.rows.values()
            if r.hall_id == hall_id and r.status == "pending" and r.deadline_at < now
        ]
        found.sort(key=lambda r: (r.deadline_at, r.id))
        return found if limit is None else found[:limit]

    def mark_unrated(self, evaluation_id: int) -> None:
        row = self.rows[evaluation_id]
        if row.status == "pending":
            self.rows[evaluation_id] = replace(row, status="unrated")

    def unrated_before(self, hall_id: int, before: datetime, limit: int | None) -> list[int]:
        found = sorted(
            (r.deadline_at, r.id)
            for r in self.rows.values()
            if r.hall_id == hall_id and r.status == "unrated" and r.deadline_at < before
        )
        ids = [i for _, i in found]
        return ids if limit is None else ids[:limit]

    def give_default(self, ids: list[int], level: str) -> None:
        for i in ids:
            if self.rows[i].status == "unrated":
                self.rows[i] = replace(self.rows[i], status="defaulted", level=level, is_default=True)

    def requested_between(
        self, hall_id: int, start: datetime | None, end: datetime | None, status: str | None, limit: int
    ) -> list[Evaluation]:
        found = [
            r
            for r in sorted(self.rows.values(), key=lambda r: r.id)
            if r.hall_id == hall_id
            and (start is None or r.requested_at >= start)
            and (end is None or r.requested_at < end)
            and (not status or r.status == status)
        ]
        return found[:limit]

    def latest_pending(self, window_id: int, now: datetime) -> Evaluation | None:
        found = [
            r
            for r in self.rows.values()
            if r.window_id == window_id and r.status == "pending" and r.deadline_at > now
        ]
        return max(found, key=lambda r: r.id, default=None)

    def tickets(self, ids: Iterable[int]) -> dict[int, TicketRef]:
        return {i: TicketRef(r.id, r.number, r.token) for i, r in self.ticket_rows.by_ids(ids).items()}

    def ticket_by_token(self, token: str) -> TicketRef | None:
        found = self.ticket_rows.by_token(token)
        return TicketRef(found.id, found.number, found.token) if found is not None else None

    def departments(self, hall_id: int) -> dict[int, Department]:
        return {i: d for i, (h, d) in self.department_rows.items() if h == hall_id}

    def open_follow_up(self, new: NewFollowUp) -> None:
        new_id = len(self.follow_up_rows) + 1
        self.follow_up_rows[new_id] = FollowUp(id=new_id, stage="verify", owner="", **asdict(new))

    def follow_up(self, follow_up_id: int) -> FollowUp | None:
        return self.follow_up_rows.get(follow_up_id)

    def follow_ups_of(self, evaluation_ids: Iterable[int]) -> dict[int, FollowUp]:
        wanted = set(evaluation_ids)
        return {f.evaluation_id: f for f in self.follow_up_rows.values() if f.evaluation_id in wanted}

    def follow_ups(self, hall_id: int, open_only: bool) -> list[FollowUp]:
        return [
            f
            for f in self.follow_up_rows.values()
            if f.hall_id == hall_id and (not open_only or f.stage != "closed")
        ]

    def save_follow_up(self, follow_up: FollowUp) -> None:
        kept = self.follow_up_rows[follow_up.id]  # the fixed fields stay as opened
        self.follow_up_rows[follow_up.id] = replace(
            follow_up,
            hall_id=kept.hall_id,
            evaluation_id=kept.evaluation_id,
            verify_due=kept.verify_due,
            rectify_due=kept.rectify_due,
            revisit_due=kept.revisit_due,
            opened_at=kept.opened_at,
        )

    def open_follow_up_numbers(self, hall_id: int) -> list[tuple[FollowUp, str]]:
        return [
            (f, self.ticket_rows.rows[self.rows[f.evaluation_id].ticket_id].number)
            for f in self.follow_ups(hall_id, open_only=True)
        ]


class FakeComplaintStore(FakeStore):
    """The complaint and praise registers in dicts."""

    def __init__(self, directory: FakeDirectory) -> None:
        super().__init__(directory)
        self.complaint_rows: dict[int, Complaint] = {}
        self.contact_hashes: dict[int, str | None] = {}  # kept apart: the public row never holds it
        self.praise_rows: dict[int, Praise] = {}

    def add(self, new: NewComplaint) -> int:
        new_id = len(self.complaint_rows) + 1
        values = {k: v for k, v in asdict(new).items() if k != "contact_hash"}
        self.contact_hashes[new_id] = new.contact_hash
        self.complaint_rows[new_id] = Complaint(
            id=new_id,
            points=None,
            finding="",
            verified_at=None,
            verified_by=None,
            outcome="",
            reported_at=None,
            reported_by=None,
            **values,
        )
        return new_id

    def get(self, complaint_id: int) -> Complaint | None:
        return self.complaint_rows.get(complaint_id)

    def judge(
        self, complaint_id: int, verdict: str, points: float | None, finding: str, at: datetime, by: str
    ) -> None:
        row = self.complaint_rows[complaint_id]
        self.complaint_rows[complaint_id] = replace(
            row, verdict=verdict, points=points, finding=finding, verified_at=at, verified_by=by
        )

    def report(self, complaint_id: int, outcome: str, at: datetime, by: str) -> None:
        row = self.complaint_rows[complaint_id]
        self.complaint_rows[complaint_id] = replace(row, outcome=outcome, reported_at=at, reported_by=by)

    def complaints(self, hall_id: int) -> list[Complaint]:
        return sorted((c for c in self.complaint_rows.values() if c.hall_id == hall_id), key=lambda c: -c.id)

    def verified_between(self, hall_id: int, start: datetime, end: datetime) -> list[Complaint]:
        return [
            c
            for c in sorted(self.complaint_rows.values(), key=lambda c: c.id)
            if c.hall_id == hall_id
            and c.verdict == "verified"
            and c.verified_at is not None
            and start <= c.verified_at < end
        ]

    def add_praise(self, new: NewPraise) -> Praise:
        new_id = len(self.praise_rows) + 1
        row = Praise(id=new_id, **asdict(new))
        self.praise_rows[new_id] = row
        return row

    def praise(self, hall_id: int, first: date | None, last: date | None) -> list[Praise]:
        found = [
            p
            for p in self.praise_rows.values()
            if p.hall_id == hall_id and (first is None or p.day >= first) and (last is None or p.day <= last)
        ]
        return sorted(found, key=lambda p: (p.day, p.id), reverse=True)


class FakeRubricStore(FakeStore):
    """Each hall's rubric in a dict."""

    def __init__(self, directory: FakeDirectory) -> None:
        super().__init__(directory)
        self.stored: dict[int, dict[str, Any]] = {}

    def rubric(self, hall_id: int) -> dict[str, Any] | None:
        return self.stored.get(hall_id) or None

    def save_rubric(self, hall_id: int, rubric: dict[str, Any], at: datetime, by: str) -> None:
        self.stored[hall_id] = rubric
