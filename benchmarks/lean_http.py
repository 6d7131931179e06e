"""A lean HTTP/1.1 keep-alive client for load generators that share the server's cores.

The day replay (``benchmarks.day``) sends ~6 requests per ticket from the same 2 cores as the
server. Through ``httpx.AsyncClient`` each cost the client ~4 ms of CPU — three times what the
server spends answering it — so the replay's wall time measured the client. This client does only
what the replay needs: JSON in, status and JSON out, over a pool of keep-alive connections, the
replies parsed by ``httptools`` (the C parser uvicorn itself uses).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httptools


class LeanHTTPError(Exception):
    """The connection failed or closed before the reply was complete."""


class LeanResponse:
    """What the replay reads of a reply."""

    __slots__ = ("content", "status_code")

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    def json(self) -> Any:
        return json.loads(self.content)


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its reply parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.waiter: asyncio.Future[LeanResponse] | None = None
        self.open = True
        self.received = False  # any byte of the current reply

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(LeanHTTPError(f"bad reply: {error}"))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        response = LeanResponse(self.parser.get_status_code(), b"".join(self.body))
        self.body = []
        if not self.parser.should_keep_alive():
            self.open = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(response)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(LeanHTTPError(f"connection closed: {exc}"))

    def _fail(self, error: Exception) -> None:
        self.open = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        if self.transport is not None:
            self.transport.close()


class LeanClient:
    """A pool of up to ``max_connections`` keep-alive connections to one ``host:port``."""

    def __init__(self, host: str, port: int, *, max_connections: int = 96, timeout: float = 60.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)
        self._all: list[_Connection] = []

    async def request(
        self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None
    ) -> LeanResponse:
        """Send one request and read its whole reply (raises ``LeanHTTPError`` on a broken connection)."""
        body = b"" if json is None else _dumps(json)
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(body)}",
        ]
        if json is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        async with self._slots:
            conn = self._reuse()
            if conn is not None:
                try:
                    return await self._exchange(conn, message)
                except LeanHTTPError:
                    # The server closed the idle connection (its keep-alive timeout) as the request
                    # went out: nothing of a reply came, so send it once more on a new connection.
                    if conn.received:
                        raise LeanHTTPError(f"{method} {path}: no complete reply") from None
            try:
                return await self._exchange(await self._connect(), message)
            except LeanHTTPError:
                raise LeanHTTPError(f"{method} {path}: no complete reply") from None

    def _reuse(self) -> _Connection | None:
        """An idle connection still open, if any."""
        while self._idle:
            conn = self._idle.pop()
            if conn.open:
                return conn
        return None

    async def _exchange(self, conn: _Connection, message: bytes) -> LeanResponse:
        conn.waiter = asyncio.get_running_loop().create_future()
        conn.received = False
        assert conn.transport is not None
        conn.transport.write(message)
        try:
            async with asyncio.timeout(self.timeout):
                response = await conn.waiter
        except TimeoutError:
            conn._fail(LeanHTTPError("abandoned"))
            raise LeanHTTPError("no reply in time") from None
        except LeanHTTPError:
            conn._fail(LeanHTTPError("abandoned"))
            raise
        if conn.open:
            self._idle.append(conn)
        return response

    async def _connect(self) -> _Connection:
        try:
            _, conn = await asyncio.get_running_loop().create_connection(_Connection, self.host, self.port)
        except OSError as error:
            raise LeanHTTPError(f"cannot connect: {error}") from error
        self._all.append(conn)
        return conn

    async def aclose(self) -> None:
        """Close every connection."""
        for conn in self._all:
            if conn.transport is not None:
                conn.transport.close()
        self._idle.clear()


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
