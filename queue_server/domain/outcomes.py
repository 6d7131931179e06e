"""Case outcomes at conclusion (办结) and the promised date of a 承诺件."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from queue_server.domain.errors import Rejected
from queue_server.domain.workdays import WorkingCalendar


class Outcome(StrEnum):
    """How a case ended at the window."""

    IMMEDIATE = "immediate"  # 即办件: done on the spot
    PROMISED = "promised"  # 承诺件: accepted, result by a promised date
    CORRECTION = "correction"  # 补正: materials missing (一次性告知)
    REFUSED = "refused"  # 不予受理, with reasons
    REFERRED = "referred"  # 转办/上报: referred elsewhere


# Outcomes that leave a case open until someone records its completion.
OPEN_OUTCOMES = frozenset({Outcome.PROMISED})
# Outcomes that count as done on the spot (现场办结) in the indicators.
ON_THE_SPOT = frozenset({Outcome.IMMEDIATE})


def promised_date(calendar: WorkingCalendar, accepted: date, limit_days: int, *, green: bool) -> date:
    """The promised completion date: statutory working days (法定工作日), halved for 绿色通道."""
    days = math.ceil(limit_days / 2) if green else limit_days
    return calendar.add_working_days(accepted, max(days, 0))


def check_outcome(
    outcome: Outcome, materials: list[str], missing: list[str], reasons: str, referred_to: str
) -> None:
    """Refuse an outcome recorded without what it needs (the missing items, the reasons, the target)."""
    if outcome is Outcome.CORRECTION:
        if not missing:
            raise Rejected("case.missing_items_required")
        unknown = [m for m in missing if m not in materials]
        if unknown:
            raise Rejected("case.unknown_material", items="、".join(unknown))
    if outcome is Outcome.REFUSED and not reasons.strip():
        raise Rejected("case.reasons_required")
    if outcome is Outcome.REFERRED and not referred_to.strip():
        raise Rejected("case.referral_required")


def extended_deadline(promised: date | None, extensions: Sequence[Mapping[str, Any]]) -> date | None:
    """The promised date, moved by approved extensions (the latest one's ``to`` day wins)."""
    if extensions:
        return date.fromisoformat(str(extensions[-1]["to"]))
    return promised
