"""Personal data at rest: a phone number needed for call-backs is encrypted, hashed and masked.

Encryption uses Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from the server's secret,
so a copy of the database alone reveals no number. Only matching needs the keyed hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from queue_server.domain import personal


@dataclass(frozen=True)
class ProtectedPhone:
    """The three stored forms of one phone number."""

    cipher: str
    digest: str
    masked: str


@functools.lru_cache(maxsize=4)  # one server key: derived once, not for every number kept or sent
def _fernet(key: bytes) -> Fernet:
    derived = hashlib.sha256(b"hallq-pii-encryption:" + key).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def protect_phone(key: bytes, raw: str) -> ProtectedPhone:
    """Validate a mobile number and return its encrypted, hashed and masked forms."""
    phone = personal.normalise_phone(raw)
    cipher = _fernet(key).encrypt(phone.encode()).decode()
    return ProtectedPhone(cipher, personal.keyed_hash(key, phone), personal.mask_phone(phone))


def reveal(key: bytes, cipher: str) -> str:
    """Decrypt a stored number (callers must audit every reveal)."""
    try:
        return _fernet(key).decrypt(cipher.encode()).decode()
    except InvalidToken as error:
        raise ValueError("the stored number cannot be decrypted with this server's key") from error
