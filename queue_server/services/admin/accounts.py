"""Administration: device/API tokens and staff accounts (used by ``hallq`` and the manager's console).

The command line acts as ``admin`` on a hall named by its code; the console's handlers
(``services/staff.py``) check the caller's role first and pass their own name for the audit log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.auth.tokens import TokenBook
from queue_server.domain.errors import NotFound, Rejected
from queue_server.services.live import TOKEN_REVOKED, token_topic
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
    if role in WINDOW_BOUND and window is None:
        raise Rejected("request.invalid", detail=f"a {role.value} token needs --window")
    hall_id = uow.repo.hall_id(hall)
    return issue_token(uow, book, hall_id=hall_id, role=role, window=window, label=label)[0]


def issue_token(
    uow: UnitOfWork,
    book: TokenBook,
    *,
    hall_id: int,
    role: c.Role,
    window: str | None,
    label: str,
    actor: str = "admin",
) -> tuple[str, int]:
    """Store a new token of ``role`` (bound to ``window`` when the role needs one); returns it and its id."""
    if role in WINDOW_BOUND and window is None:
        raise Rejected("device.window_required", role=role.value)
    window_id = uow.catalogue(hall_id).window(window).id if window else None
    token, token_id = book.create(
        uow.repo.conn, hall_id=hall_id, role=role.value, now=uow.now, window_id=window_id, label=label
    )
    detail = {"role": role.value, "window": window, "label": label}
    uow.repo.audit(hall_id, uow.now, actor, "token.create", f"token:{token_id}", detail)
    return token, token_id


def revoke_token(
    uow: UnitOfWork, book: TokenBook, token_id: int, *, hall_id: int | None = None, actor: str = "admin"
) -> None:
    """Revoke a token: this process forgets it now, the others when the revocation event reaches them."""
    query = select(t.api_tokens).where(t.api_tokens.c.id == token_id)
    if hall_id is not None:
        query = query.where(t.api_tokens.c.hall_id == hall_id)
    row = uow.repo.conn.execute(query).first()
    if row is None:
        raise NotFound("device.token_not_found")
    if row.revoked_at is None:
        uow.repo.conn.execute(
            update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(revoked_at=uow.now)
        )
        detail = {"role": row.role, "label": row.label}
        uow.repo.audit(row.hall_id, uow.now, actor, "token.revoke", f"token:{token_id}", detail)
        uow.emit(row.hall_id, TOKEN_REVOKED, (token_topic(token_id),), {"token_id": token_id})
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
    password_hash: str,
    window: str | None = None,
) -> int:
    """Create a staff account (or reset its password and role if the staff number exists); the
    password comes hashed, by the caller, before the transaction."""
    hall_id = uow.repo.hall_id(hall)
    window_id = uow.catalogue(hall_id).window(window).id if window else None
    values = {
        "name": name,
        "role": role.value,
        "password_hash": password_hash,
        "window_id": window_id,
        "active": True,
    }
    user_id = save_user(uow, hall_id, staff_no, values)
    uow.repo.audit(hall_id, uow.now, "admin", "user.save", f"user:{staff_no}", {"role": role.value})
    return user_id


def save_user(uow: UnitOfWork, hall_id: int, staff_no: str, values: dict[str, Any]) -> int:
    """Update the account with ``staff_no`` or create it; returns its id (the caller audits)."""
    conn = uow.repo.conn
    found = conn.execute(
        select(t.users.c.id).where(t.users.c.hall_id == hall_id, t.users.c.staff_no == staff_no)
    ).scalar()
    if found is not None:
        conn.execute(update(t.users).where(t.users.c.id == found).values(**values))
        return int(found)
    return int(
        conn.execute(
            t.users.insert().returning(t.users.c.id),
            {"hall_id": hall_id, "staff_no": staff_no, "created_at": uow.now, **values},
        ).scalar_one()
    )
