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
holds is an API route: one of them matches the path by its regular expression and allows the method
(one expression per method for the whole router) — what FastAPI's own match of the router decides,
without its per-route scope bookkeeping. The route that serves the request is then the first in
the router's order to do so; FastAPI matches that one route for its parameters, and the request is
handed to it with the scope FastAPI's ``_IncludedRouter.handle`` and ``APIRouter.handle`` would
give it (the included router, the route, its effective context). Before, an included router's match
was its whole walk, done again when it handled the request: a pad's pending evaluation paid both
walks of the windows' router and of the evaluations' one. This leans on FastAPI's private routing
names (pinned: ``fastapi==0.163.2``); ``tests/server/test_lean_routes.py`` compares whole answers
with FastAPI's own handling and ``tests/server/test_request_overhead.py`` counts the routes matched.
A router holding anything else (a websocket route, a mount, a router of its own) is asked and walked
as before, and a router whose routes changed since (FastAPI's routes version) is read again first.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import cast

from fastapi.routing import (
    _FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY,
    _FASTAPI_INCLUDED_ROUTER_KEY,
    APIRoute,
    APIRouter,
    _EffectiveRouteContext,
    _get_fastapi_scope,
    _IncludedRouter,
)
from fastapi.telemetry._api import _route_selected
from starlette.routing import BaseRoute, Host, Match
from starlette.types import ASGIApp, Receive, Scope, Send

ANY = ("",)  # the literal parts of a route that may match any path
PATHS_KEPT = 4096  # paths whose candidates are kept at once (see RouteIndex.by_path)
PATH_KEPT_CHARS = 200  # the longest path kept there


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


@dataclass(frozen=True)
class Leaves:
    """An included router's API routes: by method, one regular expression matching every path one
    of its routes allowing that method matches (under ``None``, those allowing any method), and
    the routes themselves in the router's order with their literal parts."""

    by_method: dict[str | None, re.Pattern[str]]
    ordered: tuple[tuple[str, re.Pattern[str], Collection[str] | None, _EffectiveRouteContext], ...]

    def match_in_full(self, path: str, method: str) -> bool:
        """Whether a route matches ``path`` and allows ``method`` (FastAPI's full match)."""
        for allowed in (method, None):
            regex = self.by_method.get(allowed)
            if regex is not None and regex.match(path) is not None:
                return True
        return False


_NAMED = re.compile(r"\(\?P<\w+>")


def _leaves(route: BaseRoute) -> Leaves | None:
    """An included router's routes as ``Leaves``; None when one is of a kind not told here (or the
    router handles requests its own way)."""
    if type(route) is not _IncludedRouter or type(route.original_router).handle is not APIRouter.handle:
        return None
    patterns: dict[str | None, list[str]] = {}
    ordered = []
    for context in route.effective_candidates():
        if not isinstance(context, _EffectiveRouteContext) or not isinstance(
            context.original_route, APIRoute
        ):
            return None  # an included router inside, a websocket route, a mount
        body = context.path_regex.pattern
        if context.starlette_route is not None or not (body.startswith("^") and body.endswith("$")):
            return None
        body = _NAMED.sub("(?:", body[1:-1])  # its parameters need no names here
        for method in context.methods or (None,):
            patterns.setdefault(method, []).append(body)
        ordered.append((_literal(context.path_format), context.path_regex, context.methods, context))
    by_method = {method: re.compile(f"^(?:{'|'.join(bodies)})$") for method, bodies in patterns.items()}
    return Leaves(by_method, tuple(ordered))


class RouteIndex:
    """ASGI app in place of ``router``'s own: its walk over the routes that could match a path."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.walk: ASGIApp = router.middleware_stack
        self.version: tuple[int, int] = (-1, -1)
        self.index: tuple[tuple[BaseRoute, tuple[str, ...]], ...] = ()
        self.leaves: dict[int, tuple[int, Leaves | None]] = {}  # by id(route): (routes version, leaves)
        # The candidates of each path seen (a hall's busy paths are a few thousand at most; paths
        # carrying a ticket's token are many, so the memo starts again once it holds PATHS_KEPT).
        self.by_path: dict[str, list[BaseRoute]] = {}

    def _build(self) -> None:
        self.index = tuple((route, _parts(route)) for route in self.router.routes)
        self.leaves = {}  # kept by id: a router gone from the app must not lend its id to another
        self.by_path = {}
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

    async def _serve(
        self, route: _IncludedRouter, leaves: Leaves, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Hand the request to the route of ``route`` that FastAPI's walk of it would select (the
        first in its order that matches in full), with the same scope: what
        ``_IncludedRouter.handle`` then ``APIRouter.handle`` do, without walking the routes again."""
        path, method = scope["path"], scope["method"]
        for literal, regex, methods, context in leaves.ordered:
            if path.startswith(literal) and regex.match(path) and (not methods or method in methods):
                match, child_scope = context.matches(scope)  # its parameters, as FastAPI finds them
                if match is Match.FULL:
                    break
        else:  # the router's regular expressions said one would: FastAPI's own walk decides
            await route.handle(scope, receive, send)
            return
        fastapi_scope = _get_fastapi_scope(scope)
        fastapi_scope[_FASTAPI_INCLUDED_ROUTER_KEY] = route
        original = context.original_route
        child_scope["route"] = original
        scope.update(child_scope)
        _route_selected(scope=scope, path=context.path_format)
        fastapi_scope[_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY] = context
        await original.handle(scope, receive, send)

    def candidates(self, path: str) -> Iterable[BaseRoute]:
        """The routes that could match ``path``, in the walk's order."""
        if self.version != self._version():
            self._build()
        found = self.by_path.get(path)
        if found is None:  # the scan of the whole index cost an issue more than its routing
            found = [route for route, parts in self.index if path.startswith(parts)]
            if len(path) <= PATH_KEPT_CHARS:  # a made-up long path is not worth its memory
                if len(self.by_path) >= PATHS_KEPT:
                    self.by_path = {}
                self.by_path[path] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            for route in self.candidates(scope["path"]):
                if hasattr(route, "original_router"):  # an included router
                    leaves = self._leaves_of(route)
                    if leaves is None:
                        match, _child = route.matches(scope)
                        if match is not Match.FULL:
                            continue
                    elif not leaves.match_in_full(scope["path"], scope["method"]):
                        continue
                    scope.setdefault("router", self.router)  # as the walk does before
                    if leaves is None:
                        await route.handle(scope, receive, send)
                    else:
                        await self._serve(cast(_IncludedRouter, route), leaves, scope, receive, send)
                    return
                match, _child = route.matches(scope)
                if match is Match.FULL:
                    break
        await self.walk(scope, receive, send)


def install(router: APIRouter) -> None:
    """Put the index in front of ``router``'s walk (once all its middleware is in place)."""
    router.middleware_stack = RouteIndex(router)
