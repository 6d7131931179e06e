"""Windows and the clerk's desk: commands at a window, cases, the desk's view, assignments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from queue_server.contract.base import Code, Day, Line, Model, Personal, WallTime
from queue_server.contract.evaluations import EvaluationLevel
from queue_server.contract.services import Guide, Material
from queue_server.contract.vocabulary import PauseReason, PriorityClass, WindowStatus, WindowType


class Transfer(Model):
    """Send the window's ticket to another service or window (首问负责制: who, where, why)."""

    to_service: Code | None = None
    to_window: Code | None = None
    keep_place: bool | None = Field(default=None, description="default: the hall's setting")
    reason: str = Field(min_length=1, max_length=200)
    expected: str | None = Field(
        default=None, max_length=12, description="the ticket the clerk's screen shows (stale-page guard)"
    )


class Pause(Model):
    """Pause a window (暂停服务)."""

    reason: PauseReason = PauseReason.AWAY
    note: str = Field(default="", max_length=100)


class Requeue(Model):
    """Put a late no-show back in the queue (过号召回), ``places_back`` behind the head."""

    ticket: str = Field(max_length=12, description="the ticket's number today, e.g. A001")
    places_back: int | None = Field(default=None, ge=0, le=100)


class Callback(Model):
    """Call back a parked ticket (回呼) at this window."""

    ticket: str = Field(max_length=12)
    request_id: str | None = Field(default=None, max_length=80, description="a retry: the first answer")


class Outcome(StrEnum):
    """How a case ended at the window (see queue_server.domain.outcomes)."""

    IMMEDIATE = "immediate"
    PROMISED = "promised"
    CORRECTION = "correction"
    REFUSED = "refused"
    REFERRED = "referred"


class Conclude(Model):
    """``POST /api/v1/windows/{window}/conclude``: the case's outcome (default: done on the spot)."""

    outcome: Outcome = Outcome.IMMEDIATE
    missing_items: list[Line] = Field(
        default=[], max_length=200, description="补正: names from the guide's checklist"
    )
    reasons: str = Field(default="", max_length=1000, description="不予受理: the reasons")
    referred_to: str = Field(default="", max_length=200)
    phone: Personal | None = Field(default=None, description="for the call-back (回访); stored encrypted")
    expected: str | None = Field(
        default=None, max_length=12, description="the ticket the clerk's screen shows (stale-page guard)"
    )


class CasePublic(Model):
    """A case as the clerk, the manager and (for its notice) the citizen see it."""

    id: int
    ticket: str
    service_code: str
    service_name: str
    window: str | None
    outcome: Outcome
    status: Literal["open", "done"]
    promised_date: date | None = None
    missing_items: list[str] = []
    reasons: str = ""
    referred_to: str = ""
    green: bool = False
    phone_masked: str | None = None
    created_at: datetime
    completed_at: datetime | None = None
    on_time: bool | None = None
    extensions: list[dict[str, Any]] = []


class ExtendCase(Model):
    """``POST /api/v1/cases/{id}/extend``: an approved extension of a promised case."""

    working_days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=500)


class Notice(Model):
    """一次性告知书: everything the citizen must bring, at once (from the ticket's status page)."""

    hall_name: str
    ticket: str
    service_name: str
    issued_at: datetime
    missing_items: list[Material]
    location: str = ""
    consult_phone: str = ""


class WindowTicket(Model):
    """The ticket a window is on."""

    number: str
    token: str
    service_code: str
    service_name: str
    status: str
    priority_class: PriorityClass | None = None
    called_at: datetime | None = None
    recalls: int = 0
    waited_seconds: int | None = None


class Clerk(Model):
    """The clerk at a window, as the window screen shows them."""

    staff_no: str
    name: str


class WindowPublic(Model):
    """A window in the hall snapshot."""

    number: str
    name: str
    type: WindowType
    zone: str | None = None
    status: WindowStatus
    pause_reason: PauseReason | None = None
    status_since: datetime | None = None
    clerk: Clerk | None = None
    current: WindowTicket | None = None
    services: list[str] = []
    rectification_until: date | None = Field(
        default=None, description="群众不满意窗口: the 限期整改窗口 sign shows until this day (inclusive)"
    )


class WindowActionResult(Model):
    """What a window action left: the window and the ticket it touched."""

    window: WindowPublic
    ticket: WindowTicket | None = None


class WindowCommand(Model):
    """Optional body of the simple window actions: guards against double clicks and stale pages.

    ``expected`` is the ticket number the clerk's screen shows at the window ("" = none): the action
    is refused (``window.changed``) when the window holds another. ``request_id`` makes call-next safe
    to retry: the same id again returns the ticket the first press called instead of a second call.
    """

    expected: str | None = Field(default=None, max_length=12)
    request_id: str | None = Field(default=None, max_length=80)


class DeskTicket(WindowTicket):
    """The window's ticket as its clerk sees it (masked personal data, the guide's checklist)."""

    issued_at: datetime
    started_at: datetime | None = None
    recall_limit: int = 0
    priority_confirmed: bool = False
    id_masked: str | None = None
    phone_masked: str | None = None
    transferred_from: str | None = Field(default=None, description="the window that sent it, if any")
    transfer_reason: str = ""
    guide: Guide = Guide()


class DeskQueue(Model):
    """One service the window serves now: how many wait, the longest wait, the next numbers."""

    service_code: str
    service_name: str
    preference: int = 1
    waiting: int
    longest_wait_seconds: int
    next: list[str] = []


class DeskAside(Model):
    """A ticket set aside at this window today (挂起 parked, or 过号 no-show): for call back / requeue."""

    number: str
    service_code: str
    service_name: str
    status: str
    since: datetime | None = None


class ClerkToday(Model):
    """Today's own work of the clerk at the window, derived from the event record."""

    called: int = 0
    served: int = 0
    no_shows: int = 0
    transferred: int = 0
    parked: int = 0
    recalls: int = 0
    average_handling_seconds: int | None = None
    outcomes: dict[str, int] = {}


class DeskEvaluation(Model):
    """The rating asked for the window's last concluded ticket (一次一评)."""

    ticket: str
    status: Literal["pending", "rated", "unrated", "defaulted"]
    level: EvaluationLevel | None = None
    deadline: datetime
    case_outcome: Outcome | None = None
    ticket_token: str


class ClerkDesk(Model):
    """``GET /api/v1/windows/{window}/desk``: everything the clerk console shows, in one read."""

    window: WindowPublic
    serving_here: bool = Field(default=False, description="the window's clerk is the caller")
    current: DeskTicket | None = None
    queue: list[DeskQueue] = []
    sent_here: list[str] = Field(default=[], description="tickets transferred to this window, waiting")
    aside: list[DeskAside] = []
    today: ClerkToday = ClerkToday()
    evaluation: DeskEvaluation | None = None
    windows: list[str] = Field(default=[], description="every window number: transfer targets")
    now: datetime


class AssignmentIn(Model):
    """A service a window serves, in its order of preference, optionally seasonal or time-boxed."""

    service_code: Code
    preference: int = Field(default=1, ge=1, le=99)
    weight: float = Field(default=1.0, gt=0, le=100)
    valid_from: Day | None = None
    valid_until: Day | None = None
    time_from: WallTime | None = None
    time_until: WallTime | None = None


class WindowAssignments(Model):
    """``GET/PUT /api/v1/windows/{window}/assignments``."""

    window: str
    assignments: list[AssignmentIn]
