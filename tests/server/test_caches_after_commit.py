"""A server process's caches change only after a commit, and figures that several processes
update are merged in the database, never overwritten from one process's memory."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hallq.bootstrap import make_runtime
from queue_server.adapters import tables as t
from queue_server.adapters.writer import TRANSACTION_NOTES
from queue_server.api.app import create_app
from queue_server.config import ServerSettings
from queue_server.domain.errors import Rejected
from queue_server.runtime import Runtime
from queue_server.services.unit_of_work import UnitOfWork
from tests.server.conftest import Hall, make_tokens, start_hall


def test_a_catalogue_change_that_rolls_back_never_reaches_the_cache(hall: Hall) -> None:
    hall_id = hall.runtime.read_sync(lambda uow: uow.stores.hall.hall_id("t1"))
    before = hall.runtime.read_sync(lambda uow: uow.catalogue(hall_id))

    def rename_then_fail(uow: UnitOfWork) -> None:
        uow.stores.conn.execute(update(t.halls).where(t.halls.c.id == hall_id).values(name="改名"))
        assert uow.refresh_catalogue(hall_id).name == "改名"  # this transaction sees its change
        raise Rejected("request.invalid", detail="then a rule refuses it")

    with pytest.raises(Rejected):
        hall.runtime.write_sync(rename_then_fail)
    cached = hall.runtime.caches.catalogues[hall_id]
    assert cached.name == before.name and cached.version == before.version
    snapshot = hall.client.get("/api/v1/hall", headers=hall.as_("board")).json()
    assert snapshot["hall"]["name"] == before.name


def test_a_catalogue_change_is_seen_by_the_next_job_of_the_same_grouped_transaction(hall: Hall) -> None:
    hall_id = hall.runtime.read_sync(lambda uow: uow.stores.hall.hall_id("t1"))
    hall.runtime.read_sync(lambda uow: uow.catalogue(hall_id))  # cached, as a busy hall has it
    writer = hall.runtime.writer
    seen: list[str] = []

    transactions: list[int] = []

    def rename(uow: UnitOfWork) -> None:
        transactions.append(id(uow.stores.conn.info[TRANSACTION_NOTES]))
        uow.stores.conn.execute(update(t.halls).where(t.halls.c.id == hall_id).values(name="改名"))
        uow.refresh_catalogue(hall_id)

    def look(uow: UnitOfWork) -> None:
        transactions.append(id(uow.stores.conn.info[TRANSACTION_NOTES]))
        seen.append(uow.catalogue(hall_id).name)

    unit = hall.runtime._unit
    running, queued = threading.Event(), threading.Event()

    def hold(_conn: Any, _outbox: Any) -> None:  # holds the writer while the two jobs queue
        running.set()
        queued.wait(30)

    gate = writer.submit(hold)
    assert running.wait(30)
    first = writer.submit(lambda conn, outbox: rename(unit(conn, outbox)))
    second = writer.submit(lambda conn, outbox: look(unit(conn, outbox)))
    queued.set()
    for future in (gate, first, second):
        future.result(30)
    assert transactions[0] == transactions[1]  # the two ran as one batch, in one transaction
    assert seen == ["改名"]
    assert hall.runtime.caches.catalogues[hall_id].name == "改名"  # and the cache has it after commit


def _conclude_one(client: TestClient, tokens: dict[str, str], window: str) -> None:
    clerk = {"Authorization": f"Bearer {tokens[f'clerk{window}']}"}
    assert client.post(f"/api/v1/windows/{window}/call-next", headers=clerk).status_code == 200
    assert client.post(f"/api/v1/windows/{window}/conclude", headers=clerk).status_code == 200


def test_handling_figures_from_two_server_processes_are_merged_not_overwritten(
    db_url: str, templates: dict[str, str]
) -> None:
    key = Path(templates["dir"]) / "secret.key"
    first, clock = start_hall(db_url, key)
    tokens = make_tokens(first)
    second = make_runtime(ServerSettings(db=db_url, secret_key_file=str(key)), clock)
    kiosk = {"Authorization": f"Bearer {tokens['kiosk']}"}
    with TestClient(create_app(first)) as one, TestClient(create_app(second)) as two:
        for client, window in ((one, "1"), (two, "4")):  # windows 1 and 4 both serve S1
            clerk = {"Authorization": f"Bearer {tokens[f'clerk{window}']}"}
            assert client.post(f"/api/v1/windows/{window}/open", headers=clerk).status_code == 200
        for client in (one, two):  # each process estimates a wait: each now holds S1's figure
            issued = client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=kiosk)
            assert issued.status_code == 201
        clock.advance(minutes=6)
        _conclude_one(one, tokens, "1")
        _conclude_one(two, tokens, "4")  # its memory still says no case was concluded
    stats: Any = _stored_stats(first, "S1")
    assert stats.samples == 2


def _stored_stats(runtime: Runtime, code: str) -> Any:
    def read(uow: UnitOfWork) -> Any:
        return uow.stores.conn.execute(
            select(t.service_stats)
            .join(t.services, t.services.c.id == t.service_stats.c.service_id)
            .where(t.services.c.code == code, t.services.c.hall_id == uow.stores.hall.hall_id("t1"))
        ).one()

    return runtime.read_sync(read)
