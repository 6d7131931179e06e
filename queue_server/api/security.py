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


def headers_for(path: str) -> tuple[tuple[bytes, bytes], ...]:
    """The security headers of a response to ``path``, as ASGI sends them (added to every HTTP
    response by the request context, ``ops.RequestContext``; a header the route set is kept)."""
    return DOCS_RAW if path.startswith(DOCS_PATHS) else RAW


def is_https(connection: HTTPConnection, always: bool = False) -> bool:
    """Whether a cookie set in answer to this request must be ``Secure``.

    True when the request came over HTTPS directly, or through a trusted proxy that said so
    (``X-Forwarded-Proto``, applied to the scope by the proxy-headers middleware only for the
    proxies configured in ``HALLQ_TRUSTED_PROXIES``), or when the hall forces it
    (``HALLQ_COOKIE_SECURE``).
    """
    return always or connection.url.scheme in ("https", "wss")
