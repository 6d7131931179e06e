"""What a ticket's life costs a server process besides its SQL, counted (not timed): reads handed to
a worker thread, and the stores a unit of work builds. A device's token is read once, then kept
until it is revoked or the staff it speaks for change; each of those is seen by the next request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from queue_server.adapters.stores import SqlStores
from queue_server.api.routes import windows as windows_routes
from tests.server.conftest import Hall, start_hall

STAFF = "/api/v1/staff"
TOKENS = "/api/v1/devices/tokens"


@pytest.fixture
def reads(hall: Hall, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The reads the requests hand to a worker thread from now on (by the handler's name; the
    server's own background reads, housekeeping's and the outbox dispatcher's rounds, come on their
    own schedule: not counted)."""
    seen: list[str] = []
    read_sync = hall.runtime.read_sync

    def counted(handler: Callable[[Any], Any]) -> Any:
        name = getattr(handler, "__qualname__", repr(handler))
        if not name.startswith(("Housekeeper.", "Dispatcher.")):
            seen.append(name)
        return read_sync(handler)

    monkeypatch.setattr(hall.runtime, "read_sync", counted)
    return seen


@pytest.fixture
def built(hall: Hall, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[SqlStores]]:
    """Every unit of work's stores from now on, to see which of them it built."""
    made: list[SqlStores] = []
    database = hall.runtime.database
    stores = database.stores

    def kept(conn: Any) -> Any:
        made.append(stores(conn))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(database, "stores", kept)
    yield made


def test_a_devices_token_is_read_from_the_database_once(hall: Hall, reads: list[str]) -> None:
    assert hall.act("1", "open").status_code == 200
    first = len(reads)
    for _ in range(3):
        hall.issue("S1")
        assert hall.act("1", "call-next").status_code == 200
        assert hall.act("1", "conclude").status_code == 200
    hall.clock.advance(minutes=30)  # kept until revoked, not for a while
    hall.issue("S1")
    assert len(reads) == first + 1, reads  # the kiosk's token, the first time only


def test_a_window_request_builds_only_the_stores_it_uses(hall: Hall, built: list[SqlStores]) -> None:
    assert hall.act("1", "open").status_code == 200
    hall.issue("S1")
    built.clear()
    assert hall.act("1", "call-next").status_code == 200
    # Housekeeping's units may run meanwhile: the call's is one that touched the windows.
    units = [stores.built() for stores in built]
    calls = [names for names in units if "windows" in names]
    assert any(set(names) <= {"hall", "tickets", "windows", "outbox"} for names in calls), units
    assert max(len(names) for names in units) <= 6, units  # of the ~25 every unit used to build


def test_a_revoked_token_is_refused_by_the_next_request(hall: Hall) -> None:
    issued = hall.client.post(TOKENS, json={"role": "kiosk", "label": "k9"}, headers=hall.as_("manager"))
    assert issued.status_code == 201, issued.text
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    body = {"service_code": "S1"}
    assert hall.client.post("/api/v1/tickets", json=body, headers=headers).status_code == 201
    revoked = hall.client.post(f"{TOKENS}/{issued.json()['id']}/revoke", headers=hall.as_("manager"))
    assert revoked.status_code in (200, 204), revoked.text
    refused = hall.client.post("/api/v1/tickets", json=body, headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"


def test_a_deactivated_clerks_token_is_refused_by_the_next_request(hall: Hall) -> None:
    def clerks_token(uow: Any) -> str:
        catalogue = uow.catalogue(1)
        user_id = uow.stores.staff.user_id(1, "C1")
        window_id = catalogue.window("1").id
        conn = uow.stores.conn
        book = hall.runtime.tokens
        token, _ = book.create(
            conn, hall_id=1, role="clerk", now=uow.now, window_id=window_id, user_id=user_id
        )
        return token

    headers = {"Authorization": f"Bearer {hall.runtime.write_sync(clerks_token)}"}
    assert hall.client.get("/api/v1/windows/1", headers=headers).status_code == 200  # now kept
    off = hall.client.patch(f"{STAFF}/C1", json={"active": False}, headers=hall.as_("manager"))
    assert off.status_code == 200, off.text
    refused = hall.client.get("/api/v1/windows/1", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"
    assert hall.client.get("/api/v1/windows/1", headers=hall.as_("clerk1")).status_code == 200


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # one process owns a SQLite file
def test_on_postgresql_every_server_process_forgets_kept_tokens_when_staff_change(
    hall: Hall, db_url: str, templates: dict[str, str]
) -> None:
    other, _clock = start_hall(db_url, Path(templates["dir"]) / "secret.key")
    assert other.listener is not None
    other.listener.start()
    try:
        token = hall.tokens["clerk1"]
        assert other.read_sync(lambda uow: other.tokens.lookup(uow.stores.sessions, token)) is not None
        assert other.tokens.cached(token) is not None
        renamed = hall.client.patch(f"{STAFF}/C1", json={"name": "张敏华"}, headers=hall.as_("manager"))
        assert renamed.status_code == 200, renamed.text
        deadline = time.monotonic() + 30  # the event crosses through LISTEN/NOTIFY: wait for it
        while other.tokens.cached(token) is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert other.tokens.cached(token) is None
    finally:
        other.stop()


def test_a_citizens_status_page_and_a_pads_question_build_no_sqlalchemy_statement(hall: Hall) -> None:
    """Both are read on the driver's cursor (a reader's), as the window actions are written."""
    built: list[str] = []

    def note(_conn: Any, element: Any, *_args: Any) -> None:
        built.append(str(element))

    assert hall.act("1", "open").status_code == 200
    served, ticket = hall.issue("S1"), hall.issue("S1")
    for step in ("call-next", "start", "conclude"):
        assert hall.act("1", step).status_code == 200
    event.listen(hall.runtime.read_engine, "before_execute", note)
    try:
        for token in (ticket["token"], served["token"]):  # waiting, and concluded
            assert hall.client.get(f"/api/v1/tickets/{token}").status_code == 200
        pending = hall.client.get("/api/v1/windows/1/pending-evaluation", headers=hall.as_("evaluator1"))
        assert pending.status_code == 200 and pending.json()["ticket"] == served["number"], pending.text
    finally:
        event.remove(hall.runtime.read_engine, "before_execute", note)
    # the ticket by its token, whether it was transferred, its case's outcome, the window's latest
    # pending evaluation and its follow-up (the people ahead are still counted through Core)
    per_request = (  # the housekeeping's own reads may run meanwhile: these are the requests'
        "tickets.token =",
        "evaluations.window_id =",
        "events.ticket_id =",
        "cases.ticket_id =",
        "evaluation_follow_ups.evaluation_id IN",
    )
    assert not [sql for sql in built if any(part in sql for part in per_request)], built


def test_a_window_action_has_fastapi_solve_two_dependencies() -> None:
    """FastAPI solves every dependency and every dependency of one again on each request: the
    runtime and the caller, with nothing beneath (the caller was three levels deep)."""
    route = next(r for r in windows_routes.router.routes if getattr(r, "path", "").endswith("/call-next"))

    def solved(dependant: Any) -> int:
        return sum(1 + solved(sub) for sub in dependant.dependencies)

    assert solved(route.dependant) == 2


def test_a_status_page_and_a_pads_question_are_read_without_a_worker_thread(
    hall: Hall, reads: list[str]
) -> None:
    """Both go to the reader thread, woken once per batch, not one AnyIO worker hop each."""
    assert hall.act("1", "open").status_code == 200
    ticket = hall.issue("S1")
    pad = hall.as_("evaluator1")
    assert hall.client.get("/api/v1/windows/1/pending-evaluation", headers=pad).status_code == 200
    reader = hall.runtime.database.reader
    before, done = len(reads), reader.reads  # the pad's token was read (once) on a worker thread
    for _ in range(3):
        status = hall.client.get(f"/api/v1/tickets/{ticket['token']}")
        assert status.status_code == 200 and status.json()["number"] == ticket["number"]
        pending = hall.client.get("/api/v1/windows/1/pending-evaluation", headers=pad)
        assert pending.status_code == 200, pending.text
    assert reads[before:] == []
    assert reader.reads == done + 6
