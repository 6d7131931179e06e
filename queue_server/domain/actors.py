"""Who is acting, and what each role may do (least privilege)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from queue_server.domain.errors import Forbidden


class Permission(StrEnum):
    """Things a caller can ask for."""

    READ_CATALOGUE = "read_catalogue"
    ISSUE_TICKET = "issue_ticket"
    BOOK_APPOINTMENT = "book_appointment"  # 预约: book, read, move and cancel bookings
    READ_HALL = "read_hall"
    OPERATE_WINDOW = "operate_window"
    MANAGE_HALL = "manage_hall"
    RECORD_EVALUATION = "record_evaluation"
    CONFIRM_PRIORITY = "confirm_priority"  # 绿色通道: staff saw the proof of a declared priority
    ADMINISTER = "administer"
    REVEAL_PERSONAL = "reveal_personal"  # ID and phone numbers typed into free text, shown in full
    READ_CITY = "read_city"  # every hall's figures side by side (the city's administration only)


P = Permission

ROLE_PERMISSIONS: Final[dict[str, frozenset[Permission]]] = {
    "kiosk": frozenset({P.READ_CATALOGUE, P.ISSUE_TICKET, P.BOOK_APPOINTMENT, P.READ_HALL}),
    "board": frozenset({P.READ_CATALOGUE, P.READ_HALL}),
    "evaluator": frozenset({P.READ_HALL, P.RECORD_EVALUATION}),
    "clerk": frozenset({P.READ_CATALOGUE, P.READ_HALL, P.OPERATE_WINDOW, P.CONFIRM_PRIORITY}),
    # 导办/帮办: the lobby guide finds services, issues and books for citizens, confirms priority
    "guide": frozenset(
        {P.READ_CATALOGUE, P.ISSUE_TICKET, P.BOOK_APPOINTMENT, P.READ_HALL, P.CONFIRM_PRIORITY}
    ),
    "manager": frozenset(
        {
            P.READ_CATALOGUE,
            P.ISSUE_TICKET,
            P.BOOK_APPOINTMENT,
            P.READ_HALL,
            P.OPERATE_WINDOW,
            P.MANAGE_HALL,
            P.CONFIRM_PRIORITY,
        }
    ),
    # A hall's admin runs that hall; only the city's own role looks across halls.
    "admin": frozenset(set(Permission) - {P.READ_CITY}),
    "city": frozenset({P.READ_CITY}),
}


@dataclass(frozen=True)
class Actor:
    """The caller: a device token, an API token or a logged-in person, always within one hall."""

    hall_id: int
    role: str
    window: str | None = None
    user_id: int | None = None
    token_id: int | None = None
    name: str = ""

    def require(self, permission: Permission, *, window: str | None = None) -> None:
        """Raise Forbidden unless this actor may do ``permission`` (at ``window``)."""
        if permission not in ROLE_PERMISSIONS.get(self.role, frozenset()):
            raise Forbidden(role=self.role, permission=permission.value)
        bound_window = self.role in ("clerk", "evaluator") and self.window is not None
        if window is not None and bound_window and window != self.window:
            raise Forbidden("auth.wrong_window", number=self.window)
        if window is not None and self.role == "clerk" and self.window is None:  # never "any window"
            raise Forbidden("auth.window_required")

    def may(self, permission: Permission) -> bool:
        """Whether this actor's role grants ``permission`` (for what is shown, not what is done)."""
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    @property
    def label(self) -> str:
        """How the audit log names this actor."""
        if self.user_id is not None:
            return f"user:{self.user_id}:{self.name}"
        return f"token:{self.token_id}:{self.role}"


SYSTEM = Actor(hall_id=0, role="admin", name="system")
