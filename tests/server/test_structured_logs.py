"""JSON-lines logs: one object per line, the request id on each, personal numbers masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from queue_server.ops.logs import REQUEST_ID, JsonFormatter, MaskedTextFormatter, RequestIdFilter

ID_NUMBER, PHONE = "11010519491231002X", "13812345678"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.structured")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)


def test_a_line_carries_the_request_id_and_the_fields_given_to_the_call(captured) -> None:  # type: ignore[no-untyped-def]
    logger, out = captured
    token = REQUEST_ID.set("abc123def4567890")
    try:
        logger.info("called %s", "A001", extra={"window": "3"})
    finally:
        REQUEST_ID.reset(token)
    logger.info("between requests")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "called A001" and first["request_id"] == "abc123def4567890"
    assert first["window"] == "3" and first["level"] == "INFO" and first["logger"] == "tests.structured"
    assert second["request_id"] == ""


def test_personal_numbers_that_reach_a_log_call_are_written_masked(captured) -> None:  # type: ignore[no-untyped-def]
    logger, out = captured
    logger.warning("lookup of %s / %s failed", ID_NUMBER, PHONE, extra={"who": PHONE})
    try:
        raise ValueError(f"bad number {ID_NUMBER}")
    except ValueError:
        logger.exception("crash")
    text = out.getvalue()
    assert ID_NUMBER not in text and PHONE not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert "110105********002X" in first["message"] and first["who"] == "138****5678"
    assert "110105********002X" in second["exc"]


def test_the_text_format_masks_too() -> None:
    record = logging.makeLogRecord({"msg": "phone %s", "args": (PHONE,), "levelname": "INFO"})
    assert MaskedTextFormatter("%(message)s").format(record) == "phone 138****5678"
