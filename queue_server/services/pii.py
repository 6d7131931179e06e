"""Personal data at rest: a phone number needed for call-backs is encrypted, hashed and masked.

Encryption uses AES-128-GCM (authenticated, a random 96-bit nonce per number) with a key derived
from the server's secret, so a copy of the database alone reveals no number, and a changed cipher
is refused rather than decrypted to something else. Only matching needs the keyed hash.

Numbers stored before were Fernet tokens (AES-128-CBC + HMAC-SHA256); they are still read. AES-GCM
is one call into the library where Fernet is some 80 Python calls, and a kiosk issuing with SMS
protects a number on the writer's one thread for every ticket.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from queue_server.domain import personal

# A cipher written by ``protect_phone``: this prefix, then base64url(nonce + ciphertext + tag).
# A Fernet token is base64url alone, which has no ".", so the two never look alike.
SEALED = "g1."
_NONCE = 12


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


@functools.lru_cache(maxsize=4)
def _aead(key: bytes) -> AESGCM:
    # Its own derivation label: the Fernet key's halves are never used as this key.
    return AESGCM(hashlib.sha256(b"hallq-pii-aead:" + key).digest()[:16])


def seal(key: bytes, value: str) -> str:
    """``value`` encrypted with the server's key (a new nonce each time)."""
    nonce = os.urandom(_NONCE)
    return SEALED + base64.urlsafe_b64encode(nonce + _aead(key).encrypt(nonce, value.encode(), None)).decode()


def protect_phone(key: bytes, raw: str) -> ProtectedPhone:
    """Validate a mobile number and return its encrypted, hashed and masked forms."""
    phone = personal.normalise_phone(raw)
    return ProtectedPhone(seal(key, phone), personal.keyed_hash(key, phone), personal.mask_phone(phone))


def reveal(key: bytes, cipher: str) -> str:
    """Decrypt a stored number (callers must audit every reveal)."""
    try:
        if cipher.startswith(SEALED):
            sealed = base64.urlsafe_b64decode(cipher[len(SEALED) :])
            return _aead(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], None).decode()
        return _fernet(key).decrypt(cipher.encode()).decode()
    except (InvalidToken, InvalidTag, binascii.Error, ValueError) as error:
        raise ValueError("the stored number cannot be decrypted with this server's key") from error
