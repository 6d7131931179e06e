"""A live frame written straight to a websocket's transport: framed once, copied to every socket.

A server→client text frame (RFC 6455 §5.2) is unmasked, so its bytes are the same for every
subscriber::

    0x81 | len (< 126)            | payload
    0x81 | 126 | len (16 bit)     | payload
    0x81 | 127 | len (64 bit)     | payload

Going through ASGI costs, per subscriber and per frame, a message dict, the middleware chain,
the server's own framing and UTF-8 encoding: at a thousand boards that was most of a call's
fan-out. Like ``websockets.broadcast()``, the hub instead writes the ready-made bytes to each
connection's transport without waiting, and gives up on a connection whose unsent bytes pile up
past a limit (it is closed with 1013 and the client resyncs), so a stalled board never holds the
others. This needs the server's connection object: only uvicorn's default websockets protocol
without per-message compression is recognised; on anything else (the test client, wsproto,
deflate) ``wire_for`` answers None and frames take the ordinary ASGI path.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from websockets.protocol import State

log = logging.getLogger(__name__)

# Unsent bytes of one connection before it is cut off as too slow: past what the kernel's socket
# buffer already holds, about the 512 frames the ASGI path queues, and what a thousand stalled
# boards could cost at most (256 MB), not more.
BUFFER_LIMIT = 256 * 1024
SERVER_SEND = "hallq.server_send"  # scope key: the server's own send callable (see KeepServerSend)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def text_frame(payload: bytes) -> bytes:
    """One final, unmasked text frame carrying ``payload`` (UTF-8 JSON)."""
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    return head + payload


class Wire:
    """One open websocket connection's transport, written to directly.

    Only broadcast frames count against ``limit``: a snapshot (100 KB for a 223-window hall) or an
    error is this client's own answer and may sit unsent for a while on a slow link without the
    client being taken for a stalled one. Those bytes are sent first-in first-out, so at most
    ``min(exempt, unsent)`` of what is unsent is answers.
    """

    __slots__ = ("_exempt", "_protocol", "_transport", "limit")

    def __init__(self, protocol: Any, limit: int = BUFFER_LIMIT) -> None:
        self._protocol = protocol
        self._transport = protocol.transport
        self._exempt = 0  # bytes of answers possibly still unsent
        self.limit = limit

    def write(self, framed: bytes, answer: bool = False) -> bool:
        """Write a frame; False when the connection is too far behind (nothing written)."""
        protocol = self._protocol
        if protocol.close_sent or protocol.conn.state is not State.OPEN or self._transport.is_closing():
            return True  # closing: its route forgets the subscriber when the socket is gone
        unsent = self._transport.get_write_buffer_size()
        self._exempt = min(self._exempt, unsent)
        if answer:
            self._exempt += len(framed)
        elif unsent - self._exempt > self.limit:
            return False
        self._transport.write(framed)
        return True


def wire_for(scope: Scope, limit: int = BUFFER_LIMIT) -> Wire | None:
    """The direct way to an accepted websocket, when its server allows one; else None."""
    send = scope.get(SERVER_SEND)
    protocol = getattr(send, "__self__", None)
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:  # pragma: no cover - uvicorn is installed with the server
        return None
    if not isinstance(protocol, WebSocketsSansIOProtocol) or protocol.conn.extensions:
        return None  # another server or protocol, or compression negotiated: frames differ per socket
    if protocol.conn.state is not State.OPEN:
        return None
    return Wire(protocol, limit)


class KeepServerSend:
    """Outermost ASGI middleware: remember the server's ``send`` of each websocket in its scope
    (the middleware below wrap it; the hub needs the connection behind it)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SERVER_SEND] = send
        await self.app(scope, receive, send)
