"""A response's head and body handed to the socket in one write.

uvicorn writes a response's status line and headers when the app sends ``http.response.start``,
and its body when the app sends ``http.response.body``: two ``transport.write`` calls, so two
``send`` system calls (the socket has ``TCP_NODELAY``), each with the kernel's whole loopback or
network path, for every answer of a few hundred bytes. ``one_write`` holds the start message
until the body comes; when that body is the whole of it (no ``more_body``), uvicorn frames both
into a buffer standing in for its transport, and the bytes go out in one write. The bytes are
uvicorn's own, unchanged; a streamed body (``more_body``) is sent as before.

This needs uvicorn's request cycle behind ``send`` (its ``transport`` attribute, uvicorn being
pinned); on any other server (the test client) ``one_write`` gives ``send`` back as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]

_CYCLES: tuple[type, ...] | None = None


def _cycles() -> tuple[type, ...]:
    """uvicorn's HTTP request cycles (httptools and h11), imported once."""
    global _CYCLES
    if _CYCLES is None:
        found: list[type] = []
        try:
            from uvicorn.protocols.http.httptools_impl import RequestResponseCycle as Tools

            found.append(Tools)
        except ImportError:  # pragma: no cover - httptools is installed with the server
            pass
        try:
            from uvicorn.protocols.http.h11_impl import RequestResponseCycle as H11

            found.append(H11)
        except ImportError:  # pragma: no cover - h11 comes with uvicorn
            pass
        _CYCLES = tuple(found)
    return _CYCLES


class _Gather:
    """Stands in for the cycle's transport while it frames one response: keeps what it writes."""

    __slots__ = ("chunks", "closed", "real")

    def __init__(self, real: Any) -> None:
        self.real = real
        self.chunks: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def close(self) -> None:  # a response with ``connection: close``: after its bytes
        self.closed = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _OneWrite:
    """The server's ``send``, holding a response's start until its body is known."""

    __slots__ = ("cycle", "held", "send")

    def __init__(self, cycle: Any, send: Send) -> None:
        self.cycle = cycle
        self.send = send
        self.held: Message | None = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start" and self.held is None and not self.cycle.response_started:
            self.held = message
            return
        held, self.held = self.held, None
        if held is None:
            await self.send(message)
        elif kind == "http.response.body" and not message.get("more_body", False):
            await self._together(held, message)
        else:
            await self.send(held)
            await self.send(message)

    async def _together(self, start: Message, body: Message) -> None:
        cycle = self.cycle
        real = cycle.transport
        gather = _Gather(real)
        cycle.transport = gather
        try:
            await self.send(start)
            await self.send(body)
        finally:
            cycle.transport = real
            if gather.chunks:
                real.write(b"".join(gather.chunks))
            if gather.closed:
                real.close()

    async def flush(self) -> None:
        """Send a start still held (the app failed before its body): as uvicorn would have."""
        held, self.held = self.held, None
        if held is not None:
            await self.send(held)


def one_write(send: Send) -> tuple[Send, Callable[[], Awaitable[None]] | None]:
    """``send`` writing head and body at once when it is uvicorn's, and what to call if the app
    fails (the held start still goes out); ``send`` itself and None for any other server."""
    cycle = getattr(send, "__self__", None)
    if cycle is None or not isinstance(cycle, _cycles()) or not hasattr(cycle, "transport"):
        return send, None
    wrapped = _OneWrite(cycle, send)
    return wrapped, wrapped.flush


class OneWriteApp:
    """Mixin for the app: every HTTP response of uvicorn's goes out in one write (``one_write``)."""

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        wrapped, flush = one_write(send)
        if flush is None:
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        try:
            await super().__call__(scope, receive, wrapped)  # type: ignore[misc]
        finally:
            await flush()
