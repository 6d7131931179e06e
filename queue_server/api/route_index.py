"""The app router's walk cut short: only the routes that could match a path are asked.

For each HTTP request FastAPI's router asks its routes in order whether they match, and each
included router asks its own routes again (a regular expression each, and FastAPI's scope
bookkeeping around it). A pad's pending evaluation or its rating went through ten routers before
the one that serves it: 120-145 µs of CPU a request, against 12 µs for a ticket's issue.

A route's template can only match a path that starts with its literal part (everything before its
first ``{parameter}``: Starlette escapes it into the front of the route's regular expression). So
``RouteIndex`` keeps, for each of the router's routes in order, the literal parts of every route
it holds; a request is asked of only the routes with a part its path starts with, in the same
order, and the first full match is the walk's own answer. A route with a parameter first, or of a
kind not known here, is a candidate for every path. Only an included router's full match is
handed on directly (its match adds nothing to the scope: it matches its own routes again when it
handles the request); anything else — no match, a method not allowed, a plain route or mount, a
websocket, a scope with a ``root_path`` — goes through the router's own walk as before. The index
is built again when a route is added to the app's router; a route added later to a router already
included is found by that walk too when no router the index knows serves its path (its literal
parts are the ones the routes had when the index was built: HallQ adds no route after start-up).

Whether an included router matches a path in full is told without asking it, when every route it
holds is an API route: one of them whose literal part the path starts with matches the path by its
regular expression and allows the method — what FastAPI's own match of the router decides, without
its per-route scope bookkeeping (an included router's match was its whole walk, done again when it
then handles the request: a pad's pending evaluation paid both walks of the windows' router and
of the evaluations' one). A router holding anything else (a websocket route, a mount) is asked as
before, and a router whose routes changed since (FastAPI's routes version) is read again first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi.routing import APIRoute, APIRouter
from starlette.routing import BaseRoute, Host, Match
from starlette.types import ASGIApp, Receive, Scope, Send

ANY = ("",)  # the literal parts of a route that may match any path


def _literal(template: object) -> str:
    """The part of a route template before its first parameter ('' when there is none)."""
    return template.split("{", 1)[0] if isinstance(template, str) else ""


def _parts(route: BaseRoute) -> tuple[str, ...]:
    """The literal parts of every route ``route`` holds (``ANY`` for one it cannot tell)."""
    if isinstance(route, Host):
        return ANY
    contexts = getattr(route, "effective_route_contexts", None)
    if contexts is None:  # a route of the app's router itself
        return (_literal(getattr(route, "path_format", None)),)
    parts: set[str] = set()
    for context in contexts():
        own = getattr(context, "starlette_route", None) or context
        parts.add(_literal(getattr(own, "path_format", None)))
    return tuple(sorted(parts))


# An included router's API routes, by method: one regular expression matching every path one of
# the router's routes allowing that method matches (and, under ``None``, those allowing any method).
Leaves = dict[str | None, "re.Pattern[str]"]
_NAMED = re.compile(r"\(\?P<\w+>")


def _leaves(route: BaseRoute) -> Leaves | None:
    """An included router's routes as ``Leaves``; None when one is of a kind not told here."""
    contexts = getattr(route, "effective_route_contexts", None)
    if contexts is None:
        return None
    patterns: dict[str | None, list[str]] = {}
    for context in contexts():
        regex = getattr(context, "path_regex", None)
        if not isinstance(getattr(context, "original_route", None), APIRoute) or regex is None:
            return None
        body = regex.pattern
        if not (body.startswith("^") and body.endswith("$")):
            return None
        body = _NAMED.sub("(?:", body[1:-1])  # its parameters need no names here
        for method in context.methods or (None,):
            patterns.setdefault(method, []).append(body)
    return {method: re.compile(f"^(?:{'|'.join(bodies)})$") for method, bodies in patterns.items()}


def _matches_in_full(leaves: Leaves, path: str, method: str) -> bool:
    """Whether a route of ``leaves`` matches ``path`` and allows ``method`` (FastAPI's full match)."""
    for allowed in (method, None):
        regex = leaves.get(allowed)
        if regex is not None and regex.match(path) is not None:
            return True
    return False


class RouteIndex:
    """ASGI app in place of ``router``'s own: its walk over the routes that could match a path."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.walk: ASGIApp = router.middleware_stack
        self.version: tuple[int, int] = (-1, -1)
        self.index: tuple[tuple[BaseRoute, tuple[str, ...]], ...] = ()
        self.leaves: dict[int, tuple[int, Leaves | None]] = {}  # by id(route): (routes version, leaves)

    def _build(self) -> None:
        self.index = tuple((route, _parts(route)) for route in self.router.routes)
        self.version = self._version()

    def _version(self) -> tuple[int, int]:
        return self.router._routes_version, len(self.router.routes)

    def _leaves_of(self, route: BaseRoute) -> Leaves | None:
        """``route``'s leaves as its routes are now (read again once they changed)."""
        original = getattr(route, "original_router", None)
        if not isinstance(original, APIRouter):
            return None
        version = original._get_routes_version()
        known = self.leaves.get(id(route))
        if known is None or known[0] != version:
            known = self.leaves[id(route)] = (version, _leaves(route))
        return known[1]

    def _full(self, route: BaseRoute, scope: Scope) -> bool:
        """Whether ``route`` matches the request in full (told from its leaves when it can be)."""
        leaves = self._leaves_of(route)
        if leaves is None:
            match, _child = route.matches(scope)
            return match is Match.FULL
        return _matches_in_full(leaves, scope["path"], scope["method"])

    def candidates(self, path: str) -> Iterable[BaseRoute]:
        """The routes that could match ``path``, in the walk's order."""
        if self.version != self._version():
            self._build()
        return [route for route, parts in self.index if path.startswith(parts)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            for route in self.candidates(scope["path"]):
                if hasattr(route, "original_router"):  # an included router
                    if self._full(route, scope):
                        scope.setdefault("router", self.router)  # as the walk does before
                        await route.handle(scope, receive, send)
                        return
                    continue
                match, _child = route.matches(scope)
                if match is Match.FULL:
                    break
        await self.walk(scope, receive, send)


def install(router: APIRouter) -> None:
    """Put the index in front of ``router``'s walk (once all its middleware is in place)."""
    router.middleware_stack = RouteIndex(router)
