"""好差评: ratings, the 差评 follow-up and the indicators."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from queue_server.contract.base import Code, Model
from queue_server.domain.rating import EvaluationLevel as EvaluationLevel

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
