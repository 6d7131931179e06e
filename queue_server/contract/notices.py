"""SMS notices from the citizen's side: opting a ticket in (or out) on its page, after the fact."""

from __future__ import annotations

from pydantic import Field

from queue_server.contract.base import Language, Model, Personal


class TicketSmsOptIn(Model):
    """``PUT /api/v1/tickets/{token}/sms``: send this ticket's notices to ``phone`` (no login: the
    token is the key; the number is kept encrypted and shown masked)."""

    phone: Personal = Field(description="手机号; kept encrypted, shown masked")
    language: Language = Field(default="zh-CN", description="the notices' wording")


class TicketSms(Model):
    """A ticket's SMS notices as its page shows them: whether the hall sends any, and to which
    (masked) number this ticket's go."""

    available: bool = Field(description="the hall sends SMS notices")
    enabled: bool
    phone_masked: str | None = None
