"""The 好差评 rating scale (GB/T 39734-2020): five levels, their words and the pad's keys (pure).

The one definition: the wire contract names the levels with it, the domain's rules judge them, and
the pad codec maps them to the RATING frame's level byte through ``key`` (never by position).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class EvaluationLevel(StrEnum):
    """非常满意, 满意, 基本满意, 不满意, 非常不满意; the last two are 差评."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def key(self) -> int:
        """The pad's key for this level (1..5, left to right), also the RATING frame's level byte."""
        return PAD_KEYS[self]

    @classmethod
    def of_key(cls, key: int) -> EvaluationLevel:
        """The level of pad key ``key``; ``KeyError`` for a key that is not a level."""
        return KEY_LEVELS[key]


# Spelled out, not derived from the members' order: PROTOCOL.md fixes these bytes on the wire.
PAD_KEYS: Final[dict[EvaluationLevel, int]] = {
    EvaluationLevel.VERY_SATISFIED: 1,
    EvaluationLevel.SATISFIED: 2,
    EvaluationLevel.BASICALLY_SATISFIED: 3,
    EvaluationLevel.DISSATISFIED: 4,
    EvaluationLevel.VERY_DISSATISFIED: 5,
}
KEY_LEVELS: Final[dict[int, EvaluationLevel]] = {key: level for level, key in PAD_KEYS.items()}
LEVEL_NAMES: Final[dict[EvaluationLevel, str]] = {
    EvaluationLevel.VERY_SATISFIED: "非常满意",
    EvaluationLevel.SATISFIED: "满意",
    EvaluationLevel.BASICALLY_SATISFIED: "基本满意",
    EvaluationLevel.DISSATISFIED: "不满意",
    EvaluationLevel.VERY_DISSATISFIED: "非常不满意",
}
BAD_LEVELS: Final = frozenset({EvaluationLevel.DISSATISFIED, EvaluationLevel.VERY_DISSATISFIED})
