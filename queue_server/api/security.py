"""Security headers on every response, and which requests came over HTTPS.

Every page's scripts and styles are files of this site (no inline script, no ``eval``), so the
policy allows scripts from the site only; inline ``<style>`` blocks and CSSOM changes stay allowed.
Audio clips are played from ``blob:`` URLs, icons and QR codes are ``data:`` images, and the live
stream's websocket is same-origin (``'self'`` covers ``ws:``/``wss:`` of this host). No page may be
framed (a board or console inside a hostile page could be clickjacked), and no URL — a ticket's or
a board's token — leaks through the ``Referer`` header.

The interactive API docs (``/docs``, ``/redoc``) load Swagger UI / ReDoc from their CDN with an
inline start-up script: they get a policy of their own that allows just that.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob: data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {CDN}; "
    f"style-src 'self' 'unsafe-inline' {CDN}; img-src 'self' data: https:; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HEADERS = (
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
)


def _raw(policy: str) -> tuple[tuple[bytes, bytes], ...]:
    """The headers as ASGI sends them (encoded once, not per response)."""
    pairs = (("content-security-policy", policy), *HEADERS)
    return tuple((name.encode(), value.encode()) for name, value in pairs)


RAW = _raw(POLICY)
DOCS_RAW = _raw(DOCS_POLICY)


class SecurityHeaders:
    """ASGI middleware: CSP, frame-ancestors, nosniff and Referrer-Policy on every HTTP response
    (a header the route set itself is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = DOCS_RAW if path.startswith(DOCS_PATHS) else RAW

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _value in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_https(connection: HTTPConnection, always: bool = False) -> bool:
    """Whether a cookie set in answer to this request must be ``Secure``.

    True when the request came over HTTPS directly, or through a trusted proxy that said so
    (``X-Forwarded-Proto``, applied to the scope by the proxy-headers middleware only for the
    proxies configured in ``HALLQ_TRUSTED_PROXIES``), or when the hall forces it
    (``HALLQ_COOKIE_SECURE``).
    """
    return always or connection.url.scheme in ("https", "wss")
