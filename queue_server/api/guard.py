"""The request guard: a body limit and text the database can hold, checked before any route runs.

A pure ASGI middleware, so it sees every request (API, pages, forms) once:
- a body over the limit (``Content-Length`` or counted as it streams) answers 413 ``request.too_large``;
- a JSON body is parsed strictly (orjson: no NaN/Infinity, no number that overflows a double, no lone
  surrogate) and refused with 422 ``request.invalid``; the route then reads the same bytes;
- a NUL character — which PostgreSQL cannot store in text and no hall's text contains — in the
  address, the query or a JSON or form body answers 422 ``request.invalid_text``.
"""

from __future__ import annotations

import logging

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queue_server.api.errors import error_response

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 1024 * 1024
_NUL_ESCAPE = b"\\u0000"


class _TooLarge(Exception):
    """The body grew past the limit while it was read."""


def has_nul(value: object) -> bool:
    """Whether a parsed JSON value holds a NUL character in any string or key (no recursion: the
    nesting depth is the client's to choose)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _address_has_nul(scope: Scope) -> bool:
    raw = bytes(scope.get("raw_path") or b"").lower() + b"?" + bytes(scope.get("query_string") or b"").lower()
    return b"%00" in raw or b"\x00" in raw or "\x00" in scope.get("path", "")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def body_problem(body: bytes, content_type: str | None) -> tuple[int, str, str] | None:
    """Why a request body is refused (status, code, detail), or None when it may go on."""
    kind = (content_type or "application/json").split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            return 422, "request.invalid", f"not valid JSON ({error})"
        if _NUL_ESCAPE in body and has_nul(parsed):
            return 422, "request.invalid_text", "NUL (U+0000)"
    elif kind == "application/x-www-form-urlencoded" and (b"%00" in body or b"\x00" in body):
        return 422, "request.invalid_text", "NUL (U+0000)"
    return None


class RequestGuard:
    """ASGI middleware enforcing the body limit and refusing text the hall cannot store."""

    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _address_has_nul(scope):
            await self._refuse(scope, receive, send, 422, "request.invalid_text", detail="NUL (U+0000)")
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_body:
            await self._refuse(scope, receive, send, 413, "request.too_large", limit=self.max_body)
            return
        if declared in (None, "0") and _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(receive)
        except _TooLarge:
            await self._refuse(scope, receive, send, 413, "request.too_large", limit=self.max_body)
            return
        problem = body_problem(body, _header(scope, b"content-type")) if body else None
        if problem is not None:
            status, code, detail = problem
            await self._refuse(scope, receive, send, status, code, detail=detail)
            return
        await self.app(scope, replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away; the route sees no body
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, code: str, **fields: object
    ) -> None:
        log.info("refused %s %r: %s %s", scope.get("method"), scope.get("path", "")[:80], status, code)
        await error_response(status, code, fields)(scope, receive, send)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the route the body already read, then waits on the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
