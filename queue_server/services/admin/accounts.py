"""Administration: device/API tokens and staff accounts (used by ``hallq`` and the manager's console).

The command line acts as ``admin`` on a hall named by its code; the console's handlers
(``services/staff.py``) check the caller's role first and pass their own name for the audit log.
"""

from __future__ import annotations

from queue_server import contract as c
from queue_server.auth.tokens import TokenBook
from queue_server.domain.errors import NotFound, Rejected
from queue_server.services.admin.ports import UserValues
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
    hall_id = uow.stores.staff.hall_id(hall)
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
    token, token_id = uow.stores.tokens.issue(
        book, hall_id=hall_id, role=role.value, window_id=window_id, label=label, now=uow.now
    )
    detail = {"role": role.value, "window": window, "label": label}
    uow.audit_line(hall_id, actor, "token.create", f"token:{token_id}", detail)
    return token, token_id


def revoke_token(
    uow: UnitOfWork, book: TokenBook, token_id: int, *, hall_id: int | None = None, actor: str = "admin"
) -> None:
    """Revoke a token: this process forgets it now, the others when the revocation event reaches them."""
    row = uow.stores.tokens.token(token_id, hall_id)
    if row is None:
        raise NotFound("device.token_not_found")
    if row.revoked_at is None:
        uow.stores.tokens.revoke(token_id, uow.now)
        detail = {"role": row.role, "label": row.label}
        uow.audit_line(row.hall_id, actor, "token.revoke", f"token:{token_id}", detail)
        uow.emit(row.hall_id, TOKEN_REVOKED, (token_topic(token_id),), {"token_id": token_id})
    book.forget()


def list_tokens(uow: UnitOfWork, hall: str | None) -> list[tuple[object, ...]]:
    """The hall's tokens as (id, role, window, label, created, revoked)."""
    hall_id = uow.stores.staff.hall_id(hall)
    return [
        (r.id, r.role, r.window_number, r.label, r.created_at, r.revoked_at)
        for r in uow.stores.tokens.tokens(hall_id)
    ]


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
    hall_id = uow.stores.staff.hall_id(hall)
    window_id = uow.catalogue(hall_id).window(window).id if window else None
    values = UserValues(
        name=name, role=role.value, password_hash=password_hash, window_id=window_id, active=True
    )
    user_id = save_user(uow, hall_id, staff_no, values)
    uow.audit_line(hall_id, "admin", "user.save", f"user:{staff_no}", {"role": role.value})
    return user_id


def save_user(uow: UnitOfWork, hall_id: int, staff_no: str, values: UserValues) -> int:
    """Update the account with ``staff_no`` or create it; returns its id (the caller audits)."""
    store = uow.stores.staff
    found = store.user_id(hall_id, staff_no)
    if found is not None:
        store.update(found, values)
        if "name" in values:  # kept with the catalogue by the windows' replies and evaluations
            uow.refresh_catalogue(hall_id)
        return found
    return store.add(hall_id, staff_no, values, uow.now)
