"""The evaluations' ports: what 好差评, its 差评 follow-up, the complaint and praise registers and the
rubric need from storage, as typed rows. ``queue_server.adapters.evaluations`` implements them on SQL;
the tests' fakes keep them in memory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

EvaluationStatus = Literal["pending", "rated", "unrated", "defaulted"]
FollowUpStage = Literal["verify", "rectify", "revisit", "closed"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One case's evaluation (一次一评), pending until rated, unrated past its deadline."""

    id: int
    hall_id: int
    ticket_id: int
    case_id: int | None
    service_id: int
    department_id: int | None
    window_id: int | None
    clerk_user_id: int | None
    status: EvaluationStatus
    requested_at: datetime
    deadline_at: datetime
    channel: str | None = None
    level: str | None = None
    reasons: tuple[str, ...] = ()
    comment: str = ""
    pressed_at: datetime | None = None
    recorded_at: datetime | None = None
    late: bool = False
    is_default: bool = False
    rater_token_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewEvaluation:
    """An evaluation opened at 办结, waiting for its rating."""

    hall_id: int
    ticket_id: int
    case_id: int | None
    service_id: int
    department_id: int | None
    window_id: int | None
    clerk_user_id: int | None
    requested_at: datetime
    deadline_at: datetime


@dataclass(frozen=True, slots=True)
class Rating:
    """What a rating stores on its evaluation."""

    channel: str
    level: str
    reasons: tuple[str, ...]
    comment: str
    pressed_at: datetime
    recorded_at: datetime
    late: bool
    rater_token_id: int | None


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A 差评's follow-up case: 核实 → 整改 → 回访 → closed, each stage with its due day."""

    id: int
    hall_id: int
    evaluation_id: int
    stage: FollowUpStage
    owner: str
    verify_due: date
    rectify_due: date
    revisit_due: date
    opened_at: datetime
    verified_at: datetime | None = None
    rectified_at: datetime | None = None
    revisited_at: datetime | None = None
    closed_at: datetime | None = None
    revisit_satisfied: bool | None = None
    notes: tuple[dict[str, Any], ...] = ()  # JSON notes, each {at, by, action, text[, owner]}


@dataclass(frozen=True, slots=True)
class NewFollowUp:
    """A follow-up opened by a 差评, its three stages' due days set."""

    hall_id: int
    evaluation_id: int
    verify_due: date
    rectify_due: date
    revisit_due: date
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class Person:
    """A member of staff as evaluations and registers name them."""

    id: int
    staff_no: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class TicketRef:
    """The ticket an evaluation belongs to: its number and public token."""

    id: int
    number: str
    token: str


@dataclass(frozen=True, slots=True)
class Department:
    """A department (委办局) of the hall."""

    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Complaint:
    """A 投诉 in the register."""

    id: int
    hall_id: int
    category: str
    received_at: datetime
    channel: str
    window_id: int | None
    clerk_user_id: int | None
    ticket_number: str
    summary: str
    contact_masked: str | None
    verdict: str
    points: float | None
    finding: str
    verified_at: datetime | None
    verified_by: str | None
    outcome: str
    reported_at: datetime | None
    reported_by: str | None
    created_by: str


@dataclass(frozen=True, slots=True)
class NewComplaint:
    """A complaint as registered (the phone only masked and hashed)."""

    hall_id: int
    category: str
    received_at: datetime
    channel: str
    window_id: int | None
    clerk_user_id: int | None
    ticket_number: str
    summary: str
    contact_masked: str | None
    contact_hash: str | None
    verdict: str
    created_by: str


@dataclass(frozen=True, slots=True)
class NewPraise:
    """A praise letter or banner (锦旗) for a window, and its clerk when named."""

    hall_id: int
    kind: str
    window_id: int
    clerk_user_id: int | None
    day: date
    note: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Praise(NewPraise):
    """A praise as stored."""

    id: int


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One line of the audit log (who changed what, before and after)."""

    hall_id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = field(default_factory=dict)


class Directory(Protocol):
    """The names evaluations and registers show: staff by id or staff number."""

    def people(self, ids: Iterable[int | None]) -> dict[int, Person]:
        """Staff by id (unknown ids and None left out)."""
        ...

    def staff_id(self, hall_id: int, staff_no: str) -> int | None:
        """The id of a staff number in the hall, or None."""
        ...


class Audit(Protocol):
    """The audit log, written by every register change."""

    def audit(self, line: AuditLine) -> None:
        """Append one line."""
        ...


class EvaluationStore(Directory, Protocol):
    """Evaluations and their follow-ups, with what their public form names."""

    def settings(self, hall_id: int) -> dict[str, Any]:
        """The hall's stored 好差评 settings (a JSON object; empty when none)."""
        ...

    def add(self, new: NewEvaluation) -> int:
        """Store a pending evaluation; its id."""
        ...

    def get(self, evaluation_id: int) -> Evaluation | None:
        """One evaluation by id."""
        ...

    def of_ticket(self, ticket_id: int) -> Evaluation | None:
        """The ticket's evaluation."""
        ...

    def rate(self, evaluation_id: int, rating: Rating) -> None:
        """Store the rating on the evaluation (status rated)."""
        ...

    def overdue(self, hall_id: int, now: datetime, limit: int | None) -> list[Evaluation]:
        """Pending evaluations past their deadline (the ``limit`` earliest deadlines when given)."""
        ...

    def mark_unrated(self, evaluation_id: int) -> None:
        """A pending evaluation becomes unrated (left alone if no longer pending)."""
        ...

    def unrated_before(self, hall_id: int, before: datetime, limit: int | None) -> list[int]:
        """Ids of unrated evaluations whose deadline was before ``before`` (earliest first with a limit)."""
        ...

    def give_default(self, ids: list[int], level: str) -> None:
        """Unrated evaluations among ``ids`` take the hall's default level, flagged as such."""
        ...

    def requested_between(
        self, hall_id: int, start: datetime | None, end: datetime | None, status: str | None, limit: int
    ) -> list[Evaluation]:
        """The hall's evaluations requested in [start, end), oldest first."""
        ...

    def latest_pending(self, window_id: int, now: datetime) -> Evaluation | None:
        """The window's latest evaluation still pending before its deadline."""
        ...

    def tickets(self, ids: Iterable[int]) -> dict[int, TicketRef]:
        """Tickets by id."""
        ...

    def ticket_by_token(self, token: str) -> TicketRef | None:
        """A ticket by its public token."""
        ...

    def departments(self, hall_id: int) -> dict[int, Department]:
        """The hall's departments by id."""
        ...

    def open_follow_up(self, new: NewFollowUp) -> None:
        """Open a 差评's follow-up at its first stage."""
        ...

    def follow_up(self, follow_up_id: int) -> FollowUp | None:
        """One follow-up by id."""
        ...

    def follow_ups_of(self, evaluation_ids: Iterable[int]) -> dict[int, FollowUp]:
        """Follow-ups by their evaluation's id."""
        ...

    def follow_ups(self, hall_id: int, open_only: bool) -> list[FollowUp]:
        """The hall's follow-ups (open ones only: not closed)."""
        ...

    def save_follow_up(self, follow_up: FollowUp) -> None:
        """Store a follow-up's stage, owner, times, satisfaction and notes."""
        ...

    def open_follow_up_numbers(self, hall_id: int) -> list[tuple[FollowUp, str]]:
        """Every open follow-up with its ticket's number."""
        ...


class ComplaintStore(Directory, Audit, Protocol):
    """The 投诉 and 表扬 registers."""

    def add(self, new: NewComplaint) -> int:
        """Register a complaint; its id."""
        ...

    def get(self, complaint_id: int) -> Complaint | None:
        """One complaint by id."""
        ...

    def judge(
        self, complaint_id: int, verdict: str, points: float | None, finding: str, at: datetime, by: str
    ) -> None:
        """核实: store the verdict, its deduction and finding."""
        ...

    def report(self, complaint_id: int, outcome: str, at: datetime, by: str) -> None:
        """反馈: store the outcome told back to the complainant."""
        ...

    def complaints(self, hall_id: int) -> list[Complaint]:
        """The hall's register, newest first."""
        ...

    def verified_between(self, hall_id: int, start: datetime, end: datetime) -> list[Complaint]:
        """Complaints found true (查实) in [start, end), in the order registered."""
        ...

    def add_praise(self, new: NewPraise) -> Praise:
        """Record a praise; the stored row."""
        ...

    def praise(self, hall_id: int, first: date | None, last: date | None) -> list[Praise]:
        """The hall's praise on days first..last (inclusive, when given), newest day first."""
        ...


class RubricStore(Audit, Protocol):
    """Each hall's 考核细则 (a JSON document)."""

    def rubric(self, hall_id: int) -> dict[str, Any] | None:
        """The hall's stored rubric, or None for the default."""
        ...

    def save_rubric(self, hall_id: int, rubric: dict[str, Any], at: datetime, by: str) -> None:
        """Store (or replace) the hall's rubric."""
        ...
