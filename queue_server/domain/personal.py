"""Personal data (个人信息): ID-card and phone numbers validated, masked and hashed with a key."""

from __future__ import annotations

import hashlib
import hmac
import re

from queue_server.domain.errors import Rejected

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def normalise_id_number(raw: str) -> str:
    """A valid 18-digit resident ID number (GB 11643 checksum), upper-case X, or Rejected."""
    value = raw.strip().upper()
    if not _ID_PATTERN.match(value):
        raise Rejected("ticket.invalid_id_number")
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise Rejected("ticket.invalid_id_number")
    return value


def normalise_phone(raw: str) -> str:
    """A mainland mobile number (11 digits, optional +86), or Rejected."""
    value = re.sub(r"[\s-]", "", raw)
    value = value.removeprefix("+86")
    if not _PHONE_PATTERN.match(value):
        raise Rejected("ticket.invalid_phone")
    return value


def mask_id_number(value: str) -> str:
    """Show the first 6 and last 4 characters: 110105********123X."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Show the first 3 and last 4 digits: 138****5678."""
    return value[:3] + "****" + value[-4:]


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value``: matchable without storing the value itself."""
    # The one-shot digest: no HMAC object built in Python for each number (one per SMS ticket).
    return hmac.digest(key, value.encode(), hashlib.sha256).hex()


# ID-card and mobile numbers as people type them into free text (a comment, a note): 18 characters
# (or the old 15 digits), and 11 mobile digits with optional +86 and spaces or dashes between groups.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9+])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


def mask_free_text(text: str) -> str:
    """``text`` with every ID-card and mobile number in it masked as a ticket shows them."""
    masked = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(1).upper()), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(1) + m.group(2) + m.group(3)), masked)
