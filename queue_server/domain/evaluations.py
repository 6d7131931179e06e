"""好差评 rules (pure): levels, when a rating is accepted, the 差评 follow-up stages, and the indicators."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from queue_server.domain.rating import BAD_LEVELS, PAD_KEYS, EvaluationLevel
from queue_server.domain.rating import LEVEL_NAMES as LEVEL_NAMES
from queue_server.domain.workdays import WorkingCalendar

# The rating scale is defined once, in domain/rating.py; these are its names in the 好差评 rules.
Level = EvaluationLevel
LEVEL_CODES: Final = PAD_KEYS
BAD: Final = BAD_LEVELS

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


def follow_up_dues(
    rated: date, calendar: WorkingCalendar, verify: int, rectify: int, revisit: int
) -> tuple[date, date, date]:
    """A 差评's 核实, 整改 and 回访 due dates: statutory working days from the rating's local day (回访
    counted from 整改's due date)."""
    rectify_due = calendar.add_working_days(rated, rectify)
    return (
        calendar.add_working_days(rated, verify),
        rectify_due,
        calendar.add_working_days(rectify_due, revisit),
    )


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
    return counted_indicators(Counter(records))


def counted_indicators(counts: Mapping[Record, int]) -> Indicators:
    """The indicators of evaluations given as how many there are of each distinct record."""

    def number(keep: Callable[[Record], bool]) -> int:
        return sum(n for r, n in counts.items() if keep(r))

    def rated(r: Record) -> bool:
        return r.status is Status.RATED and r.level is not None

    def defaulted(r: Record) -> bool:
        return r.status is Status.DEFAULTED and r.level is not None

    def bad(r: Record) -> bool:
        return rated(r) and r.level in BAD

    def closed(r: Record) -> bool:
        return bad(r) and r.stage is Stage.CLOSED

    n_rated, n_defaulted = number(rated), number(defaulted)
    unrated = number(lambda r: r.status is Status.UNRATED)
    active_good = number(lambda r: rated(r) and r.level not in BAD)
    good = active_good + number(lambda r: defaulted(r) and r.level not in BAD)
    n_bad = number(bad)
    replied = number(lambda r: bad(r) and r.verified)
    n_closed = number(closed)
    satisfied = number(lambda r: closed(r) and bool(r.revisit_satisfied))
    decided = n_rated + n_defaulted + unrated
    return Indicators(
        total=sum(counts.values()),
        rated=n_rated,
        unrated=unrated,
        defaulted=n_defaulted,
        good=good,
        active_good=active_good,
        bad=n_bad,
        bad_replied=replied,
        rectified=n_closed,
        rectified_satisfied=satisfied,
        good_rate=_rate(good, n_rated + n_defaulted),
        active_good_rate=_rate(active_good, n_rated),
        unrated_rate=_rate(unrated + n_defaulted, decided),
        bad_reply_rate=_rate(replied, n_bad),
        rectify_rate=_rate(n_closed, n_bad),
        rectify_satisfaction_rate=_rate(satisfied, n_closed),
    )
