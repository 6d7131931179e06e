"""Accounts, sessions and tokens in memory (hashes only, as the SQL store keeps them)."""

from __future__ import annotations

from dataclasses import dataclass

from queue_server.auth.ports import Account, LiveSession, NewSession, TokenHolder


@dataclass(frozen=True)
class Staff:
    """A member of staff as the fake knows them."""

    hall_id: int
    staff_no: str
    account: Account
    active: bool = True


class FakeSessionStore:
    """Staff by (hall, staff number), sessions and tokens by hash, windows' numbers by id."""

    def __init__(self) -> None:
        self.staff: list[Staff] = []
        self.sessions: dict[str, NewSession] = {}
        self.tokens: dict[str, TokenHolder] = {}
        self.window_numbers: dict[int, str] = {}
        self.hall_names: list[tuple[str, str]] = []

    def account(self, hall_id: int, staff_no: str) -> Account | None:
        for member in self.staff:
            if (member.hall_id, member.staff_no, member.active) == (hall_id, staff_no, True):
                return member.account
        return None

    def open(self, session: NewSession) -> None:
        self.sessions[session.session_hash] = session

    def window_number(self, window_id: int) -> str | None:
        return self.window_numbers.get(window_id)

    def session(self, session_hash: str) -> LiveSession | None:
        found = self.sessions.get(session_hash)
        member = next((m for m in self.staff if found and m.account.id == found.user_id and m.active), None)
        if found is None or member is None:
            return None
        window = self.window_numbers.get(found.window_id) if found.window_id else None
        user = member.account
        return LiveSession(
            found.hall_id, user.id, user.role, user.name, window, found.csrf_token, found.expires_at
        )

    def close(self, session_hash: str) -> None:
        self.sessions.pop(session_hash, None)

    def halls(self) -> list[tuple[str, str]]:
        return list(self.hall_names)

    def token(self, token_hash: str) -> TokenHolder | None:
        return self.tokens.get(token_hash)
