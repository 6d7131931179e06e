"""The outbox across real ``hallq serve`` processes: a server killed between commit and send
delivers once after its restart; two servers on one PostgreSQL never send one message twice."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hardware_mocks.gateway import MockGateway
from queue_server.services.admin.catalogue_file import CatalogueFile
from tests.server.catalogue import small_hall
from tests.support.gateway import running_gateway
from tests.support.hall_server import HallServer, seed
from tests.support.postgres import PostgresCluster, create_database

SECRET_ENV = "HALLQ_TEST_OUTBOX_SECRET"
ENV = {SECRET_ENV: "outbox-secret", "HALLQ_OUTBOX_LEASE_SECONDS": "2"}


@pytest.fixture
def gateway() -> Iterator[MockGateway]:
    with running_gateway("outbox-secret") as server:
        yield server


def eventually(check: Callable[[], Any], timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def notices_on(server: HallServer, gateway: MockGateway) -> None:
    settings = server.call("GET", "/hall/settings").json()
    gateway_settings = {"kind": "http", "url": f"{gateway.url}/sms", "secret_env": SECRET_ENV}
    settings["notices"] = {"enabled": True, "gateway": gateway_settings}
    assert server.call("PUT", "/hall/settings", json=settings).status_code == 200


def sms_figures(server: HallServer) -> dict[str, Any]:
    destinations = server.call("GET", "/outbox").json()["destinations"]
    return next((d for d in destinations if d["destination"] == "sms"), {})


def site_jobs(server: HallServer) -> float:
    """How many writer jobs of a process named no hall, so locked the whole site (its /metrics)."""
    for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
        if line.startswith("hallq_writer_site_jobs_total "):
            return float(line.split()[1])
    raise AssertionError("no hallq_writer_site_jobs_total")


def children(pid: int) -> list[int]:
    """A process's children now (Linux: /proc/PID/task/*/children)."""
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def issue(server: HallServer, phone: str) -> dict[str, Any]:
    body = {"service_code": "S1", "phone": phone, "sms": True}
    response = server.call("POST", "/tickets", who="kiosk", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_server_killed_while_sending_delivers_the_message_once_after_its_restart(
    tmp_path: Path, gateway: MockGateway
) -> None:
    db = tmp_path / "hall.db"
    tokens = seed(db, CatalogueFile.model_validate(small_hall("t1")))
    server = HallServer(db, tokens, log=tmp_path / "server.log", env=ENV).start()
    try:
        notices_on(server, gateway)
        gateway.emulator.behaviour.slow = 3.0  # the send is in flight when the server dies
        ticket = issue(server, "13800138000")
        assert eventually(lambda: gateway.emulator.requests >= 1)
        assert server.process is not None
        sending = children(server.process.pid)  # its sending process (and multiprocessing's tracker)
        assert sending
        server.process.kill()  # kill -9: the send's result is never stored
        server.process.wait(10)
        server.process = None
        assert eventually(lambda: not any(Path(f"/proc/{pid}").exists() for pid in sending), 30)
        assert eventually(lambda: gateway.emulator.received)  # the gateway did deliver it
        gateway.emulator.behaviour.slow = 0.0
        server.start()
        assert eventually(lambda: sms_figures(server).get("sent") == 1)  # sent again after the lease
    finally:
        if server.process is not None:
            server.process.kill()
            server.process.wait(10)
    assert [r["key"] for r in gateway.emulator.received] == [f"sms:{ticket['token']}:taken"]
    assert gateway.emulator.duplicates >= 1  # the second send carried the same key: delivered once


def test_two_servers_on_one_postgresql_send_each_message_once(
    pg_cluster: PostgresCluster, tmp_path: Path, gateway: MockGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HALLQ_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    db_url = create_database(pg_cluster.url, f"hallq_outbox_{uuid.uuid4().hex[:8]}")
    tokens = seed(db_url, CatalogueFile.model_validate(small_hall("t1")))  # type: ignore[arg-type]
    env = {**ENV, "HALLQ_SECRET_KEY_FILE": os.environ["HALLQ_SECRET_KEY_FILE"]}
    servers = [  # ``db`` is passed as --db: here a PostgreSQL URL, not a file
        HallServer(db_url, tokens, log=tmp_path / f"server{n}.log", env=env)  # type: ignore[arg-type]
        for n in (1, 2)
    ]
    started: list[HallServer] = []
    try:
        for server in servers:
            started.append(server.start())
        notices_on(servers[0], gateway)
        gateway.emulator.behaviour.slow = 0.05  # sends overlap: both dispatchers have work at once
        for n in range(30):
            issue(servers[n % 2], f"138{n:08d}")
        assert eventually(lambda: sms_figures(servers[1]).get("sent") == 30)
        # The dispatchers' claim and record jobs took their own lock, never the whole site: they
        # ran beside the halls' writes (no job of either process locked every hall).
        assert [site_jobs(server) for server in servers] == [0, 0]
    finally:
        for server in started:
            if server.process is not None:
                server.process.kill()
                server.process.wait(10)
    assert len(gateway.emulator.received) == 30
    assert gateway.emulator.requests == 30 and gateway.emulator.duplicates == 0
