"""Checks on what a citizen types: the 18-digit ID card number (GB 11643) and a mobile number."""

from __future__ import annotations

import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
PHONE_SHAPE = re.compile(r"^1[3-9]\d{9}$")


def clean(value: str) -> str:
    """Drop spaces and dashes; upper-case the check character."""
    return re.sub(r"[\s-]", "", value).upper()


def id_number_valid(value: str) -> bool:
    """Whether an 18-character ID number has the right shape, a real birth month/day and its check digit."""
    number = clean(value)
    if not ID_SHAPE.match(number):
        return False
    month, day = int(number[10:12]), int(number[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11] == number[17]


def phone_valid(value: str) -> bool:
    """Whether a mainland mobile number has 11 digits starting 13–19."""
    return bool(PHONE_SHAPE.match(clean(value)))


def grouped(value: str, kind: str) -> str:
    """Digits spaced as people read them: ID 6-8-4, phone 3-4-4."""
    parts = (6, 8, 4) if kind == "id" else (3, 4, 4)
    out, start = [], 0
    for size in parts:
        if start >= len(value):
            break
        out.append(value[start : start + size])
        start += size
    if start < len(value):
        out.append(value[start:])
    return " ".join(out)
