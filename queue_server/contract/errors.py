"""The error body every failed request answers with."""

from __future__ import annotations

from typing import Any

from queue_server.contract.base import Model


class ErrorBody(Model):
    """Every error reply: a stable code, the message in zh-CN and in English, and its fields."""

    code: str
    message: str
    message_en: str
    fields: dict[str, Any] = {}
