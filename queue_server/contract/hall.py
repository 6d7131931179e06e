"""The hall: work profiles, settings (policy, alerts, voice, evaluations, login), the live snapshot."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from queue_server.contract.base import ROW_ID_MAX, Code, Model, WallTime
from queue_server.contract.evaluations import EvaluationLevel
from queue_server.contract.outbox import EvaluationPushSettings, NoticeSettings
from queue_server.contract.vocabulary import PolicyMode
from queue_server.contract.windows import WindowPublic


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
    notices: NoticeSettings = NoticeSettings()
    evaluation_push: EvaluationPushSettings = EvaluationPushSettings()


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
    sms_notices: bool = Field(default=False, description="the hall sends SMS notices to holders who opt in")


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
