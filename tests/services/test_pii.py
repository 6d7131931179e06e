"""A phone number at rest: encrypted (authenticated), hashed and masked; the stored forms of numbers
kept before still read. Protecting a number runs on the writer's one thread for every ticket taken
with SMS, so its Python work is counted (calls, not time)."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest

from queue_server.domain import personal
from queue_server.services import pii

KEY = b"hallq-test-secret-0123456789abcdef"


def python_calls(action: Any) -> int:
    """How many Python and C-function calls ``action()`` makes (``sys.setprofile``)."""
    calls = 0

    def count(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(count)
    try:
        action()
    finally:
        sys.setprofile(None)
    return calls


def test_protecting_a_number_is_a_few_calls() -> None:
    """The number is sealed by one AES-GCM call into the library: Fernet built its cipher, padder and
    HMAC in Python (81 calls for the whole protection, now 26)."""
    pii.protect_phone(KEY, "13800138000")  # the derived keys are made once a server key
    assert python_calls(lambda: pii.protect_phone(KEY, "13800138001")) <= 30


def test_a_number_is_kept_encrypted_hashed_and_masked() -> None:
    first, second = pii.protect_phone(KEY, "+86 138-0013-8000"), pii.protect_phone(KEY, "13800138000")
    assert first.cipher.startswith(pii.SEALED)
    assert "13800138000" not in first.cipher
    assert first.cipher != second.cipher  # a new nonce each time: equal numbers do not look equal
    assert first.digest == second.digest == personal.keyed_hash(KEY, "13800138000")
    assert first.masked == "138****8000"
    assert pii.reveal(KEY, first.cipher) == pii.reveal(KEY, second.cipher) == "13800138000"


def test_a_number_stored_before_as_a_fernet_token_still_reads() -> None:
    stored = pii._fernet(KEY).encrypt(b"13912345678").decode()  # as numbers were kept until now
    assert pii.reveal(KEY, stored) == "13912345678"


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c[:-2] + ("A" if c[-2] != "A" else "B") + c[-1],  # a byte of the tag
        lambda c: c[: len(pii.SEALED) + 20] + c[len(pii.SEALED) + 21 :],  # a character gone
        lambda c: pii.SEALED + "not base64!",
        lambda c: pii.SEALED,
    ],
    ids=["tag", "shortened", "garbage", "empty"],
)
def test_a_changed_cipher_is_refused(change: Any) -> None:
    cipher = pii.protect_phone(KEY, "13800138000").cipher
    with pytest.raises(ValueError, match="cannot be decrypted"):
        pii.reveal(KEY, change(cipher))


def test_another_servers_key_cannot_read_a_number() -> None:
    cipher = pii.protect_phone(KEY, "13800138000").cipher
    with pytest.raises(ValueError, match="cannot be decrypted"):
        pii.reveal(b"another-server-secret", cipher)
