"""The argon2 profile passwords are hashed with: RFC 9106's by default, another named one by setting."""

from __future__ import annotations

import pytest
from argon2 import profiles

from queue_server.auth import passwords


def test_a_server_hashes_with_rfc_9106s_low_memory_profile_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(passwords.PROFILE_ENV, raising=False)
    hasher = passwords.make_hasher()
    assert (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        profiles.RFC_9106_LOW_MEMORY.type,
        3,
        65536,
        4,
    )
    assert hasher.hash("s3cret").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_password_hashed_under_one_profile_still_checks_under_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = passwords.make_hasher("CHEAPEST").hash("s3cret")
    monkeypatch.setattr(passwords, "_hasher", passwords.make_hasher("RFC_9106_LOW_MEMORY"))
    assert passwords.check_password(stored, "s3cret")
    assert not passwords.check_password(stored, "s3cret!")


@pytest.mark.parametrize("name", ["cheapest", "NO_SUCH_PROFILE", "Parameters", "__name__"])
def test_a_profile_that_is_not_argon2s_is_refused_by_name(name: str) -> None:
    with pytest.raises(ValueError, match=r"HALLQ_PASSWORD_PROFILE=.*not an argon2 profile"):
        passwords.make_hasher(name)
