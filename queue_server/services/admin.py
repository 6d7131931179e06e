"""Administration: device/API tokens and staff accounts (used by ``hallq`` and, later, the consoles)."""

from __future__ import annotations

from sqlalchemy import select, update

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.auth.passwords import hash_password
from queue_server.auth.tokens import TokenBook
from queue_server.domain.errors import NotFound, Rejected
from queue_server.services.unit_of_work import UnitOfWork

WINDOW_BOUND = {c.Role.CLERK, c.Role.EVALUATOR}


def create_token(
    uow: UnitOfWork,
    book: TokenBook,
    *,
    hall: str | None,
    role: c.Role,
    window: str | None = None,
    label: str = "",
) -> str:
    """A new token for a device or API client; returned in the clear once, stored hashed."""
    hall_id = uow.repo.hall_id(hall)
    if role in WINDOW_BOUND and window is None:
        raise Rejected("request.invalid", detail=f"a {role.value} token needs --window")
    window_id = uow.catalogue(hall_id).window(window).id if window else None
    token, token_id = book.create(
        uow.repo.conn, hall_id=hall_id, role=role.value, now=uow.now, window_id=window_id, label=label
    )
    uow.repo.audit(
        hall_id, uow.now, "admin", "token.create", f"token:{token_id}", {"role": role.value, "window": window}
    )
    return token


def revoke_token(uow: UnitOfWork, book: TokenBook, token_id: int) -> None:
    """Revoke a token (effective everywhere within the token cache's lifetime)."""
    row = uow.repo.conn.execute(select(t.api_tokens.c.hall_id).where(t.api_tokens.c.id == token_id)).first()
    if row is None:
        raise NotFound("auth.invalid_token")
    uow.repo.conn.execute(
        update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(revoked_at=uow.now)
    )
    uow.repo.audit(row.hall_id, uow.now, "admin", "token.revoke", f"token:{token_id}", {})
    book.forget()


def list_tokens(uow: UnitOfWork, hall: str | None) -> list[tuple[object, ...]]:
    """The hall's tokens as (id, role, window, label, created, revoked)."""
    hall_id = uow.repo.hall_id(hall)
    query = (
        select(
            t.api_tokens.c.id,
            t.api_tokens.c.role,
            t.windows.c.number,
            t.api_tokens.c.label,
            t.api_tokens.c.created_at,
            t.api_tokens.c.revoked_at,
        )
        .outerjoin(t.windows, t.windows.c.id == t.api_tokens.c.window_id)
        .where(t.api_tokens.c.hall_id == hall_id)
        .order_by(t.api_tokens.c.id)
    )
    return [tuple(row) for row in uow.repo.conn.execute(query)]


def add_user(
    uow: UnitOfWork,
    *,
    hall: str | None,
    staff_no: str,
    name: str,
    role: c.Role,
    password: str,
    window: str | None = None,
) -> int:
    """Create a staff account (or reset its password and role if the staff number exists)."""
    hall_id = uow.repo.hall_id(hall)
    window_id = uow.catalogue(hall_id).window(window).id if window else None
    values = {
        "name": name,
        "role": role.value,
        "password_hash": hash_password(password),
        "window_id": window_id,
        "active": True,
    }
    conn = uow.repo.conn
    found = conn.execute(
        select(t.users.c.id).where(t.users.c.hall_id == hall_id, t.users.c.staff_no == staff_no)
    ).scalar()
    if found is not None:
        conn.execute(update(t.users).where(t.users.c.id == found).values(**values))
        user_id = int(found)
    else:
        user_id = int(
            conn.execute(
                t.users.insert().returning(t.users.c.id),
                {"hall_id": hall_id, "staff_no": staff_no, "created_at": uow.now, **values},
            ).scalar_one()
        )
    uow.repo.audit(hall_id, uow.now, "admin", "user.save", f"user:{staff_no}", {"role": role.value})
    return user_id
