"""The waiting counts the triggers keep (``queue_lengths``) equal the waiting tickets counted,
whatever a hall's day does to its tickets, on SQLite and on PostgreSQL.

Hypothesis drives random days through the HTTP API of one real server per database kind (issue with
and without a priority, in both halls; call-next, recall, no-show, requeue, transfer to another
service or window, park and call back, conclude; a holder's cancel; a day's expiry by housekeeping)
and after every step compares the kept counts with ``count(*)`` over ``tickets``. The counts hold
across examples too, so every example goes on with the same database. Each issue's "people ahead"
is checked against the queue as it stood just before.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from queue_server.api.app import create_app
from queue_server.services.tickets.day import expire_past_days
from tests.server.conftest import Hall, fresh_database, make_tokens, start_hall

# Two windows, so that each step often finds a window with a ticket to act on.
WINDOWS = ("1", "4")  # serving S1, S2 and S1, S3 (tests/server/catalogue.py)

# Both in one statement, so one snapshot on PostgreSQL too (the server's housekeeping runs beside).
KEPT_AND_COUNTED = text(
    "SELECT 'kept', hall_id, service_id, waiting, waiting_priority FROM queue_lengths "
    "WHERE waiting <> 0 OR waiting_priority <> 0 UNION ALL "
    "SELECT 'counted', hall_id, service_id, count(*), "
    "sum(CASE WHEN priority_class IS NULL THEN 0 ELSE 1 END) "
    "FROM tickets WHERE status = 'waiting' GROUP BY hall_id, service_id"
)
SERVICE_IDS = text("SELECT h.code, s.code, s.id, h.id FROM services s JOIN halls h ON h.id = s.hall_id")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, templates: dict[str, str]
) -> Iterator[Hall]:
    """One running server per database kind for the whole module (a copy of the session's template
    with the two small halls), windows 1 and 4 of hall t1 open."""
    url = fresh_database(
        request, request.param, tmp_path_factory.mktemp("queue_lengths") / "hall.db", templates
    )
    runtime, clock = start_hall(url, Path(templates["dir"]) / "secret.key")
    with TestClient(create_app(runtime)) as client:
        hall = Hall(client, runtime, clock, make_tokens(runtime))
        hall.open_all()
        yield hall
    runtime.write_engine.dispose()
    runtime.read_engine.dispose()


Counts = dict[tuple[int, int], tuple[int, int]]


def kept_and_counted(hall: Hall) -> tuple[Counts, Counts]:
    """The kept counts (rows of zero aside) and the counted ones, per (hall, service)."""
    rows = hall.runtime.read_sync(lambda uow: list(uow.stores.conn.execute(KEPT_AND_COUNTED)))
    found: dict[str, Counts] = {"kept": {}, "counted": {}}
    for kind, hall_id, service_id, waiting, priority in rows:
        found[kind][(hall_id, service_id)] = (int(waiting), int(priority))
    return found["kept"], found["counted"]


@dataclass
class Day:
    """What the steps have seen: the tickets issued (tokens), no-shows and parked numbers."""

    tokens: list[str] = field(default_factory=list)
    no_shows: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)
    ids: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


def issue(hall: Hall, day: Day, hall_code: str, service: str, priority: bool) -> None:
    """Issue a ticket and check its "people ahead" against the queue just before."""
    if not day.ids:
        rows = hall.runtime.read_sync(lambda uow: list(uow.stores.conn.execute(SERVICE_IDS)))
        day.ids = {(h, s): (service_id, hall_id) for h, s, service_id, hall_id in rows}
    service_id, hall_id = day.ids[(hall_code, service)]
    _, counted = kept_and_counted(hall)
    waiting, waiting_priority = counted.get((hall_id, service_id), (0, 0))
    body = {"priority_class": "elderly"} if priority else {}
    ticket = hall.issue(service, who="kiosk" if hall_code == "t1" else "kiosk_t2", **body)
    assert ticket["people_ahead"] == (waiting_priority if priority else waiting)
    day.tokens.append(ticket["token"])


def counts_agree(hall: Hall, step: tuple[Any, ...]) -> None:
    kept, counted = kept_and_counted(hall)
    assert kept == counted, step


def window_action(hall: Hall, day: Day, window: str, follow_up: str) -> None:
    """What a clerk does with the ticket just called (``then`` of a ``serve`` step)."""
    if follow_up.startswith("transfer"):
        _, to, keep = follow_up.split(":")
        where = {"to_window": to} if to.isdigit() else {"to_service": to}
        body = {"reason": "转办", "keep_place": keep == "keep", **where}
        assert hall.act(window, "transfer", body=body).status_code in (200, 409), body
        return
    for action in follow_up.split("+"):
        response = hall.act(window, action)
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200 and action in ("park", "no-show"):
            (day.parked if action == "park" else day.no_shows).append(response.json()["ticket"]["number"])


def act(hall: Hall, day: Day, step: tuple[Any, ...]) -> None:
    """One step of the day, the counts checked after each of its requests; refusals (a window with
    nothing to do, say) are part of the day."""
    kind, *args = step
    hall.clock.advance(seconds=7)
    if kind == "issue":
        issue(hall, day, *args)
    elif kind == "serve":  # call-next, and what the clerk does with that ticket
        window, follow_up = args
        response = hall.act(window, "call-next")
        assert response.status_code in (200, 409), response.text
        counts_agree(hall, step)
        window_action(hall, day, window, follow_up)
    elif kind == "requeue" and day.no_shows:
        body = {"ticket": day.no_shows.pop(0), "places_back": args[1]}
        # 404: a ticket called before an expiry and set aside after it is not today's number
        assert hall.act(args[0], "requeue", body=body).status_code in (200, 404, 409)
    elif kind == "callback" and day.parked:
        response = hall.act(args[0], "callback", body={"ticket": day.parked.pop(0)})
        assert response.status_code in (200, 404, 409), response.text
    elif kind == "cancel" and day.tokens:
        token = day.tokens[args[0] % len(day.tokens)]
        assert hall.client.post(f"/api/v1/tickets/{token}/cancel").status_code in (200, 409)
    elif kind == "expire":  # the next day's housekeeping: yesterday's open tickets expire
        hall.clock.advance(days=1)
        day.no_shows.clear()  # yesterday's numbers are not today's
        day.parked.clear()
        for hall_id in (1, 2):
            hall.runtime.write_sync(lambda uow, hall_id=hall_id: expire_past_days(uow, hall_id))
    counts_agree(hall, step)


window_st = st.sampled_from(WINDOWS)
issue_st = st.tuples(
    st.just("issue"), st.sampled_from(["t1", "t1", "t2"]), st.sampled_from(["S1", "S2", "S3"]), st.booleans()
)
follow_up_st = st.sampled_from(
    [
        "conclude",
        "recall+conclude",
        "start+conclude",
        "no-show",
        "park",
        "start+park",
        "recall",  # left called: the next call-next at the window is refused
        *(f"transfer:{to}:{keep}" for to in ("S1", "S2", "S3", "2", "4") for keep in ("keep", "new")),
    ]
)
step_st = st.one_of(
    issue_st,
    issue_st,  # twice: the queues must grow for the windows to find tickets
    st.tuples(st.just("serve"), window_st, follow_up_st),
    st.tuples(st.just("requeue"), window_st, st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("callback"), window_st),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(steps=st.lists(step_st, min_size=10, max_size=30), expire_after=st.none() | st.integers(0, 30))
def test_the_kept_waiting_counts_equal_the_waiting_tickets_after_every_step(
    hall: Hall, steps: list[tuple[Any, ...]], expire_after: int | None
) -> None:
    if expire_after is not None:  # at most once an example: it empties the queues
        steps.insert(expire_after, ("expire",))
    day = Day()
    for step in steps:
        act(hall, day, step)
