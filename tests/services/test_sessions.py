"""Browser sessions and API tokens over the sign-in port, on the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queue_server.auth import sessions
from queue_server.auth.ports import Account, TokenHolder
from queue_server.auth.tokens import TokenBook, token_hash
from queue_server.domain.errors import DomainError
from tests.fakes.auth import FakeSessionStore, Staff

KEY = b"k" * 32
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def store() -> FakeSessionStore:
    store = FakeSessionStore()
    store.window_numbers = {21: "1"}
    store.staff = [
        Staff(1, "C1", Account(5, "clerk", "张敏", "hash-c1", 21)),
        Staff(1, "M1", Account(9, "manager", "王主任", "hash-m1", None)),
    ]
    return store


def test_a_clerk_signs_in_at_their_home_window_and_the_session_speaks_for_them(
    store: FakeSessionStore,
) -> None:
    session, csrf, actor = sessions.login(
        store, KEY, hall_id=1, staff_no="C1", checked_hash="hash-c1", window_id=None, now=NOW
    )

    assert (actor.role, actor.window, actor.user_id) == ("clerk", "1", 5)
    assert session not in store.sessions  # only its keyed hash is kept
    found = sessions.lookup(store, KEY, session, NOW + timedelta(hours=1))
    assert found is not None and found[0] == actor and found[1] == csrf
    assert sessions.lookup(store, KEY, session, NOW + timedelta(hours=sessions.SESSION_HOURS)) is None
    sessions.logout(store, KEY, session)
    assert sessions.lookup(store, KEY, session, NOW) is None


def test_a_password_changed_since_the_check_opens_no_session(store: FakeSessionStore) -> None:
    with pytest.raises(DomainError) as refused:
        sessions.login(store, KEY, hall_id=1, staff_no="C1", checked_hash="stale", window_id=None, now=NOW)

    assert refused.value.code == "auth.bad_credentials"
    assert store.sessions == {}


def test_a_token_is_read_once_then_answered_from_memory(store: FakeSessionStore) -> None:
    book = TokenBook(KEY)
    store.tokens[token_hash(KEY, "device-token")] = TokenHolder(3, 1, "kiosk", "kiosk-1", None, None, None)

    actor = book.lookup(store, "device-token")
    store.tokens.clear()

    assert actor is not None and (actor.role, actor.name, actor.token_id) == ("kiosk", "kiosk-1", 3)
    assert book.cached("device-token") == actor
    assert book.lookup(store, "unknown") is None
