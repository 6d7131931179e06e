"""The sign-in store on SQL: accounts, sessions (hashed ids) and API tokens (hashed)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Connection, delete, or_, select

from queue_server.adapters import tables as t
from queue_server.auth.ports import Account, LiveSession, NewSession, TokenHolder


class SqlSessionStore:
    """Accounts, sessions and tokens on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def account(self, hall_id: int, staff_no: str) -> Account | None:
        """The active account with this staff number."""
        u = t.users.c
        row = self.conn.execute(
            select(u.id, u.role, u.name, u.password_hash, u.window_id).where(
                u.hall_id == hall_id, u.staff_no == staff_no, u.active.is_(True)
            )
        ).first()
        return None if row is None else Account(*row)

    def open(self, session: NewSession) -> None:
        """Store a new session."""
        self.conn.execute(t.sessions.insert(), asdict(session))

    def window_number(self, window_id: int) -> str | None:
        """A window's number."""
        number = self.conn.execute(select(t.windows.c.number).where(t.windows.c.id == window_id)).scalar()
        return None if number is None else str(number)

    def session(self, session_hash: str) -> LiveSession | None:
        """The session with this hash, if its user is active."""
        row = self.conn.execute(
            select(
                t.users.c.hall_id,
                t.users.c.id,
                t.users.c.role,
                t.users.c.name,
                t.windows.c.number,
                t.sessions.c.csrf_token,
                t.sessions.c.expires_at,
            )
            .join(t.users, t.users.c.id == t.sessions.c.user_id)
            .outerjoin(t.windows, t.windows.c.id == t.sessions.c.window_id)
            .where(t.sessions.c.session_hash == session_hash, t.users.c.active.is_(True))
        ).first()
        return None if row is None else LiveSession(*row)

    def close(self, session_hash: str) -> None:
        """End the session with this hash."""
        self.conn.execute(delete(t.sessions).where(t.sessions.c.session_hash == session_hash))

    def halls(self) -> list[tuple[str, str]]:
        """Every hall's code and name, in the order they were made."""
        rows = self.conn.execute(select(t.halls.c.code, t.halls.c.name).order_by(t.halls.c.id))
        return [(row.code, row.name) for row in rows]

    def token(self, token_hash: str) -> TokenHolder | None:
        """Who the token with this hash speaks for, unless revoked."""
        tk = t.api_tokens
        row = self.conn.execute(
            select(
                tk.c.id, tk.c.hall_id, tk.c.role, tk.c.label, tk.c.user_id, t.users.c.name, t.windows.c.number
            )
            .outerjoin(t.windows, t.windows.c.id == tk.c.window_id)
            .outerjoin(t.users, t.users.c.id == tk.c.user_id)
            .where(
                tk.c.token_hash == token_hash,
                tk.c.revoked_at.is_(None),
                or_(tk.c.user_id.is_(None), t.users.c.active.is_(True)),  # a deactivated member's: none
            )
        ).first()
        return None if row is None else TokenHolder(*row)
