"""The monthly assessment (月度考核): facts scored on a rubric, the ranking, the flags, the grades.

A *fact* is one thing that counts: measured by the system (a late opening, an overdue case, a 差评,
a verified complaint, a praise letter) or entered by a manager with a reason. Every fact names where
it comes from (``ref``: the event, case, evaluation, complaint, praise or entry rows), so every
deduction on a score sheet can be traced back. A manager may waive a measured fact with a reason
(e.g. approved leave); waived facts stay on the sheet, marked, and count nothing.

Scoring a sheet: each section starts full and loses its facts' points, never below 0 (扣完本项分数为止);
a ``whole_section`` rule (索、拿、卡、要) empties it; bonus points add up to the cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from queue_server.domain.rubric import FlagRules, Grades, Rule, Sheet


@dataclass(frozen=True)
class Fact:
    """One countable thing about a window (and the clerk concerned, when known)."""

    id: str  # stable: "<rule>:<source>:<row id>"
    rule: str
    window: str
    clerk: int | None = None
    count: float = 1
    points: float | None = None  # chosen within a range rule's bounds; None = the rule's points
    ref: Mapping[str, Any] = field(default_factory=dict, compare=False)
    note: str = field(default="", compare=False)
    source: str = "measured"  # measured | manual


@dataclass(frozen=True)
class Line:
    """A fact on a score sheet with the points it counts (0 when waived)."""

    fact: Fact
    points: float
    waived: bool = False


@dataclass(frozen=True)
class SectionScore:
    """One section of a sheet."""

    key: str
    max_points: float
    deducted: float
    score: float
    lines: tuple[Line, ...]
    lost_whole: bool = False


@dataclass(frozen=True)
class Score:
    """A scored sheet: sections, bonus (raw and capped) and the total."""

    sections: tuple[SectionScore, ...]
    bonus_raw: float
    bonus: float
    bonus_lines: tuple[Line, ...]
    total: float

    @property
    def deducted(self) -> float:
        """All points lost."""
        return sum(s.deducted for s in self.sections)


def fact_points(rule: Rule, fact: Fact) -> float:
    """The points a fact counts on a sheet: its chosen points held within the rule's range."""
    low = rule.points * fact.count
    high = (rule.points_max if rule.points_max is not None else rule.points) * fact.count
    if fact.points is None:
        return low
    return min(max(fact.points, low), high)


def score(sheet: Sheet, facts: Iterable[Fact], waived: frozenset[str] = frozenset()) -> Score:
    """Score ``facts`` on ``sheet``; facts whose rule the sheet lacks are left out."""
    by_section: dict[str, list[Line]] = {s.key: [] for s in (*sheet.sections, sheet.bonus)}
    whole: set[str] = set()
    for fact in facts:
        found = sheet.rule(fact.rule)
        if found is None:
            continue
        section, rule = found
        is_waived = fact.id in waived
        points = 0.0 if is_waived else fact_points(rule, fact)
        if rule.whole_section and not is_waived:
            whole.add(section.key)
            points = section.max_points
        by_section[section.key].append(Line(fact, points, is_waived))
    sections = []
    for section in sheet.sections:
        lines = tuple(by_section[section.key])
        deducted = min(section.max_points, sum(line.points for line in lines))
        if section.key in whole:
            deducted = section.max_points
        sections.append(
            SectionScore(
                section.key,
                section.max_points,
                deducted,
                section.max_points - deducted,
                lines,
                section.key in whole,
            )
        )
    bonus_lines = tuple(by_section[sheet.bonus.key])
    raw = sum(line.points for line in bonus_lines)
    bonus = min(raw, sheet.bonus.max_points)
    total = sum(s.score for s in sections) + bonus
    return Score(tuple(sections), raw, bonus, bonus_lines, total)


# ------------------------------------------------------------------ ranking and flags


def natural(number: str) -> tuple[str, int, str]:
    """Sort window "2" before "10" and "A2" before "A10"."""
    head = number.rstrip("0123456789")
    digits = number[len(head) :]
    return (head, int(digits) if digits else -1, number)


def rank(totals: Mapping[str, float]) -> list[tuple[str, float, int]]:
    """(window, total, rank) best first; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(totals.items(), key=lambda item: (-item[1], natural(item[0])))
    out: list[tuple[str, float, int]] = []
    for position, (window, total) in enumerate(ordered, start=1):
        shared = out[-1][2] if out and abs(out[-1][1] - total) < 1e-9 else position
        out.append((window, total, shared))
    return out


@dataclass(frozen=True)
class WindowFlags:
    """What the month's ranking means for a window."""

    rank: int
    model_eligible: bool = False  # 模范窗口: eligible, the manager confirms
    yellow: bool = False  # 黄旗窗口: last place
    yellow_count: int = 0  # yellow flags this year, this month's included
    warning: bool = False  # 两次黄旗 → 警告、限期整改、建议调换人员
    unsatisfied: bool = False  # 群众不满意窗口 → 限期整改窗口 sign for a week


def flags(
    ranked: list[tuple[str, float, int]],
    rules: FlagRules,
    yellow_before: Mapping[str, int] | None = None,
    disqualified: frozenset[str] = frozenset(),
) -> dict[str, WindowFlags]:
    """Flags from the ranking: top N eligible for 模范, last 黄旗, the Nth 黄旗 a warning, ≤ 60 不满意.

    Windows sharing the last place are all yellow — unless every window shares one total (nobody is
    last then). ``disqualified`` windows (verified 索拿卡要) are 不满意 whatever their score.
    """
    before = yellow_before or {}
    last = max((r for _, _, r in ranked), default=0)
    anyone_last = len({round(total, 6) for _, total, _ in ranked}) > 1
    out: dict[str, WindowFlags] = {}
    for window, total, place in ranked:
        unsatisfied = total <= rules.unsatisfied_at or window in disqualified
        yellow = anyone_last and place == last
        count = before.get(window, 0) + (1 if yellow else 0)
        out[window] = WindowFlags(
            rank=place,
            model_eligible=place <= rules.model_top and not yellow and not unsatisfied,
            yellow=yellow,
            yellow_count=count,
            warning=yellow and count >= rules.yellow_flags_for_warning,
            unsatisfied=unsatisfied,
        )
    return out


class Grade(StrEnum):
    """Individual grades (个人考评档次)."""

    EXCELLENT = "excellent"  # 优秀 ≥ 90
    GOOD = "good"  # 良好 80–89
    PASSING = "passing"  # 基本合格 60–79 (the rubric's ``grades.passing``: one key on the wire)
    FAIL = "fail"  # 不合格 < 60


GRADE_NAMES: dict[Grade, tuple[str, str]] = {
    Grade.EXCELLENT: ("优秀", "excellent"),
    Grade.GOOD: ("良好", "good"),
    Grade.PASSING: ("基本合格", "passing"),
    Grade.FAIL: ("不合格", "fail"),
}


def grade(total: float, grades: Grades) -> Grade:
    """An individual's grade for a total."""
    if total >= grades.excellent:
        return Grade.EXCELLENT
    if total >= grades.good:
        return Grade.GOOD
    if total >= grades.passing:
        return Grade.PASSING
    return Grade.FAIL


def full_attendance(
    window: str, clerks: Iterable[int], facts: Iterable[Fact], waived: frozenset[str]
) -> list[Fact]:
    """出勤率100%: a bonus fact for each clerk of the window with no attendance fact standing against them."""
    marked = {
        f.clerk
        for f in facts
        if f.rule.startswith("attendance.") and f.id not in waived and f.window == window
    }
    if None in marked:  # an attendance fact nobody is named on counts against every clerk there
        return []
    return [
        Fact(f"bonus.full_attendance:window:{window}:clerk:{clerk}", "bonus.full_attendance", window, clerk)
        for clerk in sorted(set(clerks))
        if clerk not in marked
    ]
