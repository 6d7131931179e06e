"""A websocket client that does as little as it can per frame, so a thousand of them fit beside the server.

The benchmarks read every board's socket in their own process, on the same cores as the server:
whatever the client spends per frame hides the server's figure. ``websockets``' client runs a
reader task per connection, a frame queue and a UTF-8 check for each message; this one is an
``asyncio.Protocol`` whose ``data_received`` cuts the server's (unmasked) frames by hand and hands
each text payload, as bytes, to a callback with the time it arrived. Pings are answered; nothing
is compressed (``hallq serve`` never negotiates it). Client frames are masked, as RFC 6455 asks.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import struct
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit

TextHandler = Callable[[bytes, float], None]
T = TypeVar("T")


def loop_name() -> str:
    """The event loop ``run`` uses."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run the benchmark's client on uvloop when it is installed (the server runs on it too):
    its TLS and socket reads cost a fraction of the standard loop's, which are pure Python."""
    if loop_name() == "uvloop":
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)


def masked(opcode: int, payload: bytes) -> bytes:
    """A final client frame: the payload XORed with a random 4-byte key."""
    key = os.urandom(4)
    size = len(payload)
    if size < 126:
        head = bytes((0x80 | opcode, 0x80 | size))
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    repeat = (key * (size // 4 + 1))[:size]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(repeat, "big")).to_bytes(size, "big")
    return head + key + body


class RawSocket(asyncio.Protocol):
    """One websocket: upgrade, then text payloads to ``on_text``; ``closed`` says how it ended."""

    def __init__(self, on_text: TextHandler, on_close: Callable[[str], None] | None = None) -> None:
        self.on_text = on_text
        self.on_close = on_close
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: str | None = None
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        stamp = time.perf_counter()
        buffer = self._buffer
        buffer += data
        if not self._upgraded and not self._upgrade():
            return
        at, end = 0, len(buffer)
        while end - at >= 2:
            first, size = buffer[at], buffer[at + 1] & 0x7F
            start = at + 2
            if size == 126:
                if end - at < 4:
                    break
                size, start = int.from_bytes(buffer[at + 2 : at + 4], "big"), at + 4
            elif size == 127:
                if end - at < 10:
                    break
                size, start = int.from_bytes(buffer[at + 2 : at + 10], "big"), at + 10
            if end < start + size:
                break
            payload = bytes(buffer[start : start + size])
            at = start + size
            opcode = first & 0x0F
            if opcode == 0x1:
                self.on_text(payload, stamp)
            elif opcode == 0x9 and self._transport is not None:  # ping: pong with the same data
                self._transport.write(masked(0xA, payload))
            elif opcode == 0x8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._ended(f"closed {code}")
                if self._transport is not None:
                    self._transport.close()
        del buffer[:at]

    def _upgrade(self) -> bool:
        head, found, _ = bytes(self._buffer).partition(b"\r\n\r\n")
        if not found:
            return False
        del self._buffer[: len(head) + 4]
        if not head.startswith(b"HTTP/1.1 101"):
            self.opened.set_exception(ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace")))
            return False
        self._upgraded = True
        self.opened.set_result(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended("closed abnormally")
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("connection lost during the upgrade"))

    def _ended(self, how: str) -> None:
        if self.closed is None:
            self.closed = how
            if self.on_close is not None:
                self.on_close(how)

    def send_text(self, text: str) -> None:
        """Send one text message."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(masked(0x1, text.encode()))

    async def close(self) -> None:
        """Say goodbye (1000) and drop the connection."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(masked(0x8, (1000).to_bytes(2, "big")))
            self._transport.close()


async def connect(
    url: str,
    on_text: TextHandler,
    tls: ssl.SSLContext | None = None,
    on_close: Callable[[str], None] | None = None,
) -> RawSocket:
    """Open ``ws://`` or ``wss://`` ``url`` and complete the upgrade."""
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if secure else 80)
    loop = asyncio.get_running_loop()
    context = (tls or ssl.create_default_context()) if secure else None
    _, socket = await loop.create_connection(
        lambda: RawSocket(on_text, on_close),
        host,
        port,
        ssl=context,
        server_hostname=host if secure else None,
    )
    key = base64.b64encode(os.urandom(16)).decode()
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert socket._transport is not None
    socket._transport.write(request.encode())
    await socket.opened
    return socket
