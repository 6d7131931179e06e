"""What every request pays before its handler runs: no dependency hops to a worker thread.

FastAPI runs a plain ``def`` dependency on the thread pool, a hand-off there and back for each
request that uses it; the dependencies every API route shares (the runtime, the caller) are
``async`` so they run on the event loop. Counted, not timed.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi._compat.v2 import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _EffectiveRouteContext, _IncludedRouter
from fastapi.testclient import TestClient

from queue_server.api import route_index
from queue_server.api.app import build_routes, create_app
from queue_server.api.routes import windows as windows_routes
from tests.server.conftest import Hall

# The app's routes are the same on either database.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, also inside included routers (kept apart by FastAPI until first used)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from dependencies(sub)


def test_no_dependency_of_an_api_route_runs_on_a_worker_thread(hall: Hall) -> None:
    app = create_app(hall.runtime)
    routes = list(api_routes(app.routes))
    assert any(r.endpoint.__name__ == "issue_ticket" for r in routes)
    threaded = {
        f"{r.path}: {d.call.__name__}"
        for r in routes
        for d in dependencies(r.dependant)
        if inspect.isfunction(d.call) and not inspect.iscoroutinefunction(d.call)
    }
    assert threaded == set()


def test_a_process_answers_its_first_requests_with_every_route_already_built(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    build = _EffectiveRouteContext.from_api_route.__func__  # type: ignore[attr-defined]

    def counted(cls: Any, *, original_route: APIRoute, include_context: Any) -> Any:
        built.append(original_route.path)
        return build(cls, original_route=original_route, include_context=include_context)

    monkeypatch.setattr(_EffectiveRouteContext, "from_api_route", classmethod(counted))

    def first_requests(app: Any) -> None:
        client = TestClient(app)  # the hall's runtime is already started
        issued = client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=hall.as_("kiosk"))
        assert issued.status_code == 201, issued.text
        called = client.post("/api/v1/windows/1/open", headers=hall.as_("clerk1"))
        assert called.status_code == 200, called.text

    first_requests(create_app(hall.runtime))
    assert built  # FastAPI builds the routes of an included router on its first request
    app = create_app(hall.runtime)
    assert build_routes(app) > 100
    built.clear()
    first_requests(app)
    assert built == []


def test_a_request_is_matched_by_the_route_that_serves_it_alone_and_once(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index tells which included router matches a path, and which of its routes serves it,
    from the routers' regular expressions: FastAPI matches that route alone, once, for its
    parameters (a router walked its routes to say it matched, then again to handle the request)."""
    asked: list[APIRouter] = []
    routes: list[str] = []
    router_matches, route_matches = _IncludedRouter.matches, _EffectiveRouteContext.matches

    def router_counted(self: _IncludedRouter, scope: Any) -> Any:
        asked.append(self.original_router)
        return router_matches(self, scope)

    def route_counted(self: _EffectiveRouteContext, scope: Any) -> Any:
        routes.append(self.path_format)
        return route_matches(self, scope)

    monkeypatch.setattr(_IncludedRouter, "matches", router_counted)
    monkeypatch.setattr(_EffectiveRouteContext, "matches", route_counted)
    assert hall.act("1", "open").status_code == 200
    hall.issue("S1")
    assert hall.act("1", "call-next").status_code == 200
    assert hall.act("1", "conclude").status_code == 200
    asked.clear()
    routes.clear()
    pending = hall.client.get("/api/v1/windows/1/pending-evaluation", headers=hall.as_("evaluator1"))
    assert pending.status_code == 200 and pending.json() is not None, pending.text
    windows = {f"/api/v1{route.path}" for route in windows_routes.router.routes}
    # Neither the windows' router (its paths start alike) nor the ten before it is asked, nor the
    # evaluations' routes before the one that serves the request.
    assert asked == []
    assert routes == ["/api/v1/windows/{window}/pending-evaluation"] and not windows & set(routes)
    asked.clear()
    routes.clear()
    rated = hall.client.post(
        f"/api/v1/evaluations/{pending.json()['id']}/rating",
        json={"level": "satisfied"},
        headers=hall.as_("evaluator1"),
    )
    assert rated.status_code == 201, rated.text
    assert asked == [] and routes == ["/api/v1/evaluations/{evaluation_id}/rating"]
    hall.issue("S1")
    asked.clear()
    routes.clear()
    assert hall.act("1", "call-next").status_code == 200 and hall.act("1", "conclude").status_code == 200
    assert asked == [] and routes == [
        "/api/v1/windows/{window}/call-next",
        "/api/v1/windows/{window}/conclude",
    ]


def test_a_route_added_later_is_found_and_a_path_nobody_serves_still_answers_404(hall: Hall) -> None:
    app = hall.client.app
    path = "/api/v1/added-later"
    for _ in range(2):
        missing = hall.client.get(path)
        assert missing.status_code == 404 and missing.json()["code"] == "not_found", missing.text
    refused = hall.client.get("/api/v1/tickets", headers=hall.as_("kiosk"))  # the walk's 405
    assert refused.status_code == 405

    later = APIRouter()

    @later.get("/added-later")
    async def added() -> dict[str, bool]:
        return {"added": True}

    app.include_router(later, prefix="/api/v1")  # type: ignore[attr-defined]
    found = hall.client.get(path)
    assert found.status_code == 200 and found.json() == {"added": True}


def test_a_route_added_later_to_an_included_router_is_matched_in_the_walks_order(hall: Hall) -> None:
    """A router's routes are read again once they changed (HallQ adds none after start-up; the
    index itself is built from the literal parts the routes had then)."""
    app = hall.client.app
    first, second = APIRouter(), APIRouter()

    @first.get("/later/{name}/more")
    async def first_more(name: str) -> str:
        return f"first {name} more"

    @second.get("/later/{name}")
    async def second_any(name: str) -> str:
        return f"second {name}"

    app.include_router(first, prefix="/api/v1")  # type: ignore[attr-defined]
    app.include_router(second, prefix="/api/v1")  # type: ignore[attr-defined]
    assert hall.client.get("/api/v1/later/b").json() == "second b"

    @first.get("/later/{name}")
    async def first_any(name: str) -> str:
        return f"first {name}"

    # the first router now holds a route for the path: it comes first, as in FastAPI's own walk
    assert hall.client.get("/api/v1/later/b").json() == "first b"


def test_the_latency_histograms_series_is_looked_up_once_per_route_and_status(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The histogram's ``labels`` (argument checks, a lock, a lookup) cost more than the
    observation: the request context keeps each series it looked up."""
    latency = hall.runtime.metrics.latency
    looked_up: list[tuple[str, ...]] = []
    labels = latency.labels

    def counted(*values: str) -> Any:
        looked_up.append(values)
        return labels(*values)

    monkeypatch.setattr(latency, "labels", counted)
    for _ in range(4):
        hall.issue("S1")
    series = ("POST", "/api/v1/tickets", "201")
    assert looked_up.count(series) <= 1, looked_up
    page = hall.client.get("/metrics").text
    assert 'hallq_request_seconds_count{method="POST",route="/api/v1/tickets",status="201"} 4.0' in page


class CountedIndex(tuple):  # type: ignore[type-arg]
    """The route index's entries, counting the walks over them."""

    walks = 0

    def __iter__(self) -> Iterator[Any]:
        CountedIndex.walks += 1
        return super().__iter__()


def test_the_route_index_is_scanned_once_per_path_and_keeps_a_bounded_memo(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which routes could serve a path is worked out once per path (scanning the app's ~100
    routes cost an issue more than the rest of its routing); a flood of made-up paths keeps at
    most ``PATHS_KEPT`` of them."""
    index = hall.client.app.router.middleware_stack  # type: ignore[attr-defined]
    assert isinstance(index, route_index.RouteIndex)
    hall.issue("S1")
    monkeypatch.setattr(index, "index", CountedIndex(index.index))
    CountedIndex.walks = 0
    for _ in range(3):
        hall.issue("S1")
    assert CountedIndex.walks == 0
    monkeypatch.setattr(route_index, "PATHS_KEPT", 3)
    for n in range(5):
        assert hall.client.get(f"/api/v1/made-up-{n}").status_code == 404
    assert CountedIndex.walks == 5 and len(index.by_path) <= 3
    assert hall.client.get("/api/v1/made-up-" + "x" * 300).status_code == 404
    assert all(len(path) <= route_index.PATH_KEPT_CHARS for path in index.by_path)
    hall.issue("S1")  # found again after the memo started over


def test_an_absent_header_takes_its_default_without_asking_the_field(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An issue without ``Idempotency-Key``: its default (None) was found once, when the route was
    planned; FastAPI's field deep-copied it on every request."""
    asked: list[str] = []
    get_default = ModelField.get_default

    def counted(self: ModelField) -> Any:
        asked.append(self.name)
        return get_default(self)

    monkeypatch.setattr(ModelField, "get_default", counted)
    issued = hall.issue("S1")
    assert issued["number"]
    assert asked == []
    keyed_headers = {**hall.as_("kiosk"), "Idempotency-Key": "k-1"}
    keyed = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=keyed_headers)
    again = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=keyed_headers)
    assert keyed.status_code == again.status_code == 201 and keyed.json() == again.json()
