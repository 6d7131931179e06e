"""A gateway's kept connection carries message after message without waiting on TCP ACKs.

``http.client`` sets TCP_NODELAY on the sending side; the emulator's answers went out as two
segments (headers, then body) with Nagle's algorithm on, so each answer on a kept connection
waited for the client's delayed ACK: 40 ms a message, which capped a sending thread at ~25
messages a second and made the benchmark measure the emulator rather than the server."""

from __future__ import annotations

import socket
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hardware_mocks.gateway import GatewayEmulator, MockGateway
from queue_server.adapters.gateways import HttpGateway, KeepAlive
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


def test_a_send_is_one_write_and_no_header_parsing_in_python(gateway: MockGateway) -> None:
    """Counted, not timed: a message on a kept connection goes out as one write (request line,
    headers and body built together), and its answer is parsed in C. ``http.client`` wrote it in two
    and ran ~180 Python calls a send (the ``email`` package parsing the answer's headers): on the
    server's cores, next to the writer, for every SMS."""
    sender = HttpGateway(f"{gateway.url}/sms", "secret", KEY)
    messages = [message(100 + i) for i in range(11)]
    assert sender.send(messages[0]).outcome == "delivered"  # opens the connection
    counted: Counter[str] = Counter()

    def count(frame: object, event: str, arg: object) -> None:
        if event == "call":
            counted["python calls"] += 1
        elif event == "c_call" and getattr(arg, "__name__", "") in ("send", "sendall"):
            counted["writes"] += 1

    outcomes = []
    for each in messages[1:]:
        sys.setprofile(count)
        try:
            outcomes.append(sender.send(each).outcome)
        finally:
            sys.setprofile(None)
    assert outcomes == ["delivered"] * 10
    assert counted["writes"] == 10, counted
    assert counted["python calls"] <= 10 * 90, counted  # the number's decryption and signing included


@pytest.fixture(scope="module")
def scripted() -> Iterator[tuple[str, list[bytes]]]:
    """A bare TCP server that answers each connection's requests with the next scripted answers
    (as many as it is given), then closes: answers shaped the ways HTTP allows."""
    answers: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                while answers:
                    answer = answers.pop(0)
                    if answer == b"CLOSE":
                        break
                    if not conn.recv(65536):
                        break
                    conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", answers
    listener.close()


def test_answers_chunked_or_ended_by_close_are_read_whole(scripted: tuple[str, list[bytes]]) -> None:
    url, answers = scripted
    http = KeepAlive(5.0)
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    until_close = b"HTTP/1.0 502 Bad Gateway\r\n\r\nupstream away"
    answers[:] = [chunked, until_close]
    assert http.exchange("POST", f"{url}/sms", b"{}", {}) == (200, b"abcde")
    assert http.exchange("POST", f"{url}/sms", b"{}", {}) == (502, b"upstream away")


def test_a_kept_connection_closed_by_the_far_side_is_opened_again_once(
    scripted: tuple[str, list[bytes]],
) -> None:
    url, answers = scripted
    http = KeepAlive(5.0)
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    answers[:] = [ok, b"CLOSE", ok]  # the server drops the kept connection after the first answer
    assert http.exchange("POST", f"{url}/sms", b"{}", {}) == (200, b"ok")
    assert http.exchange("POST", f"{url}/sms", b"{}", {}) == (200, b"ok")  # on a new connection
    assert not answers


def test_a_header_with_a_line_break_is_never_sent(scripted: tuple[str, list[bytes]]) -> None:
    url, _ = scripted
    with pytest.raises(ValueError, match="line break"):
        KeepAlive(5.0).exchange("POST", f"{url}/sms", b"{}", {"Idempotency-Key": "a\r\nX-Evil: 1"})
