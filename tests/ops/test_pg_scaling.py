"""Two ``hallq serve`` processes writing the same halls of one PostgreSQL database at the same time.

Every kiosk and window sends its requests to both processes in turn, so both writers batch jobs of
both halls together, which is what used to deadlock (counter and window rows locked in different
orders). Now: no 5xx, no deadlock (PostgreSQL's own count and the logs), every replied ticket
stored under its number, numbers 1..n without gap or duplicate, no ticket called twice, and each
process's board sees the hall's events with a gap-free seq. Then one process is killed (-9) in the
middle of a burst of writes: the other keeps serving the same halls, every request answered in
bounded time.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from websockets.sync.client import ClientConnection, connect

from benchmarks.day import HallSetup, pg_deadlocks, prepare
from tests.support.hall_server import HallServer
from tests.support.postgres import PostgresCluster, create_database

HALLS, WINDOWS, KIOSKS, TICKETS_PER_KIOSK = 2, 3, 2, 6  # kiosks per hall and process
REPLY_BOUND = 15.0  # seconds: the longest any request may take, also across the kill


@dataclass
class Site:
    """Two processes on one database, the halls they both serve, and what the clients saw."""

    url: str
    servers: list[HallServer]
    halls: list[HallSetup]
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: float = 0.0
    issued: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (hall, number)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, server: HallServer, method: str, path: str, token: str, key: str = "", **kwargs: Any
    ) -> httpx.Response:
        began = time.monotonic()
        headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
        reply = httpx.request(method, f"{server.url}/api/v1{path}", headers=headers, timeout=60, **kwargs)
        with self.lock:
            self.statuses[reply.status_code] += 1
            self.slowest = max(self.slowest, time.monotonic() - began)
        return reply

    def issue(self, server: HallServer, hall: HallSetup, service: str) -> None:
        reply = self.send(
            server, "POST", "/tickets", hall.kiosk, uuid.uuid4().hex, json={"service_code": service}
        )
        assert reply.status_code == 201, reply.text
        with self.lock:
            self.issued[reply.json()["token"]] = (hall.code, reply.json()["number"])

    def serve(self, servers: list[HallServer], hall: HallSetup, window: str, until: threading.Event) -> None:
        """A window calling, starting and concluding, each request to the next process in turn."""
        turn = itertools.cycle(servers)
        clerk = hall.clerks[window]
        assert self.send(next(turn), "POST", f"/windows/{window}/open", clerk).status_code == 200
        while True:
            called = self.send(next(turn), "POST", f"/windows/{window}/call-next", clerk)
            assert called.status_code == 200, called.text
            if called.json().get("ticket") is None:
                if until.is_set():
                    return
                time.sleep(0.05)
                continue
            for action in ("start", "conclude"):
                reply = self.send(next(turn), "POST", f"/windows/{window}/{action}", clerk)
                assert reply.status_code == 200, reply.text


class Board:
    """A board's websocket on one process, reading the hall topic on a thread; seq checked."""

    def __init__(self, server: HallServer, token: str) -> None:
        self.ws: ClientConnection = connect(
            f"ws://127.0.0.1:{server.port}/ws?token={token}", open_timeout=30, legacy=True
        )
        self.ws.send(json.dumps({"type": "subscribe", "topics": ["hall"]}))
        self.seqs: list[int] = []
        self.called: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while True:
                frame = json.loads(self.ws.recv(timeout=120))
                if frame["type"] == "heartbeat":
                    continue
                self.seqs.append(frame["seq"])
                if frame["type"] == "ticket.called":
                    self.called.append(frame["payload"]["number"])
        except Exception:  # closed by the test (or its process killed)
            return

    def close(self) -> None:
        self.ws.close()
        self.thread.join(10)


@pytest.fixture
def site(pg_cluster: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("HALLQ_SECRET_KEY_FILE", str(tmp_path / "secret.key"))  # one key for all
    url = create_database(pg_cluster.url, f"hallq_scale_{uuid.uuid4().hex[:8]}")
    halls = prepare(url, HALLS, WINDOWS)
    servers = [HallServer(url, {}, log=tmp_path / f"server{n}.log") for n in (1, 2)]  # type: ignore[arg-type]
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda s: s.start(), servers))
        yield Site(url, servers, halls)
    finally:
        for server in servers:
            if server.process is not None:
                server.process.kill()
                server.process.wait(10)


def stored(url: str) -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], list[int]], int]:
    """Tickets by token, each hall's sequence numbers per prefix, and tickets called twice."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.token, h.code, t.number, t.prefix, t.seq "
                "FROM tickets t JOIN halls h ON h.id = t.hall_id"
            )
        ).all()
        twice = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT ticket_id FROM events WHERE type = 'ticket.called' "
                "GROUP BY ticket_id HAVING count(*) > 1) AS c"
            )
        ).scalar_one()
    engine.dispose()
    sequences: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        sequences.setdefault((r.code, r.prefix), []).append(r.seq)
    return {r.token: (r.code, r.number) for r in rows}, sequences, int(twice)


def logs(site: Site) -> str:
    return "".join(s.log.read_text(errors="replace") for s in site.servers if s.log)  # type: ignore[union-attr]


def test_two_processes_writing_the_same_halls_never_deadlock_and_lose_nothing(site: Site) -> None:
    before = pg_deadlocks(site.url)
    boards = [Board(server, site.halls[0].board) for server in site.servers]
    done = threading.Event()
    with ThreadPoolExecutor(HALLS * (2 * KIOSKS + WINDOWS)) as pool:
        windows = [
            pool.submit(site.serve, site.servers, hall, number, done)
            for hall in site.halls
            for number in hall.windows
        ]
        services = {h.code: sorted({s for served in h.windows.values() for s in served}) for h in site.halls}

        def kiosk(server: HallServer, hall: HallSetup) -> None:  # one number sequence: one counter row
            for _ in range(TICKETS_PER_KIOSK):
                site.issue(server, hall, services[hall.code][0])

        kiosks = [
            pool.submit(kiosk, server, hall)
            for hall in site.halls
            for server in site.servers
            for _ in range(KIOSKS)
        ]
        for issuing in kiosks:
            issuing.result()
        done.set()
        for window in windows:
            window.result()
    issued = HALLS * 2 * KIOSKS * TICKETS_PER_KIOSK
    assert len(site.issued) == issued
    assert not [code for code in site.statuses if code >= 500], site.statuses
    assert pg_deadlocks(site.url) == before and "deadlock detected" not in logs(site)
    tickets, sequences, twice = stored(site.url)
    assert all(tickets.get(token) == where for token, where in site.issued.items())  # nothing lost
    for seqs in sequences.values():  # no duplicate, no gap
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    assert twice == 0
    # Every call of hall 0 reached both processes' boards, in the one order, with a gap-free seq.
    hall0 = {number for code, number in site.issued.values() if code == site.halls[0].code}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(set(b.called) != hall0 for b in boards):
        time.sleep(0.1)
    for board in boards:
        board.close()
        assert set(board.called) == hall0
        assert board.seqs == list(range(board.seqs[0], board.seqs[0] + len(board.seqs)))
    assert boards[0].called == boards[1].called
    # Every request named its caller's hall: no job had to lock the whole site.
    assert [metric(server, "hallq_writer_site_jobs_total") for server in site.servers] == [0, 0]

    # One process dies (kill -9) in the middle of a burst of writes to both halls on both: the
    # survivor keeps issuing and calling for the same halls, each reply within the bound.
    doomed, survivor = site.servers
    assert doomed.process is not None
    site.slowest = 0.0
    with ThreadPoolExecutor(4) as pool:
        burst = [
            pool.submit(lambda h=hall: [_try_issue(site, doomed, h, services[h.code][0]) for _ in range(20)])
            for hall in site.halls
        ]
        under_way = len(site.issued) + 4
        while len(site.issued) < under_way and not all(b.done() for b in burst):
            time.sleep(0.01)
        doomed.process.kill()
        doomed.process.wait(10)
        for hall in site.halls:
            site.issue(survivor, hall, services[hall.code][0])
            window = next(iter(hall.windows))
            called = site.send(survivor, "POST", f"/windows/{window}/call-next", hall.clerks[window])
            assert called.status_code == 200 and called.json()["ticket"] is not None, called.text
        for lost in burst:
            lost.result()
    assert site.slowest < REPLY_BOUND
    assert not [code for code in site.statuses if code >= 500], site.statuses
    tickets, sequences, _ = stored(site.url)
    assert all(tickets.get(token) == where for token, where in site.issued.items())
    for seqs in sequences.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))


def metric(server: HallServer, name: str) -> float:
    """One unlabelled figure of a process's /metrics."""
    for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no {name}")


def _try_issue(site: Site, server: HallServer, hall: HallSetup, service: str) -> None:
    """Issue on a process that may die meanwhile: a refused connection is not a failure."""
    try:
        site.issue(server, hall, service)
    except httpx.TransportError:
        return
