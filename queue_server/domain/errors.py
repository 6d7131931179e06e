"""Domain errors: a stable machine code plus the fields a message needs."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the hall was broken; ``code`` names the rule for clients and the catalogue."""

    code = "domain.error"

    def __init__(self, code: str | None = None, /, **fields: object) -> None:
        self.code = code or type(self).code
        self.fields = fields
        super().__init__(f"{self.code} {fields}")


class NotFound(DomainError):
    """Something named by the request does not exist (in this hall)."""


class IllegalTransition(DomainError):
    """A ticket was asked to move along an edge its lifecycle does not have."""

    code = "ticket.illegal_transition"


class Rejected(DomainError):
    """A request is well-formed but the hall's rules refuse it now (hours, caps, window state)."""


class Forbidden(DomainError):
    """The caller's role or window does not allow this."""

    code = "auth.forbidden"
