"""Logs an operator can ship and search: one JSON object per line, each with the request id.

``configure("json")`` makes the root logger write lines like
``{"ts": "...", "level": "INFO", "logger": "hallq.access", "message": "...", "request_id": "..."}``;
``configure("text")`` keeps the classic human format, with the request id too.

No personal data: every message (and exception text) goes through the same masking as free text
(``personal.mask_free_text``), so an ID-card or mobile number that reached a log call by mistake —
in an error's message, say — is written masked. The access log names the route template, never the
query string (where board and ticket tokens travel) nor the raw path (``/t/{token}``).
"""

from __future__ import annotations

import contextvars
import logging
import random
import sys
from datetime import UTC, datetime

import orjson

from queue_server.domain.personal import mask_free_text

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("hallq_request_id", default="")
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


_ids = random.Random()  # seeded from the OS once per process; ids need not be unguessable


def new_request_id() -> str:
    """A short random id, unique enough to find one request's lines among a day's (no system call
    per request, as ``secrets`` makes: it only has to tell requests apart)."""
    return f"{_ids.getrandbits(64):016x}"


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request being handled (empty outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields given to the log call are kept."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_free_text(record.getMessage()),
            "request_id": getattr(record, "request_id", "") or REQUEST_ID.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                body[key] = mask_free_text(value) if isinstance(value, str) else value
        if record.exc_info:
            body["exc"] = mask_free_text(self.formatException(record.exc_info))
        return orjson.dumps(body, default=str).decode()


class MaskedTextFormatter(logging.Formatter):
    """The classic text format, personal numbers masked as in the JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_free_text(super().format(record))


class PartFilter(logging.Filter):
    """Stamps every record with the part of the server that wrote it (a process of its own)."""

    def __init__(self, part: str) -> None:
        super().__init__()
        self.part = part

    def filter(self, record: logging.LogRecord) -> bool:
        record.part = self.part
        return True


def configure(fmt: str = "text", level: int = logging.INFO, part: str = "") -> None:
    """Set up the root logger of a server process (``fmt`` is ``text`` or ``json``); ``part``
    names a process the server started (its lines carry it: a ``part`` field, or in brackets)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if part:
        handler.addFilter(PartFilter(part))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        tag = f"[{part}]" if part else "[%(request_id)s]"
        handler.setFormatter(MaskedTextFormatter(f"%(asctime)s %(levelname)s %(name)s {tag}: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # A library's warning is a log line like any other (a JSON log stays JSON lines throughout).
    logging.captureWarnings(True)
