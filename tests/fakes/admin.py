"""In-memory stores of the administration's ports: staff accounts and tokens."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from queue_server.auth.tokens import TokenBook, new_token
from queue_server.domain.errors import NotFound
from queue_server.services.admin.ports import DeviceReport, StaffMember, TokenRow, UserValues


@dataclass(frozen=True)
class _User:
    id: int
    hall_id: int
    staff_no: str
    name: str
    role: str
    password_hash: str | None
    window_id: int | None
    ab_partner_id: int | None
    active: bool
    created_at: datetime


class FakeStaffStore:
    """Accounts in a dictionary; halls by code; sessions as a set of user ids logged in."""

    def __init__(self, halls: dict[str, int], window_numbers: dict[int, str]) -> None:
        self.halls = halls
        self.window_numbers = window_numbers
        self.users: dict[int, _User] = {}
        self.sessions: set[int] = set()

    def hall_id(self, code: str | None) -> int:
        if code is None and len(self.halls) == 1:
            return next(iter(self.halls.values()))
        if code in self.halls:
            return self.halls[code]
        raise NotFound("hall.not_found", code=code or "")

    def members(self, hall_id: int, roles: Collection[str], staff_no: str | None = None) -> list[StaffMember]:
        found = [
            u
            for u in self.users.values()
            if u.hall_id == hall_id and u.role in roles and (staff_no is None or u.staff_no == staff_no)
        ]
        return [self._member(u) for u in sorted(found, key=lambda u: u.staff_no)]

    def _member(self, user: _User) -> StaffMember:
        partner = self.users.get(user.ab_partner_id) if user.ab_partner_id is not None else None
        return StaffMember(
            id=user.id,
            hall_id=user.hall_id,
            staff_no=user.staff_no,
            name=user.name,
            role=user.role,
            window_number=self.window_numbers.get(user.window_id) if user.window_id else None,
            partner_no=partner.staff_no if partner else None,
            partner_name=partner.name if partner else None,
            active=user.active,
            created_at=user.created_at,
        )

    def user_id(self, hall_id: int, staff_no: str) -> int | None:
        return next(
            (u.id for u in self.users.values() if (u.hall_id, u.staff_no) == (hall_id, staff_no)), None
        )

    def add(self, hall_id: int, staff_no: str, values: UserValues, created_at: datetime) -> int:
        if self.user_id(hall_id, staff_no) is not None:
            raise ValueError("users (hall_id, staff_no) is unique")
        user_id = len(self.users) + 1
        self.users[user_id] = _User(
            id=user_id,
            hall_id=hall_id,
            staff_no=staff_no,
            name=values.get("name", ""),
            role=values.get("role", ""),
            password_hash=values.get("password_hash"),
            window_id=values.get("window_id"),
            ab_partner_id=None,
            active=values.get("active", True),
            created_at=created_at,
        )
        return user_id

    def update(self, user_id: int, values: UserValues) -> None:
        self.users[user_id] = replace(self.users[user_id], **values)

    def pair(self, user_id: int, partner_id: int | None) -> None:
        ids = {user_id, partner_id} - {None}
        for user in list(self.users.values()):
            if user.ab_partner_id in ids or user.id in ids:
                self.users[user.id] = replace(user, ab_partner_id=None)
        if partner_id is not None:
            self.users[user_id] = replace(self.users[user_id], ab_partner_id=partner_id)
            self.users[partner_id] = replace(self.users[partner_id], ab_partner_id=user_id)

    def end_sessions(self, user_id: int) -> None:
        self.sessions.discard(user_id)


class FakeTokenStore:
    """Tokens and device reports in dictionaries (the secrets kept, for the tests to present)."""

    def __init__(self, window_numbers: dict[int, str]) -> None:
        self.window_numbers = window_numbers
        self.rows: dict[int, TokenRow] = {}
        self.secrets: dict[int, str] = {}
        self.reports: list[DeviceReport] = []

    def issue(
        self, book: TokenBook, *, hall_id: int, role: str, window_id: int | None, label: str, now: datetime
    ) -> tuple[str, int]:
        token, token_id = new_token(), len(self.rows) + 1
        number = self.window_numbers.get(window_id) if window_id else None
        self.rows[token_id] = TokenRow(token_id, hall_id, role, number, label, now, None)
        self.secrets[token_id] = token
        return token, token_id

    def token(self, token_id: int, hall_id: int | None = None) -> TokenRow | None:
        row = self.rows.get(token_id)
        return row if row is not None and hall_id in (None, row.hall_id) else None

    def tokens(self, hall_id: int) -> list[TokenRow]:
        return [r for _, r in sorted(self.rows.items()) if r.hall_id == hall_id]

    def revoke(self, token_id: int, at: datetime) -> None:
        self.rows[token_id] = replace(self.rows[token_id], revoked_at=at)

    def device_reports(self, hall_id: int) -> list[DeviceReport]:
        return sorted(self.reports, key=lambda r: r.last_seen_at)
