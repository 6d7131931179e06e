"""The outbox's messages leave from a sending process of their own, not from the server's: the
server keeps the claim and the record (its writer jobs), the HTTP sending and the number's
decryption (~0.1 ms of Python a message) run on another interpreter. Counted, not timed: the
server's process opens no exchange with the gateway, the emulator still gets each message once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.gateway import MockGateway
from queue_server.adapters import gateways
from queue_server.adapters.sending import ProcessSender
from queue_server.services.outbox.ports import Gateway, MessageRow, Receipt
from tests.server.conftest import Hall
from tests.server.test_sms_notices_api import PHONE, received, settled_figures, sms_hall, texts
from tests.support.gateway import running_gateway

__all__ = ["sms_hall"]  # the fixture: hall t1 with SMS notices sent to the emulator


@pytest.fixture(scope="module")
def gateway() -> Iterator[MockGateway]:
    with running_gateway("sms-secret") as server:
        yield server


@pytest.fixture
def exchanges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every exchange with a gateway that this (the server's) process opens."""
    seen: list[str] = []
    exchange = gateways.KeepAlive.exchange

    def counted(self: gateways.KeepAlive, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(f"{method} {url}")
        return exchange(self, method, url, *args, **kwargs)

    monkeypatch.setattr(gateways.KeepAlive, "exchange", counted)
    return seen


def senders() -> list[int]:
    """The sending processes this (the server's) process runs now."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:  # the thread ended since the listing
            continue
        for pid in children:
            with contextlib.suppress(OSError):
                if b"sending import serve" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(int(pid))
    return found


def eventually(check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return got


def test_a_notice_leaves_from_the_sending_process_not_the_servers(
    sms_hall: Hall, gateway: MockGateway, exchanges: list[str]
) -> None:
    hall = sms_hall
    before = set(senders())  # none of this hall's: it starts one with its first batch
    hall.issue("S3", phone=PHONE, sms=True)
    seen = received(gateway, lambda s: len(texts(s)) >= 1)
    assert [text[:17] for text in texts(seen)] == ["【测试大厅t1】您已取号 B001"]
    assert settled_figures(hall) == [("sms", 1, 0, 0)]
    assert exchanges == []  # the server's process sent nothing itself
    assert len(set(senders()) - before) == 1


def test_a_sending_process_that_dies_is_replaced_and_nothing_is_lost_or_sent_twice(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    before = set(senders())
    hall.issue("S3", phone=PHONE, sms=True)
    assert len(texts(received(gateway, lambda s: len(texts(s)) >= 1))) == 1
    (dead,) = set(senders()) - before
    os.kill(dead, signal.SIGKILL)
    assert eventually(lambda: dead not in senders())
    hall.issue("S3", phone=PHONE, sms=True)
    hall.act("3", "call-next")
    seen = received(gateway, lambda s: len(texts(s)) >= 3, tick=lambda: hall.clock.advance(seconds=30))
    beginnings = [
        "【测试大厅t1】您已取号 B001",
        "【测试大厅t1】您已取号 B002",
        "【测试大厅t1】B001 号，请到 3 号窗口",
    ]
    got = texts(seen)
    assert len(got) == 3 and all(map(str.startswith, got, beginnings)), got  # each once, in order
    assert settled_figures(hall) == [("sms", 3, 0, 0)]
    assert len(set(senders()) - before) == 1 and dead not in senders()


def unbuildable(settings: Mapping[str, Any]) -> Gateway:
    raise ValueError(f"no gateway of kind {settings['kind']}")


def test_a_gateway_that_cannot_be_built_fails_its_batch_not_the_sending_process() -> None:
    sender = ProcessSender(unbuildable)
    now = datetime.now(UTC)
    message = MessageRow(1, 1, "sms", "sms.taken", "k", "o", {}, "pending", 0, now, now, None, None)

    async def twice() -> list[list[Receipt]]:
        return [await sender.send([("x", {"kind": "fax"}, message)]) for _ in range(2)]

    try:
        got = asyncio.run(twice())
    finally:
        sender.close()
    assert got == [[Receipt("failed", "ValueError: no gateway of kind fax")]] * 2
    assert sender.started == 1  # the same process answered both


def test_a_batch_still_on_its_way_when_the_server_stops_starts_no_process_after_it() -> None:
    """The dispatcher is cancelled while its batch waits for the pipe's thread: that thread may
    reach the exchange after ``close``. It must not start a sending process then (nothing would
    ever stop it: a server's child left running, a test run's leftover). Called here as that
    thread calls it, after ``close``."""
    sender = ProcessSender(unbuildable)
    now = datetime.now(UTC)
    message = MessageRow(1, 1, "sms", "sms.taken", "k", "o", {}, "pending", 0, now, now, None, None)
    before = set(senders())
    sender.close()
    got = sender._exchange([("x", {"kind": "fax"}, message)])
    assert got == [Receipt("failed", "the server stopped")]
    assert sender.started == 0 and set(senders()) == before


def unbuildable_for(settings: Mapping[str, Any]) -> Gateway:
    """A gateway whose error names the number it was given (as a careless vendor library's may)."""
    raise ValueError(f"no gateway of kind {settings['kind']} for 13712345678")


def test_the_sending_process_logs_as_the_server_does_json_lines_with_numbers_masked(
    capfd: pytest.CaptureFixture[str],
) -> None:
    sender = ProcessSender(unbuildable_for, log_format="json")
    now = datetime.now(UTC)
    message = MessageRow(1, 1, "sms", "sms.taken", "k", "o", {}, "pending", 0, now, now, None, None)
    try:
        got = asyncio.run(sender.send([("x", {"kind": "fax"}, message)]))
    finally:
        sender.close()  # the process leaves: everything it wrote is on our stderr
    assert got[0].outcome == "failed"
    lines = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert lines, "the sending process logged nothing"
    records = [json.loads(line) for line in lines]  # every line a JSON object, none plain text
    failed = [r for r in records if r["logger"] == "queue_server.adapters.sending"]
    assert failed and all(r["part"] == "sending" for r in failed), records
    assert "137****5678" in failed[0]["exc"] and "13712345678" not in "\n".join(lines)
