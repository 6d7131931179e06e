"""考核: complaints, praise, the monthly window assessment and supervision."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from queue_server.contract.base import Code, Day, Model, Personal
from queue_server.contract.hall import AlertPublic


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
