"""The worked attendance examples of docs/assessment.md, read from the page itself so the examples
the hall reads are the ones the tests run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

DOC = Path(__file__).resolve().parents[2] / "docs" / "assessment.md"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The examples' hall: weekdays with a lunch break, Saturday morning 延时服务 (weekly extended hours).
WEEKDAY = [["08:30", "12:00"], ["14:30", "17:30"]]
HOURS = {d: WEEKDAY for d in ("mon", "tue", "wed", "thu", "fri")}
EXTENDED = {"sat": [["09:00", "12:00"]]}
BLOCK = re.compile(r"```attendance\n(.*?)```", re.S)
STEP = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d) (open|close|resume|serve|housekeeping|pause \w+)$")
CHARGE = re.compile(r"^=> (attendance\.\w+) (\d{4}-\d\d-\d\d) (\d+)$")


@dataclass(frozen=True)
class Step:
    """One thing that happened at window 1, at a Shanghai wall time."""

    at: datetime
    action: str  # open | close | resume | serve | housekeeping | pause
    reason: str | None = None

    @property
    def day(self) -> date:
        return self.at.date()


@dataclass(frozen=True)
class Example:
    """A worked example: what happened, what is charged, whether C1 earns full attendance."""

    name: str
    steps: tuple[Step, ...]
    charged: tuple[tuple[str, str, int], ...]  # (rule, day, minutes)
    full_attendance: bool


def examples() -> list[Example]:
    """Every ```attendance block of docs/assessment.md, parsed (a malformed line fails loudly)."""
    out = []
    for block in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        name = lines[0].removeprefix("example: ")
        steps, charged, full = [], [], None
        for line in lines[1:]:
            if step := STEP.match(line):
                day, clock, what = step.groups()
                action, _, reason = what.partition(" ")
                at = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), SHANGHAI)
                steps.append(Step(at, action, reason or None))
            elif charge := CHARGE.match(line):
                charged.append((charge[1], charge[2], int(charge[3])))
            elif line in ("=> full attendance", "=> no full attendance"):
                full = line == "=> full attendance"
            else:
                raise ValueError(f"example {name!r}: cannot read {line!r}")
        if full is None:
            raise ValueError(f"example {name!r} says nothing about full attendance")
        out.append(Example(name, tuple(steps), tuple(charged), full))
    return out
