"""好差评 rules (pure): levels, when a rating is accepted, the 差评 follow-up stages, and the indicators."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final


class Level(StrEnum):
    """The five levels of GB/T 39734-2020 (the pad's keys 1..5, left to right)."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"


LEVEL_CODES: Final[dict[Level, int]] = {level: i + 1 for i, level in enumerate(Level)}
LEVEL_NAMES: Final[dict[Level, str]] = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASICALLY_SATISFIED: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}
BAD: Final = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})
REASONS: Final = (
    "attitude",
    "slow",
    "not_told_at_once",
    "unclear_rules",
    "long_wait",
    "result",
    "environment",
    "other",
)


class Status(StrEnum):
    """An evaluation's state: asked, rated, left unrated at its deadline, or given the hall's default."""

    PENDING = "pending"
    RATED = "rated"
    UNRATED = "unrated"
    DEFAULTED = "defaulted"


class Stage(StrEnum):
    """差评 follow-up: 核实 → 整改 → 回访 → closed."""

    VERIFY = "verify"
    RECTIFY = "rectify"
    REVISIT = "revisit"
    CLOSED = "closed"


NEXT_STAGE: Final[dict[Stage, Stage]] = {
    Stage.VERIFY: Stage.RECTIFY,
    Stage.RECTIFY: Stage.REVISIT,
    Stage.REVISIT: Stage.CLOSED,
}


class Verdict(StrEnum):
    """What to do with an arriving rating."""

    ACCEPT = "accept"
    REPEAT = "repeat"  # the same rating again (a retransmission): answer with the first
    ALREADY_RATED = "already_rated"
    TOO_LATE = "too_late"
    BAD_REASONS = "bad_reasons"


def judge_rating(
    status: Status,
    stored: tuple[Level, tuple[str, ...]] | None,
    level: Level,
    reasons: tuple[str, ...],
    pressed_at: datetime,
    deadline: datetime,
) -> Verdict:
    """一次一评: accept a first rating pressed by its deadline however late it arrives; repeat a copy."""
    if len(set(reasons)) != len(reasons) or any(r not in REASONS for r in reasons):
        return Verdict.BAD_REASONS
    if reasons and level not in BAD:
        return Verdict.BAD_REASONS
    if status is Status.RATED:
        same = stored is not None and stored[0] is level and sorted(stored[1]) == sorted(reasons)
        return Verdict.REPEAT if same else Verdict.ALREADY_RATED
    if pressed_at > deadline:
        return Verdict.TOO_LATE
    return Verdict.ACCEPT


@dataclass(frozen=True)
class Record:
    """One evaluation as the indicators see it."""

    status: Status
    level: Level | None
    stage: Stage | None = None  # the follow-up's stage, for a 差评
    verified: bool = False  # 差评 replied to (核实 done)
    revisit_satisfied: bool | None = None


@dataclass(frozen=True)
class Indicators:
    """The published figures of one group (rates are fractions 0..1, None when undefined)."""

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


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def indicators(records: Iterable[Record]) -> Indicators:
    """好评率, 主动评价好评率, 未评率, 差评回复率, 回访整改率, 回访整改满意率 of some evaluations.

    好评率 counts defaults with the ratings; 主动评价好评率 and every 差评 figure count only ratings
    actually given; 未评率 is unrated-or-defaulted over every evaluation past its deadline or rated.
    """
    rows = list(records)
    rated = [r for r in rows if r.status is Status.RATED and r.level is not None]
    defaulted = [r for r in rows if r.status is Status.DEFAULTED and r.level is not None]
    unrated = sum(1 for r in rows if r.status is Status.UNRATED)
    active_good = sum(1 for r in rated if r.level not in BAD)
    good = active_good + sum(1 for r in defaulted if r.level not in BAD)
    bad = [r for r in rated if r.level in BAD]
    replied = sum(1 for r in bad if r.verified)
    closed = [r for r in bad if r.stage is Stage.CLOSED]
    satisfied = sum(1 for r in closed if r.revisit_satisfied)
    decided = len(rated) + len(defaulted) + unrated
    return Indicators(
        total=len(rows),
        rated=len(rated),
        unrated=unrated,
        defaulted=len(defaulted),
        good=good,
        active_good=active_good,
        bad=len(bad),
        bad_replied=replied,
        rectified=len(closed),
        rectified_satisfied=satisfied,
        good_rate=_rate(good, len(rated) + len(defaulted)),
        active_good_rate=_rate(active_good, len(rated)),
        unrated_rate=_rate(unrated + len(defaulted), decided),
        bad_reply_rate=_rate(replied, len(bad)),
        rectify_rate=_rate(len(closed), len(bad)),
        rectify_satisfaction_rate=_rate(satisfied, len(closed)),
    )
