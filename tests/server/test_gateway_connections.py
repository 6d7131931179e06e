"""A gateway's kept connection carries message after message without waiting on TCP ACKs.

``http.client`` sets TCP_NODELAY on the sending side; the emulator's answers went out as two
segments (headers, then body) with Nagle's algorithm on, so each answer on a kept connection
waited for the client's delayed ACK: 40 ms a message, which capped a sending thread at ~25
messages a second and made the benchmark measure the emulator rather than the server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hardware_mocks.gateway import GatewayEmulator, MockGateway
from queue_server.adapters.gateways import HttpGateway
from queue_server.services.outbox.ports import MessageRow
from queue_server.services.pii import protect_phone

KEY = b"k" * 32


@pytest.fixture(scope="module")
def gateway() -> Iterator[MockGateway]:
    server = MockGateway("127.0.0.1", 0, GatewayEmulator("secret"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def message(i: int) -> MessageRow:
    now = datetime.now(UTC)
    payload = {"phone_cipher": protect_phone(KEY, f"1370000{i:04d}").cipher, "text": "前面还有 3 人"}
    return MessageRow(
        i, 1, "sms", "sms.ahead", f"sms:t{i}:ahead", "sms:h", payload, "pending", 0, now, now, None, None
    )


def test_one_kept_connection_carries_message_after_message(gateway: MockGateway) -> None:
    sender = HttpGateway(f"{gateway.url}/sms", "secret", KEY)
    assert [sender.send(message(i)).outcome for i in range(3)] == ["delivered"] * 3
    kept = list(sender.http._local.pool.values())
    assert len(kept) == 1  # one connection carried the three
    assert kept[0].sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    assert gateway.emulator.keys >= {"sms:t0:ahead", "sms:t1:ahead", "sms:t2:ahead"}


def test_the_emulator_answers_without_waiting_for_acks(gateway: MockGateway) -> None:
    handler = gateway.RequestHandlerClass
    assert handler.disable_nagle_algorithm is True  # type: ignore[attr-defined]
    assert handler.protocol_version == "HTTP/1.1"
