"""Several server processes on one database: numbers stay unique, claims single, events shared."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hallq.bootstrap import make_runtime
from queue_server.api.app import create_app
from queue_server.config import ServerSettings
from tests.server.conftest import make_tokens


@pytest.fixture
def two_servers(
    db_url: str, templates: dict[str, str]
) -> Iterator[tuple[TestClient, TestClient, dict[str, str]]]:
    """Two independent server runtimes (as two processes would have) on the same database."""
    key = str(Path(templates["dir"]) / "secret.key")
    first = make_runtime(ServerSettings(db=db_url, secret_key_file=key))
    second = make_runtime(ServerSettings(db=db_url, secret_key_file=key))
    tokens = make_tokens(first)
    with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
        yield a, b, tokens


def bearer(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def test_concurrent_issues_on_two_servers_never_share_or_skip_a_number(two_servers) -> None:  # type: ignore[no-untyped-def]
    a, b, tokens = two_servers

    def issue(client: TestClient) -> list[str]:
        numbers = []
        for _ in range(40):
            response = client.post(
                "/api/v1/tickets", json={"service_code": "S1"}, headers=bearer(tokens, "kiosk")
            )
            assert response.status_code == 201, response.text
            numbers.append(response.json()["number"])
        return numbers

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(issue, [a, b, a, b]))
    numbers = sorted(n for batch in results for n in batch)
    assert numbers == [f"A{n:03d}" for n in range(1, 161)]


def test_windows_on_two_servers_never_claim_the_same_ticket(two_servers) -> None:  # type: ignore[no-untyped-def]
    a, b, tokens = two_servers
    for window in ("1", "4"):
        assert (
            a.post(f"/api/v1/windows/{window}/open", headers=bearer(tokens, f"clerk{window}")).status_code
            == 200
        )
    for _ in range(30):
        a.post("/api/v1/tickets", json={"service_code": "S1"}, headers=bearer(tokens, "kiosk"))

    def work(args: tuple[TestClient, str]) -> list[str]:
        client, window = args
        got = []
        while True:
            response = client.post(
                f"/api/v1/windows/{window}/call-next", headers=bearer(tokens, f"clerk{window}")
            )
            assert response.status_code == 200, response.text
            ticket = response.json()["ticket"]
            if ticket is None:
                return got
            got.append(ticket["number"])
            client.post(f"/api/v1/windows/{window}/conclude", headers=bearer(tokens, f"clerk{window}"))

    with ThreadPoolExecutor(2) as pool:
        one, four = pool.map(work, [(a, "1"), (b, "4")])
    assert not set(one) & set(four)
    assert sorted(one + four) == [f"A{n:03d}" for n in range(1, 31)]


# A SQLite file is served by one process; events cross processes on PostgreSQL (LISTEN/NOTIFY).
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_board_on_one_server_sees_a_call_made_through_another(two_servers) -> None:  # type: ignore[no-untyped-def]
    a, b, tokens = two_servers
    a.post("/api/v1/windows/1/open", headers=bearer(tokens, "clerk1"))
    a.post("/api/v1/tickets", json={"service_code": "S1"}, headers=bearer(tokens, "kiosk"))
    with b.websocket_connect(f"/ws?token={tokens['board']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["window:1"]})
        snapshot = ws.receive_json()
        assert snapshot["type"] == "snapshot"
        a.post("/api/v1/windows/1/call-next", headers=bearer(tokens, "clerk1"))
        frame = ws.receive_json()
        assert frame["type"] == "ticket.called" and frame["payload"]["number"] == "A001"
        assert frame["seq"] == snapshot["seq"] + 1
