"""The outbox on the wire: a hall's SMS notice settings, its gateways, and the managers' view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from queue_server.contract.base import Line, Model, Personal, WallTime


class NoticeTemplate(Model):
    """One notice's wording (``{number}``, ``{window}``, ``{ahead}``, ``{hall}``, ``{service}``,
    ``{link}`` are filled in) and whether the hall sends it."""

    on: bool = True
    zh: Line = ""
    en: Line = ""


class GatewaySettings(Model):
    """How a hall's messages of one destination reach their gateway.

    ``log`` only writes the (masked) message to the server's log; ``http`` posts JSON signed with
    HMAC-SHA256 (``X-HallQ-Signature``); ``aliyun`` speaks Alibaba Cloud's SMS RPC API (SendSms,
    HMAC-SHA1 signature). The secret is never stored: ``secret_env`` names the server's environment
    variable that holds it.
    """

    kind: Literal["log", "http", "aliyun"] = "log"
    url: str = Field(default="", max_length=300)
    access_key_id: str = Field(default="", max_length=100)
    secret_env: str = Field(default="", max_length=100, pattern=r"^[A-Z0-9_]*$")
    sign_name: str = Field(default="", max_length=40, description="SMS 签名 (aliyun)")
    template_code: str = Field(default="", max_length=40, description="SMS template code (aliyun)")
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    batch_size: int = Field(
        default=1,
        ge=1,
        le=200,
        description="messages a request for HallQ's own signed JSON (http, no body): over 1, the "
        'batch form {"messages": [...]}, answered with one result a message',
    )
    # The generic HTTP gateway (``http``) shaped as the hall's contract wants it. With no ``body``
    # it posts HallQ's own signed JSON; with one, each field is a template (placeholders in
    # ``queue_server.domain.gateway_body.PLACEHOLDERS``), sent as JSON, a form or (GET) the query.
    method: Literal["POST", "GET", "PUT"] = "POST"
    body_format: Literal["json", "form"] = "json"
    body: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=60)], Annotated[str, Field(max_length=500)]
    ] = Field(default={}, max_length=30, description='field → template, e.g. {"mobile": "{phone}"}')
    signature: Literal["hmac_sha256", "none", "aliyun_rpc"] = Field(
        default="hmac_sha256",
        description="hmac_sha256: X-HallQ-Signature over the body; aliyun_rpc: Alibaba Cloud's RPC "
        "signature (HMAC-SHA1) over the form or query parameters; none",
    )


class NoticeSettings(Model):
    """A hall's SMS notices to ticket holders (短信告知), each on or off."""

    enabled: bool = False
    ahead_at: int = Field(default=3, ge=1, le=50, description="前面还有 N 人: sent once at this N")
    quiet_hours: tuple[WallTime, WallTime] | None = Field(
        default=None, description="no notice is sent from the first time to the second (may span midnight)"
    )
    daily_cap: int = Field(default=10, ge=1, le=100, description="messages a number gets a day")
    page_base: str = Field(default="", max_length=200, description="the ticket page's public address")
    templates: dict[
        Literal["taken", "ahead", "called", "missed", "correction", "ready", "reminder"], NoticeTemplate
    ] = {}
    gateway: GatewaySettings = GatewaySettings()


class EvaluationPushSettings(Model):
    """The 好差评 push: every rating, and each follow-up stage, to the provincial platform."""

    enabled: bool = False
    gateway: GatewaySettings = GatewaySettings()


class OutboxDestination(Model):
    """A destination's messages: sent, pending, dead (given up), dropped; the oldest pending."""

    destination: str
    sent: int
    pending: int
    dead: int
    dropped: int
    failing: int = Field(description="pending messages whose last attempts failed")
    oldest_pending_at: datetime | None


class OutboxMessage(Model):
    """A message as a manager sees it (the phone masked, never the number)."""

    id: int
    destination: str
    kind: str
    status: str
    attempts: int
    created_at: datetime
    last_error: str | None
    summary: dict[str, Any]


class OutboxView(Model):
    """``GET /api/v1/outbox``: each destination's figures and the messages given up."""

    destinations: list[OutboxDestination]
    dead: list[OutboxMessage]


class NoticeKind(Model):
    """One SMS notice as the settings page edits it: its name, the placeholders it may use and the
    wording sent when the hall writes none."""

    kind: str
    name: str
    name_en: str
    placeholders: list[str]
    default_zh: str


class NoticeKinds(Model):
    """``GET /api/v1/hall/settings/notice-kinds``: what the notice editors need, from the one place
    the server defines it (``domain.notices``), with sample values for the preview."""

    kinds: list[NoticeKind]
    samples: dict[str, str]
    sample_phone: str = Field(description="the preview's number, masked")
    gateway_placeholders: list[str] = Field(description="what the SMS gateway's request fields may name")
    push_placeholders: list[str] = Field(
        default_factory=list, description="what the 好差评 push's request fields may name"
    )


class SmsTrial(Model):
    """``POST /api/v1/outbox/test-sms``: one test text to ``phone`` through the saved SMS gateway."""

    phone: Personal


class SmsTrialResult(Model):
    """What the gateway answered to a test text (the number masked)."""

    phone_masked: str
    gateway: str = Field(description="the gateway's kind: log, http, aliyun")
    outcome: Literal["delivered", "refused", "failed"]
    detail: str
