"""The monthly assessment rubric (考核细则) as per-hall configuration.

A rubric has sections worth points (扣完本项分数为止: a section never goes below 0), rules that deduct
points per case or add bonus points, a bonus cap, and the settings of the flags and the grades. The
default is the Zhenlai window rubric (base 100: 考勤纪律 10, 行为规范 28, 服务质量 22, 办事结果 20,
收费管理 10, 卫生保洁与档案管理 5, 窗口考评 5; up to 20 bonus) and its individual staff rubric
(思想品德 25, 业务技能 23, 出勤值勤 12, 工作实绩 35, 个人考评 5; up to 20 bonus). Rule keys are shared
between the two rubrics where the same fact counts in both (a late arrival, a verified complaint).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from queue_server.domain.errors import Rejected


@dataclass(frozen=True)
class Rule:
    """One line of the rubric: points per case (a range when ``points_max`` is set)."""

    key: str
    name: str
    name_en: str
    points: float
    points_max: float | None = None
    measured: bool = False  # the system finds these facts itself
    whole_section: bool = False  # e.g. 索、拿、卡、要: the whole section is lost

    def check_points(self, points: float, count: float) -> None:
        """Refuse points outside what the rule allows for ``count`` cases."""
        low = self.points * count
        high = (self.points_max if self.points_max is not None else self.points) * count
        if not low - 1e-9 <= points <= high + 1e-9:
            raise Rejected("assessment.points_out_of_range", rule=self.key, low=low, high=high)


@dataclass(frozen=True)
class Section:
    """A rubric section: its full points and its rules (the bonus section: its cap)."""

    key: str
    name: str
    name_en: str
    max_points: float
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Sheet:
    """One rubric (window or individual): deduction sections and the capped bonus section."""

    sections: tuple[Section, ...]
    bonus: Section

    def rule(self, key: str) -> tuple[Section, Rule] | None:
        """The section and rule of ``key``, or None when this sheet has no such rule."""
        for section in (*self.sections, self.bonus):
            for rule in section.rules:
                if rule.key == key:
                    return section, rule
        return None

    @property
    def base(self) -> float:
        """Full marks before bonus (100 in the seeds)."""
        return sum(s.max_points for s in self.sections)


@dataclass(frozen=True)
class Measure:
    """How the system measures attendance and handling."""

    late_grace_minutes: int = 5  # a window opened this long after the day's first period is late
    early_grace_minutes: int = 5  # closed this long before the day's last period ends: left early
    off_post_minutes: int = 30  # 暂离 longer than this is 脱岗 (DOMAIN: more than 30 minutes)
    hasty_no_show_seconds: int = 60  # 过号 sooner than this after the call, without a recall


@dataclass(frozen=True)
class FlagRules:
    """Ranking consequences."""

    model_top: int = 5  # top N eligible for 模范窗口
    yellow_flags_for_warning: int = 2  # 两次被评为黄旗窗口 → 警告 (within a calendar year)
    unsatisfied_at: float = 60  # total ≤ this → 群众不满意窗口 (低于60分(含60分))
    sign_days: int = 7  # 限期整改窗口 sign for a week


@dataclass(frozen=True)
class Grades:
    """Individual grades: ≥ excellent, ≥ good, ≥ passing, else fail."""

    excellent: float = 90
    good: float = 80
    passing: float = 60


@dataclass(frozen=True)
class Rubric:
    """A hall's whole assessment configuration."""

    window: Sheet
    individual: Sheet
    measure: Measure = field(default_factory=Measure)
    flags: FlagRules = field(default_factory=FlagRules)
    grades: Grades = field(default_factory=Grades)


# ------------------------------------------------------------------ (de)serialising


def _rule(raw: dict[str, Any]) -> Rule:
    points = float(raw["points"])
    high = raw.get("points_max")
    if points < 0 or (high is not None and float(high) < points):
        raise Rejected("assessment.bad_rubric", detail=f"rule {raw.get('key')}: points")
    return Rule(
        key=str(raw["key"]),
        name=str(raw["name"]),
        name_en=str(raw.get("name_en", "")),
        points=points,
        points_max=float(high) if high is not None else None,
        measured=bool(raw.get("measured", False)),
        whole_section=bool(raw.get("whole_section", False)),
    )


def _section(raw: dict[str, Any]) -> Section:
    if float(raw["max_points"]) < 0:
        raise Rejected("assessment.bad_rubric", detail=f"section {raw.get('key')}: max_points")
    return Section(
        key=str(raw["key"]),
        name=str(raw["name"]),
        name_en=str(raw.get("name_en", "")),
        max_points=float(raw["max_points"]),
        rules=tuple(_rule(r) for r in raw.get("rules", [])),
    )


def _sheet(raw: dict[str, Any]) -> Sheet:
    sheet = Sheet(tuple(_section(s) for s in raw["sections"]), _section(raw["bonus"]))
    keys = [r.key for s in (*sheet.sections, sheet.bonus) for r in s.rules]
    if len(keys) != len(set(keys)):
        raise Rejected("assessment.bad_rubric", detail="a rule key appears twice")
    if any(r.whole_section for r in sheet.bonus.rules):
        raise Rejected("assessment.bad_rubric", detail="a bonus rule cannot take a whole section")
    return sheet


def from_dict(raw: dict[str, Any]) -> Rubric:
    """Read a stored rubric; ``Rejected('assessment.bad_rubric')`` when it does not hold together."""
    try:
        return Rubric(
            window=_sheet(raw["window"]),
            individual=_sheet(raw["individual"]),
            measure=Measure(**{k: int(v) for k, v in raw.get("measure", {}).items()}),
            flags=FlagRules(**raw.get("flags", {})),
            grades=Grades(**raw.get("grades", {})),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise Rejected("assessment.bad_rubric", detail=str(error)) from error


def to_dict(rubric: Rubric) -> dict[str, Any]:
    """The stored (and API) form of a rubric."""

    def rule(r: Rule) -> dict[str, Any]:
        out: dict[str, Any] = {"key": r.key, "name": r.name, "name_en": r.name_en, "points": r.points}
        if r.points_max is not None:
            out["points_max"] = r.points_max
        if r.measured:
            out["measured"] = True
        if r.whole_section:
            out["whole_section"] = True
        return out

    def section(s: Section) -> dict[str, Any]:
        return {
            "key": s.key,
            "name": s.name,
            "name_en": s.name_en,
            "max_points": s.max_points,
            "rules": [rule(r) for r in s.rules],
        }

    def sheet(s: Sheet) -> dict[str, Any]:
        return {"sections": [section(x) for x in s.sections], "bonus": section(s.bonus)}

    return {
        "window": sheet(rubric.window),
        "individual": sheet(rubric.individual),
        "measure": dict(rubric.measure.__dict__),
        "flags": dict(rubric.flags.__dict__),
        "grades": dict(rubric.grades.__dict__),
    }


@cache
def default_rubric() -> Rubric:
    """The seeds' rubrics (Zhenlai 窗口考核实施细则 and 工作人员考核实施细则), read once from the package's
    own ``rubric_default.toml`` and checked like any stored rubric (the only I/O the domain does)."""
    text = resources.files("queue_server.domain").joinpath("rubric_default.toml").read_text(encoding="utf-8")
    return from_dict(tomllib.loads(text))
