"""The "one priority in two calls" rule holds through recalls, no-shows, requeues and transfers.

Hypothesis drives random clerk days through the HTTP API of a real server (a fresh SQLite file per
example). Before every call-next the test reads the waiting tickets from the database; it keeps its
own log of each window's calls from the API's answers (a recall is not a call), and checks the
window called what the hall's rule says: tickets sent to it first; else a priority ticket exactly
when one waits and either no normal ticket waits for the window or its previous call was a normal one.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from queue_server.adapters import tables as t
from queue_server.api.app import create_app
from tests.server.conftest import Hall, _loaded, make_tokens, start_hall

WINDOWS = ("1", "2", "3", "4")
SERVES = {"1": {"S1", "S2"}, "2": {"S2"}, "3": {"S3", "S4"}, "4": {"S1", "S3"}}  # tests/server/catalogue.py


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A migrated SQLite file with the small halls, copied for every example."""
    folder = tmp_path_factory.mktemp("priority_rule")
    key_file = folder / "secret.key"
    _loaded(str(folder / "template.db"), key_file)
    return folder / "template.db", key_file


@contextmanager
def fresh_hall(template: tuple[Path, Path]) -> Iterator[Hall]:
    """A running server on its own copy of the template, windows 1–4 open."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "hall.db"
        shutil.copyfile(template[0], db)
        runtime, clock = start_hall(str(db), template[1])
        tokens = make_tokens(runtime)
        with TestClient(create_app(runtime)) as client:
            hall = Hall(client, runtime, clock, tokens)
            hall.open_all()
            yield hall
        runtime.write_engine.dispose()
        runtime.read_engine.dispose()


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket as the database holds it."""

    number: str
    service: str
    priority: bool
    target_window: str | None


def waiting_tickets(hall: Hall) -> list[Waiting]:
    def read(uow: Any) -> list[Waiting]:
        conn = uow.stores.conn
        services = dict(conn.execute(select(t.services.c.id, t.services.c.code)).all())
        windows = dict(conn.execute(select(t.windows.c.id, t.windows.c.number)).all())
        rows = conn.execute(
            select(t.tickets).where(t.tickets.c.hall_id == 1, t.tickets.c.status == "waiting")
        )
        return [
            Waiting(
                r.number,
                services[r.service_id],
                r.priority_class is not None,
                windows.get(r.target_window_id),
            )
            for r in rows
        ]

    return hall.runtime.read_sync(read)


@dataclass
class Day:
    """What the test saw: each window's calls (number, priority) and the tickets that went no-show."""

    calls: dict[str, list[tuple[str, bool]]] = field(default_factory=lambda: {w: [] for w in WINDOWS})
    no_shows: list[str] = field(default_factory=list)
    priority_calls: int = 0


def check_call(hall: Hall, day: Day, window: str) -> None:
    """Call the next ticket at ``window`` and check it against the rule."""
    waiting = waiting_tickets(hall)
    sent_here = {w.number for w in waiting if w.target_window == window}
    general = [w for w in waiting if w.target_window is None and w.service in SERVES[window]]
    response = hall.act(window, "call-next")
    if response.status_code == 409:  # the window still holds a ticket
        assert response.json()["code"] == "window.busy"
        return
    assert response.status_code == 200, response.text
    ticket = response.json()["ticket"]
    called = ticket["number"] if ticket else None
    if sent_here:
        assert called in sent_here
    elif not general:
        assert called is None
    else:
        by_number = {w.number: w for w in general}
        assert called in by_number
        priority_waits = any(w.priority for w in general)
        normal_waits = any(not w.priority for w in general)
        last_was_priority = bool(day.calls[window]) and day.calls[window][-1][1]
        expected = priority_waits and (not normal_waits or not last_was_priority)
        assert by_number[called].priority == expected, (window, called, day.calls[window], general)
    if called is not None:
        priority = ticket["priority_class"] is not None
        day.calls[window].append((called, priority))
        day.priority_calls += priority


window_st = st.sampled_from(WINDOWS)
action = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(["S1", "S2", "S3"]), st.booleans()),
    st.tuples(st.just("call"), window_st),
    st.tuples(st.just("call"), window_st),
    st.tuples(st.just("recall"), window_st),
    st.tuples(st.just("conclude"), window_st),
    st.tuples(st.just("no-show"), window_st),
    st.tuples(st.just("requeue"), window_st, st.integers(min_value=0, max_value=3)),
    st.tuples(
        st.just("transfer"), window_st, st.sampled_from(["S1", "S2", "S3", "1", "2", "4"]), st.booleans()
    ),
)


def act(hall: Hall, day: Day, step: tuple[Any, ...]) -> None:
    kind, *args = step
    hall.clock.advance(seconds=7)
    if kind == "issue":
        service, priority = args
        hall.issue(service, **({"priority_class": "elderly"} if priority else {}))
    elif kind == "call":
        check_call(hall, day, args[0])
    elif kind == "recall" or kind == "conclude":
        assert hall.act(args[0], kind).status_code in (200, 409)
    elif kind == "no-show":
        response = hall.act(args[0], "no-show")
        if response.status_code == 200:
            day.no_shows.append(response.json()["ticket"]["number"])
    elif kind == "requeue" and day.no_shows:
        number = day.no_shows.pop(0)
        response = hall.act(args[0], "requeue", body={"ticket": number, "places_back": args[1]})
        assert response.status_code in (200, 409), response.text
    elif kind == "transfer":
        window, to, keep = args
        body = {
            "reason": "转办",
            "keep_place": keep,
            **({"to_window": to} if to.isdigit() else {"to_service": to}),
        }
        assert hall.act(window, "transfer", body=body).status_code in (200, 409, 422)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(action, min_size=10, max_size=60))
def test_every_call_follows_the_priority_rule_through_recalls_requeues_and_transfers(
    template: tuple[Path, Path], steps: list[tuple[Any, ...]]
) -> None:
    with fresh_hall(template) as hall:
        day = Day()
        for step in steps:
            act(hall, day, step)
        for window in WINDOWS:  # and the same again until every queue is empty
            for _ in range(40):
                hall.act(window, "conclude")
                before = sum(len(c) for c in day.calls.values())
                check_call(hall, day, window)
                if sum(len(c) for c in day.calls.values()) == before:
                    break


def test_priority_wave_with_recalls_alternates_with_normal_tickets(template: tuple[Path, Path]) -> None:
    """A fixed day the property test also covers: recalls between calls keep the 1-in-2 rhythm."""
    with fresh_hall(template) as hall:
        for _ in range(4):
            hall.issue("S1", priority_class="elderly")
            hall.issue("S1")
        day = Day()
        for _ in range(8):
            check_call(hall, day, "1")
            hall.act("1", "recall")
            hall.act("1", "conclude")
        assert [p for _, p in day.calls["1"]] == [True, False] * 4
