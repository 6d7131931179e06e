"""The app router's walk remembered: which of its routes took a method and path the last time.

For each HTTP request FastAPI's router asks its routes in order whether they match, and each
included router asks its own routes again (a regular expression each, and FastAPI's scope
bookkeeping around it). A pad's pending evaluation or its rating went through ten routers before
the one that serves it: 120-145 µs of CPU a request, against 12 µs for a ticket's issue. The
answer depends only on the method, the path and the routes, so ``RouteMemo`` keeps, per
(method, path), the included router that matched fully, and hands the next such request straight
to it — which then matches its own routes and answers exactly as it would have after the walk.

Anything else (no match, a method not allowed, a plain route or mount, a websocket, a scope with a
``root_path``) goes through the router's own walk as before. The memo is dropped whenever a route
is added anywhere (FastAPI's own routes version), and when it holds ``LIMIT`` paths (a status
page's path has a ticket's token in it, so paths are many but each is seen a few times).
"""

from __future__ import annotations

from fastapi.routing import APIRouter
from starlette.routing import BaseRoute, Host, Match
from starlette.types import ASGIApp, Receive, Scope, Send

LIMIT = 20_000  # paths remembered before the memo starts again (a few MB at most)


class RouteMemo:
    """ASGI app in place of ``router``'s own: its walk, remembered per method and path."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.walk: ASGIApp = router.middleware_stack
        self.memo: dict[tuple[str, str], BaseRoute | None] = {}
        self.version = router._get_routes_version()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self.walk(scope, receive, send)
            return
        version = self.router._get_routes_version()
        if version != self.version or len(self.memo) >= LIMIT:
            self.memo.clear()
            self.version = version
        key = (scope["method"], scope["path"])
        try:
            route = self.memo[key]
        except KeyError:
            route = self.memo[key] = self._included_match(scope)
        if route is None:
            await self.walk(scope, receive, send)
            return
        scope.setdefault("router", self.router)  # what the walk sets before handing on
        await route.handle(scope, receive, send)

    def _included_match(self, scope: Scope) -> BaseRoute | None:
        """The included router the walk would hand ``scope`` to, or None when it is anything else.

        An included router's full match adds nothing to the scope (it matches its own routes again
        when it handles the request), so handing the request to it is all the walk does."""
        for route in self.router.routes:
            if isinstance(route, Host):  # matched by the Host header too: not by path alone
                return None
            match, _child = route.matches(dict(scope))
            if match is Match.FULL:
                return route if hasattr(route, "original_router") else None
        return None


def install(router: APIRouter) -> None:
    """Put the memo in front of ``router``'s walk (once all its middleware is in place)."""
    router.middleware_stack = RouteMemo(router)
