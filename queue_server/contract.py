"""The wire contract: every request, response and event that crosses a wire, as pydantic models.

Kiosk, board, bridge and server all import this module; it must never import FastAPI, SQLAlchemy
or server internals. Names are stable: extend, don't rename.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

API_PREFIX = "/api/v1"
DEVICE_COOKIE = "hallq_device"  # a board or window screen keeps its device token here


class Model(BaseModel):
    """Base of every wire model: unknown fields are refused so typos fail loudly."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- text limits
# Every free-text field of a request has a bound, so no client can store a novel in a name.

ROW_ID_MAX = 2**63 - 1  # row ids are signed 64-bit integers in both databases
Code = Annotated[str, Field(max_length=40)]  # codes and numbers people type: service, window, staff no
Personal = Annotated[str, Field(max_length=32)]  # an ID card or phone number, before it is checked
Password = Annotated[str, Field(max_length=128)]  # hashing a longer one would only cost the server
Name = Annotated[str, Field(max_length=100)]  # a person's, a service's or a theme's name
Line = Annotated[str, Field(max_length=500)]  # one line of a guide or a checklist
Text = Annotated[str, Field(max_length=2000)]  # a paragraph


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local wall-clock time, without a UTC offset")
    return value


def _hall_day(value: date) -> date:
    if not date(1970, 1, 1) <= value <= date(2999, 12, 31):
        raise ValueError("a day between 1970-01-01 and 2999-12-31")
    return value


WallTime = Annotated[time, AfterValidator(_wall_clock)]  # the hall's local time, as its clocks show it
Day = Annotated[date, AfterValidator(_hall_day)]  # a day whose neighbours and month ends exist too


# ---------------------------------------------------------------- vocabulary


class Role(StrEnum):
    """Who a token or a login speaks for; each may do only what its role needs."""

    KIOSK = "kiosk"
    BOARD = "board"
    EVALUATOR = "evaluator"
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"
    GUIDE = "guide"  # 导办/帮办: lobby staff with a tablet (issue, book, check in, confirm priority)


class PriorityClass(StrEnum):
    """Groups served first (绿色通道); self-declared at the kiosk, confirmed by the clerk."""

    GREEN = "green"  # 绿色通道 (key projects)
    ELDERLY = "elderly"  # 老年人
    DISABLED = "disabled"  # 残疾人
    PREGNANT = "pregnant"  # 孕妇
    MILITARY = "military"  # 军人
    OTHER = "other"


class WindowType(StrEnum):
    """综合 / 专业 / 绿色通道 / 咨询."""

    COMPREHENSIVE = "comprehensive"
    SPECIALISED = "specialised"
    GREEN_CHANNEL = "green_channel"
    ENQUIRY = "enquiry"


class WindowStatus(StrEnum):
    """Whether a window takes calls."""

    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class PauseReason(StrEnum):
    """Why a window paused; ``away`` (暂离) shows "临时有事，请稍候" on its screen."""

    AWAY = "away"  # 暂离
    MEETING = "meeting"  # 会议
    LUNCH = "lunch"  # 午休
    OTHER = "other"


class ServiceCategory(StrEnum):
    """The "6+1" kinds of service item."""

    LICENSING = "licensing"  # 行政许可
    PAYMENT = "payment"  # 行政给付
    CONFIRMATION = "confirmation"  # 行政确认
    REWARD = "reward"  # 行政奖励
    ADJUDICATION = "adjudication"  # 行政裁决
    OTHER_POWER = "other_power"  # 其他行政权力
    PUBLIC_SERVICE = "public_service"  # 公共服务


class CaseType(StrEnum):
    """即办件 / 承诺件 / 联办件 / 上报件."""

    IMMEDIATE = "immediate"
    PROMISED = "promised"
    JOINT = "joint"
    REPORTED = "reported"


class PolicyMode(StrEnum):
    """How a window weighs its services (see queue_server.domain.policy)."""

    STRICT = "strict"
    OLDEST = "oldest"
    WEIGHTED = "weighted"


# ---------------------------------------------------------------- errors


class ErrorBody(Model):
    """Every error reply: a stable code, the message in zh-CN and in English, and its fields."""

    code: str
    message: str
    message_en: str
    fields: dict[str, Any] = {}


# ---------------------------------------------------------------- services and guides


class Material(Model):
    """One item of the materials checklist (申请材料)."""

    name: Line
    originals: int = Field(default=0, le=100)
    copies: int = Field(default=0, le=100)
    note: Line = ""


class Step(Model):
    """One step of the procedure (办理流程) with its time limit."""

    name: Line
    time_limit: Line = ""


class Guide(Model):
    """The service guide (办事指南) a kiosk shows and a ticket summarises."""

    conditions: list[Line] = Field(default=[], max_length=100)
    materials: list[Material] = Field(default=[], max_length=200)
    steps: list[Step] = Field(default=[], max_length=100)
    legal_limit_days: int = 0
    promised_limit_days: int = 0
    fee: Line = "不收费"
    fee_basis: Text = ""
    legal_basis: list[Line] = Field(default=[], max_length=100)
    quantity_limit: Line = ""
    result_document: Line = ""
    sample_forms: list[Line] = Field(default=[], max_length=100)
    location: Line = ""
    hours: Line = ""
    consult_phone: Line = ""
    complaint_phone: Line = ""
    visits_needed: int = 1


class ServiceSummary(Model):
    """A service item as lists show it, with its live queue."""

    code: str
    name: str
    name_en: str = ""
    prefix: str
    department: str
    department_name: str = ""
    theme: str = ""
    category: ServiceCategory
    case_type: CaseType
    daily_cap: int | None = None
    priority_allowed: bool = True
    keywords: list[str] = []
    waiting: int = 0
    estimated_wait_seconds: int | None = None
    windows_open: int = 0


class ServiceDetail(ServiceSummary):
    """A service item with its full guide."""

    guide: Guide


# ---------------------------------------------------------------- tickets


class IssueTicket(Model):
    """``POST /api/v1/tickets``: take a number for a service."""

    service_code: Code
    priority_class: PriorityClass | None = None
    appointment_code: Code | None = None
    id_number: Personal | None = Field(
        default=None, description="身份证号; stored as keyed hash + masked form"
    )
    phone: Personal | None = Field(default=None, description="手机号; stored as keyed hash + masked form")
    idempotency_key: str | None = Field(default=None, max_length=80)


class TicketPublic(Model):
    """A ticket as its holder and the screens may see it: nothing personal beyond masked forms."""

    token: str
    number: str
    service_code: str
    service_name: str
    status: str
    priority_class: PriorityClass | None = None
    priority_confirmed: bool = Field(default=False, description="staff saw the proof of the priority")
    people_ahead: int = 0
    estimated_wait_seconds: int | None = None
    issued_at: datetime
    window: str | None = None
    called_at: datetime | None = None
    recalls: int = 0
    status_url: str
    id_masked: str | None = None
    phone_masked: str | None = None
    paper: int = Field(
        default=1, description="which printed copy is valid; a reprint supersedes earlier ones"
    )
    print_failed: bool = False
    channel: str = Field(default="kiosk", description="where it was taken: kiosk, guide, appointment, …")
    appointment_at: datetime | None = Field(default=None, description="预约: the booked slot's start")
    # Where to go and how it ended, in the holder's words (the ticket page, the guide):
    serving_windows: int | None = Field(
        default=None, description="open windows serving its service now (0: nobody can call it)"
    )
    window_name: str | None = Field(default=None, description="the called window's name")
    zone_name: str | None = Field(default=None, description="the called window's zone (区)")
    floor: str | None = Field(default=None, description="the called window's floor")
    transferred_to_window: str | None = Field(default=None, description="转移: the window it waits for")
    transferred_to_service: str | None = Field(default=None, description="转移: the service's name")
    outcome: str | None = Field(default=None, description="办结: immediate, promised, correction, …")
    promised_date: date | None = Field(default=None, description="承诺件: the promised day")
    missing_items: list[str] = Field(default=[], description="补正: what to bring")
    refused_reasons: str = Field(default="", description="不予受理: the reasons")
    referred_to: str = Field(default="", description="转办: where to")


class TicketLookup(Model):
    """``POST /api/v1/tickets/lookup``: find today's open tickets of a citizen who lost theirs."""

    id_number: Personal | None = None
    phone: Personal | None = None


class AttachHolder(Model):
    """``POST /api/v1/tickets/{token}/holder``: a quick-path ticket that did not print gets its holder's
    ID or phone number (one of them), so that 补打 can find it later; kept as a keyed hash and masked."""

    id_number: Personal | None = None
    phone: Personal | None = None


class PrintFailed(Model):
    """``POST /api/v1/tickets/{token}/print-failed``: the kiosk could not print this ticket."""

    reason: str = Field(default="", max_length=200)


class DeviceKind(StrEnum):
    """Devices that report their health."""

    PRINTER = "printer"
    KIOSK = "kiosk"
    BOARD = "board"
    PAD = "pad"


class DeviceState(StrEnum):
    """What a device reports about itself."""

    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"


class DeviceStatus(Model):
    """``POST /api/v1/devices/status``: a device's health, for the manager's alarms."""

    kind: DeviceKind
    device: str = Field(
        min_length=1, max_length=80, description="the device's name in the hall, e.g. kiosk-1"
    )
    state: DeviceState
    detail: str = Field(default="", max_length=200)


# ---------------------------------------------------------------- windows


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


# ---------------------------------------------------------------- hall


class WorkProfileIn(Model):
    """A work profile (工作模板, e.g. "综合受理-上午"): services in order of preference, for many windows."""

    name: str = Field(min_length=1, max_length=100)
    services: list[Code] = Field(min_length=1, max_length=1000, description="service codes, first preferred")


class WorkProfile(WorkProfileIn):
    """A stored work profile."""

    id: int
    updated_at: datetime
    updated_by: str


class ApplyProfile(Model):
    """``POST /api/v1/work-profiles/{id}/preview | apply``: the windows it is for."""

    windows: list[Code] = Field(min_length=1, max_length=1000)


class ServiceRef(Model):
    """A service named in a preview, with how many wait for it now."""

    code: str
    name: str
    waiting: int = 0


class ProfilePreview(Model):
    """What applying a profile would leave without any open window (before it is applied)."""

    profile: str
    windows: list[str]
    newly_uncovered: list[ServiceRef] = Field(description="served by an open window now, by none after")
    still_uncovered: list[ServiceRef] = Field(description="served by no open window now, nor after")


class PolicySettingsModel(Model):
    """The calling rules a manager chooses for the hall (see docs/queue-policy.md)."""

    mode: PolicyMode = PolicyMode.OLDEST
    priority_max: int | None = Field(default=1, ge=0, le=100)
    priority_span: int = Field(default=2, ge=1, le=100)
    normal_max_wait_minutes: float | None = Field(default=None, gt=0)
    appointment_grace_minutes: float = Field(default=10, ge=0, le=240)


class AlertThresholds(Model):
    """Electronic-supervision thresholds (minutes unless named otherwise)."""

    wait_yellow: float = Field(default=30, gt=0)
    wait_red: float = Field(default=60, gt=0)
    away_yellow: float = Field(default=20, gt=0)
    away_red: float = Field(default=30, gt=0)
    device_silence: float = Field(default=5, gt=0)
    case_warning_days: int = Field(default=3, ge=0, le=30)


class AlertPublic(Model):
    """A yellow or red light, with its history."""

    id: int
    rule: str
    subject: str
    severity: Literal["yellow", "red"]
    raised_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    cleared_at: datetime | None = None
    detail: dict[str, Any] = {}
    # what a manager acts on, by name (triage): never an internal id
    live: bool = Field(default=False, description="about the hall now (waits, 暂离, uncovered, devices)")
    ticket: str | None = Field(default=None, description="the ticket's number")
    service_name: str | None = None
    department: str | None = Field(default=None, description="the service's department (实施主体)")
    window: str | None = None
    clerk: str | None = Field(default=None, description="the clerk's name (staff number)")
    due: date | None = Field(default=None, description="a promised case's or follow-up's due day")


class AcknowledgeAlerts(Model):
    """``POST /api/v1/alerts/ack``: acknowledge many alerts at once (bulk triage)."""

    ids: list[Annotated[int, Field(ge=1, le=ROW_ID_MAX)]] = Field(min_length=1, max_length=5000)


class VoiceSettings(Model):
    """How the boards announce a call (叫号语音): chime, Mandarin N times, then English if on."""

    enabled: bool = True
    repeat: int = Field(default=2, ge=1, le=3, description="times the Mandarin call is spoken")
    chime: bool = True
    english: bool = Field(default=False, description="an English announcement follows the Mandarin")
    window_by_name: bool = Field(
        default=False, description="say the window's name (请A001号到绿色通道窗口办理), not its number"
    )


class EvaluationLevel(StrEnum):
    """非常满意, 满意, 基本满意, 不满意, 非常不满意 (the pad's keys 1..5); the last two are 差评."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"


EVALUATION_LEVEL_KEYS: tuple[EvaluationLevel, ...] = tuple(EvaluationLevel)  # key 1 is index 0
EVALUATION_REASONS: tuple[str, ...] = (
    "attitude",
    "slow",
    "not_told_at_once",
    "unclear_rules",
    "long_wait",
    "result",
    "environment",
    "other",
)


class EvaluationChannel(StrEnum):
    """Where a rating was given."""

    PAD = "pad"
    WEB = "web"  # the ticket's status page, opened from its QR code
    KIOSK = "kiosk"
    PHONE = "phone"


class EvaluationSettings(Model):
    """Per-hall 好差评 rules (part of the hall settings)."""

    rating_timeout_seconds: int = Field(default=120, ge=10, le=86400, description="unrated after this")
    verify_working_days: int = Field(default=1, ge=0, le=30, description="差评: 核实 within")
    rectify_working_days: int = Field(default=15, ge=0, le=60, description="差评: 整改 within")
    revisit_working_days: int = Field(default=0, ge=0, le=30, description="差评: 回访 after 整改's due date")
    default_level: EvaluationLevel | None = Field(
        default=None, description="a local rule's default for unrated cases (flagged, not an active rating)"
    )
    default_after_days: int = Field(default=7, ge=0, le=60)


class LoginSettings(Model):
    """Per-hall login throttling: a growing delay after wrong passwords, then a temporary lock."""

    free_failures: int = Field(default=3, ge=1, le=20, description="wrong passwords before any delay")
    first_delay_seconds: float = Field(default=1, ge=0, le=60, description="doubled per further failure")
    max_delay_seconds: float = Field(default=60, ge=0, le=3600)
    lock_after: int = Field(default=10, ge=2, le=100, description="failures in a row that lock")
    lock_minutes: float = Field(default=15, ge=1, le=1440)
    address_factor: int = Field(default=5, ge=1, le=100, description="a client address may fail N× more")


class HallSettingsModel(Model):
    """``GET/PUT /api/v1/hall/settings``: the hall's per-hall rules."""

    hours: dict[str, list[tuple[WallTime, WallTime]]] = {}
    extended_hours: dict[str, list[tuple[WallTime, WallTime]]] = Field(
        default={}, description="weekly 延时服务: tickets are issued, but no 工作日 and no duty hours"
    )
    cutoff_minutes: int = Field(default=0, ge=0, le=240)
    always_open: bool = False
    number_width: int = Field(default=3, ge=1, le=6)
    policy: PolicySettingsModel = PolicySettingsModel()
    recall_limit: int = Field(default=3, ge=0, le=20)
    transfer_keeps_place: bool = True
    requeue_places_back: int = Field(default=3, ge=0, le=100)
    real_name_required: bool = Field(
        default=False, description="实名取号: an ID number is needed to take a ticket"
    )
    person_daily_limit: int | None = Field(
        default=None, ge=1, le=50, description="tickets per person per service a day"
    )
    print_failure: Literal["flag", "cancel"] = "flag"
    alerts: AlertThresholds = AlertThresholds()
    appointment_late_minutes: int = Field(
        default=15, ge=0, le=240, description="预约: check-in stays open this long after the slot's end"
    )
    voice: VoiceSettings = VoiceSettings()
    evaluation: EvaluationSettings = EvaluationSettings()
    login: LoginSettings = LoginSettings()
    notice: str = Field(default="", max_length=500)


class QueueStat(Model):
    """One service's queue in the hall snapshot."""

    service_code: str
    service_name: str
    waiting: int
    longest_wait_seconds: int
    estimated_wait_seconds: int | None
    windows_open: int


class RecentCall(Model):
    """A call as the lobby board lists it."""

    number: str
    window: str
    service_code: str
    at: datetime
    recall: bool = False


class HallInfo(Model):
    """The hall itself."""

    code: str
    name: str
    name_en: str = ""
    timezone: str
    notice: str = ""
    now: datetime


class LoginHall(Model):
    """``GET /api/v1/auth/halls``: a hall the login form offers where a server keeps several."""

    code: str
    name: str


class HallSnapshot(Model):
    """``GET /api/v1/hall``: windows, who serves what, queues, recent calls."""

    hall: HallInfo
    windows: list[WindowPublic]
    queues: list[QueueStat]
    recent_calls: list[RecentCall]


# ---------------------------------------------------------------- working calendar


class CalendarDayKind(StrEnum):
    """A dated exception to the weekly hours."""

    HOLIDAY = "holiday"  # 法定节假日: closed
    WORKDAY = "workday"  # 调休: a weekend day worked (weekday hours unless periods given)
    EXTENDED = "extended"  # 延时服务: extra periods on top of the day's hours


class CalendarDay(Model):
    """``PUT /api/v1/calendar/{day}``: mark a date."""

    kind: CalendarDayKind
    periods: list[tuple[WallTime, WallTime]] = []
    note: str = Field(default="", max_length=200)


class WindowExtendedHours(Model):
    """``PUT /api/v1/calendar/{day}/windows/{window}``: approved 延时服务 of one window on one day."""

    periods: list[tuple[WallTime, WallTime]] = Field(min_length=1)
    note: str = Field(default="", max_length=200)


class ApprovedWindowHours(Model):
    """``GET /api/v1/calendar/{day}/windows``: one window's approved 延时服务 on that day."""

    window: str
    window_name: str
    periods: list[tuple[time, time]]
    note: str = ""
    approved_by: str = ""


class DeadlineChange(Model):
    """An open deadline a calendar change touched: a 差评 follow-up recounted on the new working days
    (``before`` → ``after``), or a 承诺件 whose promised date is no longer a working day (``flagged``:
    the promise stands, the manager decides)."""

    kind: Literal["follow_up", "case"]
    id: int
    ticket: str
    stage: str | None = None
    before: date
    after: date | None = None
    flagged: bool = False


class CalendarEntry(Model):
    """One date of the working calendar as it applies."""

    day: date
    working: bool = Field(description="the hall opens (weekend 延时服务 included)")
    periods: list[tuple[time, time]]
    kind: CalendarDayKind | None = None
    note: str = ""
    workday: bool = Field(default=True, description="法定工作日: counts for every deadline")
    deadlines: list[DeadlineChange] = Field(
        default=[], description="on a change: the open deadlines recounted or flagged"
    )


# ---------------------------------------------------------------- appointments (预约)


class AppointmentChannel(StrEnum):
    """Where a booking was made."""

    WEB = "web"  # 网上预约 (an online booking platform)
    PHONE = "phone"  # 电话预约
    GUIDE = "guide"  # booked for the citizen by hall staff (lobby guide)


class AppointmentStatus(StrEnum):
    """booked → checked_in (it became a ticket) | cancelled | missed (爽约)."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    MISSED = "missed"


class OpenSlot(Model):
    """``POST /api/v1/appointments/slots``: offer ``capacity`` bookings of a service at a time of a day."""

    service_code: Code
    day: Day
    start: WallTime
    end: WallTime
    capacity: int = Field(ge=1, le=1000)


class SlotPublic(Model):
    """A bookable slot with its places booked and free (free is 0 once closed)."""

    id: int
    service_code: str
    service_name: str
    day: date
    start: time
    end: time
    capacity: int
    booked: int
    free: int
    open: bool


class BookAppointment(Model):
    """``POST /api/v1/appointments``: book a place in a slot for a citizen."""

    slot_id: int = Field(ge=1, le=ROW_ID_MAX)
    phone: Personal = Field(description="手机号; stored encrypted, as a keyed hash and masked")
    id_number: Personal | None = Field(
        default=None, description="身份证号; stored as keyed hash + masked form"
    )
    channel: AppointmentChannel = AppointmentChannel.WEB


class RescheduleAppointment(Model):
    """``POST /api/v1/appointments/{code}/reschedule``: move a booking to another slot of its service."""

    slot_id: int = Field(ge=1, le=ROW_ID_MAX)


class AppointmentCheckIn(Model):
    """``POST /api/v1/appointments/check-in``: the citizen arrived; the booking becomes a ticket."""

    code: str = Field(
        min_length=1, max_length=40, description="the 8-character booking code (spaces, dashes, any case)"
    )
    # ID card at the kiosk: with code "-", today's booking of the card's holder (found by keyed hash)
    id_number: Personal | None = Field(default=None, description="身份证号 read from the card; never stored")


class BookingLookup(Model):
    """``POST /api/v1/appointments/lookup``: today's bookings still to check in of an ID card's holder."""

    id_number: Personal = Field(description="身份证号 read from the card or typed; never stored")


class AppointmentPublic(Model):
    """A booking as the citizen and the hall see it: nothing personal beyond masked forms."""

    code: str
    status: AppointmentStatus
    channel: AppointmentChannel
    slot: SlotPublic
    phone_masked: str | None = None
    id_masked: str | None = None
    created_at: datetime
    checked_in_at: datetime | None = None
    ticket: str | None = Field(default=None, description="the ticket's number once checked in")


class CheckedIn(Model):
    """The reply to a check-in: the booking and the ticket it became (served from its slot time)."""

    appointment: AppointmentPublic
    ticket: TicketPublic


# ---------------------------------------------------------------- 好差评 evaluations


class RateEvaluation(Model):
    """``POST /api/v1/evaluations/{id}/rating``: one rating, from the window's pad or the ticket's page."""

    level: EvaluationLevel
    reasons: list[Code] = Field(default=[], max_length=8, description="reason keys, only for 差评")
    comment: str = Field(default="", max_length=500)
    pressed_at: AwareDatetime | None = Field(
        default=None, description="when the key was pressed (default: now)"
    )
    ticket_token: Code | None = Field(default=None, description="the web channel: the ticket's public token")


class FollowUpPublic(Model):
    """A 差评's follow-up case: 核实 → 整改 → 回访 → closed."""

    id: int
    evaluation_id: int
    stage: Literal["verify", "rectify", "revisit", "closed"]
    owner: str
    verify_due: date
    rectify_due: date
    revisit_due: date
    due: date | None
    overdue: bool
    verified_at: datetime | None = None
    rectified_at: datetime | None = None
    revisited_at: datetime | None = None
    closed_at: datetime | None = None
    revisit_satisfied: bool | None = None
    notes: list[dict[str, Any]] = []
    opened_at: datetime


class FollowUpStep(Model):
    """``POST /api/v1/follow-ups/{id}``: finish the current stage, reassign, or add a note."""

    action: Literal["verify", "rectify", "revisit", "assign", "note"]
    note: str = Field(default="", max_length=1000)
    owner: str | None = Field(default=None, max_length=100)
    satisfied: bool | None = Field(default=None, description="回访: was the citizen satisfied with the fix")


class EvaluationPublic(Model):
    """One evaluation (一次一评), bound to its case, service, window, clerk and department."""

    id: int
    ticket: str
    case_id: int | None
    service_code: str
    service_name: str
    department_code: str
    department_name: str
    window: str | None
    clerk_staff_no: str | None
    clerk_name: str | None
    status: Literal["pending", "rated", "unrated", "defaulted"]
    channel: EvaluationChannel | None
    level: EvaluationLevel | None
    level_name: str | None
    reasons: list[str]
    comment: str
    requested_at: datetime
    deadline: datetime
    pressed_at: datetime | None
    recorded_at: datetime | None
    late: bool
    is_default: bool
    follow_up: FollowUpPublic | None = None


class IndicatorRow(Model):
    """好差评 figures of one group (rates are fractions 0..1; null when there is nothing to count)."""

    key: str
    total: int
    rated: int
    unrated: int
    defaulted: int
    good: int
    active_good: int
    bad: int
    bad_replied: int
    rectified: int
    rectified_satisfied: int
    good_rate: float | None
    active_good_rate: float | None
    unrated_rate: float | None
    bad_reply_rate: float | None
    rectify_rate: float | None
    rectify_satisfaction_rate: float | None


class EvaluationIndicators(Model):
    """``GET /api/v1/evaluations/indicators``: figures per window, clerk, service, department or period."""

    by: Literal["hall", "window", "clerk", "service", "department", "day", "month"]
    date_from: date | None
    date_to: date | None
    rows: list[IndicatorRow]


# ---------------------------------------------------------------- live events


EventType = Literal[
    "ticket.issued",
    "ticket.called",
    "ticket.recalled",
    "ticket.started",
    "ticket.no_show",
    "ticket.requeued",
    "ticket.transferred",
    "ticket.parked",
    "ticket.concluded",
    "ticket.cancelled",
    "ticket.expired",
    "ticket.ahead",
    "window.status",
    "queue.changed",
    "assignments.changed",
    "catalogue.changed",
    "evaluation.requested",
    "evaluation.recorded",
    "alert.raised",
    "alert.cleared",
    "appointment.booked",
    "appointment.cancelled",
    "appointment.rescheduled",
    "appointment.checked_in",
    "appointment.missed",
    "appointment.slots",
]


class Event(Model):
    """One frame on ``/ws``: ``seq`` counts consecutively per topic on the connection's server."""

    type: str
    topic: str
    seq: int
    ts: datetime
    payload: dict[str, Any]


class Subscribe(Model):
    """Client → server: follow these topics (hall, zone:A, window:3, evaluator:3, manager, ticket:TOKEN)."""

    type: Literal["subscribe"] = "subscribe"
    topics: list[str]


class Auth(Model):
    """Client → server: authenticate a websocket with a device or API token."""

    type: Literal["auth"] = "auth"
    token: str


class Resync(Model):
    """Client → server: I saw a gap; send me fresh snapshots of these topics."""

    type: Literal["resync"] = "resync"
    topics: list[str]


# ---------------------------------------------------------------- manager console: catalogue, staff, devices


class ServiceFields(Model):
    """A service item as the manager edits it (the catalogue file's service entry, plus ``active``)."""

    name: Name
    name_en: Line = ""
    department: Code = Field(description="the department's code (实施主体)")
    prefix: Code = Field(description="1–2 capital letters; shared only by services of one theme")
    theme: Name = ""
    category: ServiceCategory
    case_type: CaseType
    daily_cap: int | None = Field(
        default=None, le=100_000, description="放号量: walk-in tickets a day; null = no cap"
    )
    priority_allowed: bool = True
    weight: float = 1.0
    avg_handle_minutes: float = 10
    keywords: list[Name] = Field(default=[], max_length=100)
    active: bool = True
    guide: Guide = Guide()


class ServiceCreate(ServiceFields):
    """``POST /api/v1/catalogue/services``: a new service item."""

    code: Code


class ServicePatch(Model):
    """``PATCH /api/v1/catalogue/services/{code}``: the fields given change, the others stay."""

    name: Name | None = None
    name_en: Line | None = None
    department: Code | None = None
    prefix: Code | None = None
    theme: Name | None = None
    category: ServiceCategory | None = None
    case_type: CaseType | None = None
    daily_cap: int | None = Field(default=None, le=100_000)
    priority_allowed: bool | None = None
    weight: float | None = None
    avg_handle_minutes: float | None = None
    keywords: list[Name] | None = Field(default=None, max_length=100)
    active: bool | None = None
    guide: Guide | None = None


class ServiceAdmin(ServiceFields):
    """A service item with everything the manager sees: active or not, windows and zones serving it."""

    code: str
    department_name: str = ""
    windows: list[str] = Field(default=[], description="windows with this service on their list")
    zones: list[str] = Field(default=[], description="zones of those windows")


class DepartmentPublic(Model):
    """A department (实施主体) of the hall."""

    code: str
    name: str
    name_en: str = ""


class StaffCreate(Model):
    """``POST /api/v1/staff``: a new clerk or manager (only an admin creates an admin)."""

    staff_no: Code
    name: Name
    role: Role = Role.CLERK
    password: Password
    window: Code | None = Field(default=None, description="the window the clerk usually sits at")
    ab_partner: Code | None = Field(default=None, description="AB岗: the partner's staff number")


class StaffPatch(Model):
    """``PATCH /api/v1/staff/{staff_no}``: given fields change; ``null`` clears window or partner."""

    name: Name | None = None
    role: Role | None = None
    window: Code | None = None
    ab_partner: Code | None = None
    active: bool | None = None


class StaffPublic(Model):
    """A member of staff as the manager's list shows them (never a password or its hash)."""

    staff_no: str
    name: str
    role: Role
    window: str | None = None
    ab_partner: str | None = None
    ab_partner_name: str | None = None
    active: bool
    created_at: datetime


class PasswordReset(Model):
    """``POST /api/v1/staff/{staff_no}/password``: a new password, or none to get a temporary one."""

    password: Password | None = None


class PasswordResetDone(Model):
    """The reset's reply: the temporary password (shown once) when the server made one."""

    staff_no: str
    temporary_password: str | None = None


class IssueDeviceToken(Model):
    """``POST /api/v1/devices/tokens``: a token for a kiosk, board, evaluator pad or API client."""

    role: Role
    window: Code | None = Field(default=None, description="needed for evaluator and clerk tokens")
    label: str = Field(min_length=1, max_length=100, description="the device's name, e.g. kiosk-1")


class DeviceTokenPublic(Model):
    """A device or API token (never the token itself) with its device's last report."""

    id: int
    role: Role
    window: str | None = None
    label: str
    created_at: datetime
    revoked_at: datetime | None = None
    state: DeviceState | None = Field(default=None, description="the device's last reported state")
    detail: str = ""
    last_seen_at: datetime | None = None


class DeviceTokenIssued(DeviceTokenPublic):
    """A new token: shown this once, with the address and QR code that pair the device."""

    token: str
    pairing_url: str = Field(description="a board opens this; other devices take the token itself")
    pairing_qr: str = Field(description="the pairing QR code as an SVG data: URI")


class AuditEntry(Model):
    """One line of the audit log: who, when, what, and the before/after of a change."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = {}


# ---------------------------------------------------------------- reports (statistics)


class DurationSummary(Model):
    """Durations in seconds: how many, mean, median, 90th percentile (nearest rank) and maximum."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None


class ReportRow(Model):
    """One group in one period bucket; figures that do not apply to the grouping are null
    (tickets issued have no window yet; a service has no idle time). docs/reports.md defines each."""

    period: str = Field(description="bucket: 2026-03-02, 2026-W10, 2026-03, 2026-Q1 or first..last")
    key: str = Field(description="hall, zone code, service code, department code, window number, staff no")
    label: str
    issued: int | None
    served: int
    no_shows: int
    cancelled: int | None
    transferred: int
    expired: int | None
    priority_share: float | None
    appointment_share: float | None
    waiting: DurationSummary
    handling: DurationSummary
    open_seconds: float | None
    paused_seconds: float | None
    busy_seconds: float | None
    idle_seconds: float | None
    arrivals_by_hour: list[int] | None = Field(description="tickets issued in each local hour 0..23")
    cases: int
    on_site: int
    corrections: int
    on_site_rate: float | None = Field(description="现场办结率")
    immediate_share: float | None = Field(description="即办件占比")
    correction_rate: float | None = Field(description="补正率")
    on_time_rate: float | None = Field(description="按时办结率 of promised cases completed")
    evaluation: IndicatorRow


class ReportFigures(Model):
    """``GET /api/v1/reports/figures``: the hall's statistics per period bucket and group."""

    hall: str
    hall_name: str
    date_from: date
    date_to: date
    period: Literal["day", "week", "month", "quarter", "custom"]
    by: Literal["hall", "zone", "service", "department", "window", "clerk"]
    generated_at: datetime
    rows: list[ReportRow]


# ---------------------------------------------------------------- manager console, lobby guide


class WindowStatusChange(Model):
    """``PUT /api/v1/windows/{window}/status``: the manager opens, pauses or closes a window (audited)."""

    status: WindowStatus
    reason: PauseReason = Field(default=PauseReason.OTHER, description="why, when pausing")


class DeviceReport(Model):
    """A device's last health report, as the manager's live hall lists it."""

    kind: DeviceKind
    device: str
    state: DeviceState
    detail: str = ""
    last_seen_at: datetime
    silent: bool = Field(description="no report within the hall's device_silence threshold")


class ConfirmPriority(Model):
    """``POST /api/v1/tickets/{token}/confirm-priority``: staff checked a declared priority (绿色通道)."""

    accept: bool = Field(default=True, description="false: no proof shown; the ticket joins the normal queue")
    priority_class: PriorityClass | None = Field(
        default=None, description="the class seen, when it differs from the one declared"
    )
    note: str = Field(default="", max_length=200)


class BookingsDay(Model):
    """``GET /api/v1/bookings``: a day's bookings with their check-ins, and the day's counts."""

    day: date
    bookings: list[AppointmentPublic]
    booked: int = Field(description="still expected (status booked)")
    checked_in: int
    missed: int
    cancelled: int


# -------------------------------------------- 考核: complaints, praise, monthly assessment, supervision


class ComplaintCategory(StrEnum):
    """投诉内容 (six categories of the seeds' complaint rules)."""

    WRONGLY_REFUSED = "wrongly_refused"  # 应批准而被否定
    OVERDUE = "overdue"  # 办件超时
    FEES = "fees"  # 收费不符合规定
    ATTITUDE = "attitude"  # 服务态度
    MISCONDUCT = "misconduct"  # 索、拿、卡、要
    OTHER = "other"


class ComplaintVerdict(StrEnum):
    """Where a complaint's investigation stands."""

    PENDING = "pending"
    VERIFIED = "verified"  # 查实
    UNFOUNDED = "unfounded"  # 不属实


class NewComplaint(Model):
    """``POST /api/v1/complaints``: register a complaint (登记)."""

    category: ComplaintCategory
    summary: str = Field(min_length=1, max_length=2000)
    received_at: AwareDatetime | None = Field(default=None, description="default: now")
    channel: str = Field(default="phone", max_length=20, description="phone, visit, letter, web, …")
    window: Code | None = None
    clerk_staff_no: Code | None = None
    ticket_number: str = Field(default="", max_length=12)
    contact_phone: Personal | None = Field(default=None, description="kept only masked and hashed")


class JudgeComplaint(Model):
    """``POST /api/v1/complaints/{id}/verdict``: the investigation's result."""

    verdict: Literal["verified", "unfounded"]
    finding: str = Field(min_length=1, max_length=2000)
    points: float | None = Field(
        default=None, description="deduction for a verified complaint (rubric range)"
    )


class ReportComplaint(Model):
    """``POST /api/v1/complaints/{id}/report``: the outcome as told back to the complainant."""

    outcome: str = Field(min_length=1, max_length=2000)


class ComplaintPublic(Model):
    """A complaint in the register."""

    id: int
    category: ComplaintCategory
    category_name: str
    received_at: datetime
    channel: str
    window: str | None = None
    clerk_staff_no: str | None = None
    clerk_name: str | None = None
    ticket_number: str = ""
    summary: str
    contact_masked: str | None = None
    verdict: ComplaintVerdict
    points: float | None = None
    finding: str = ""
    verified_at: datetime | None = None
    verified_by: str | None = None
    outcome: str = ""
    reported_at: datetime | None = None
    reported_by: str | None = None
    created_by: str


class PraiseKind(StrEnum):
    """表扬: 表扬信, 锦旗, other (a thank-you call)."""

    LETTER = "letter"
    BANNER = "banner"
    OTHER = "other"


class NewPraise(Model):
    """``POST /api/v1/praise``: record a praise letter or banner for a window (and clerk)."""

    kind: PraiseKind
    window: str = Field(min_length=1, max_length=40)
    day: Day
    clerk_staff_no: Code | None = None
    note: str = Field(default="", max_length=2000)


class PraisePublic(Model):
    """A praise in the register."""

    id: int
    kind: PraiseKind
    window: str
    clerk_staff_no: str | None = None
    clerk_name: str | None = None
    day: date
    note: str = ""
    created_at: datetime
    created_by: str


class NewAssessmentEntry(Model):
    """``POST /api/v1/assessment/{month}/entries``: a manager's item, always with a reason.

    Either a rubric rule counted ``count`` times (``points`` within a range rule's bounds), or — with
    ``waives`` — a measured fact set aside (e.g. approved leave)."""

    window: Code
    rule: Code | None = None
    count: float = Field(default=1, gt=0, le=100)
    points: float | None = Field(default=None, ge=0)
    clerk_staff_no: Code | None = None
    waives: str | None = Field(default=None, max_length=120, description="the id of a measured fact")
    reason: str = Field(min_length=1, max_length=1000)


class AssessmentLine(Model):
    """A fact on a score sheet: what, how many points, and the rows it comes from."""

    fact_id: str
    rule: str
    rule_name: str
    section: str
    points: float
    waived: bool = False
    source: str  # measured | manual
    clerk_staff_no: str | None = None
    clerk_name: str | None = None
    note: str = ""
    ref: dict[str, Any] = {}
    entry_id: int | None = None
    waived_by_entry: int | None = None


class AssessmentSection(Model):
    """A section of a score sheet."""

    key: str
    name: str
    name_en: str = ""
    max_points: float
    deducted: float
    score: float
    lost_whole: bool = False


class WindowAssessment(Model):
    """One window's month: score sheet, rank and flags."""

    window: str
    window_name: str
    total: float
    deducted: float
    bonus: float
    bonus_raw: float
    rank: int
    model_eligible: bool
    model_confirmed: bool = False
    yellow: bool
    yellow_count: int
    warning: bool
    unsatisfied: bool
    sign_from: date | None = None
    sign_until: date | None = None
    sections: list[AssessmentSection]
    lines: list[AssessmentLine]


class ClerkAssessment(Model):
    """One clerk's month on the individual rubric, with the grade."""

    staff_no: str
    name: str
    windows: list[str]
    total: float
    grade: str
    grade_name: str
    sections: list[AssessmentSection]
    lines: list[AssessmentLine]


class MonthAssessment(Model):
    """``GET /api/v1/assessment/{month}``: the month's ranking; frozen once closed."""

    month: str
    first_day: date
    last_day: date
    closed: bool
    closed_at: datetime | None = None
    closed_by: str | None = None
    windows: list[WindowAssessment]
    clerks: list[ClerkAssessment]


class ConfirmModel(Model):
    """``POST /api/v1/assessment/{month}/model``: confirm (or withdraw) a 模范窗口."""

    window: Code
    confirmed: bool = True
    note: str = Field(default="", max_length=500)


class ResponseTimes(Model):
    """Count, mean, median and max of response times in seconds."""

    count: int
    mean: float | None = None
    median: float | None = None
    max: float | None = None


class AlertGroup(Model):
    """One row of the supervision history."""

    key: str
    raised: int
    red: int
    open: int
    acknowledge: ResponseTimes
    clear: ResponseTimes


class SupervisedAlert(AlertPublic):
    """An alert of the history, with the window it concerns when one does."""

    window: str | None = None
    acknowledge_seconds: float | None = None
    clear_seconds: float | None = None


class AlertHistory(Model):
    """``GET /api/v1/supervision/alerts``: alerts of a period grouped by rule, window or day."""

    by: str
    date_from: date
    date_to: date
    total: AlertGroup
    rows: list[AlertGroup]
    alerts: list[SupervisedAlert]
