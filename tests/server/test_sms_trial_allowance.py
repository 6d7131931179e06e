"""The manager's test texts are limited per hall however many server processes serve it: the
allowance is kept in the database, so a second ``hallq serve`` on the same PostgreSQL, or the same
server restarted, does not start it afresh (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from tests.server.conftest import Hall, make_tokens, start_hall

PHONE = {"phone": "13912345678"}


@contextmanager
def serving(db_url: str, templates: dict[str, str], tokens: dict[str, str] | None = None) -> Iterator[Hall]:
    """One server on the database (a process of its own as far as the allowance goes: its own
    runtime, writer and memory)."""
    runtime, clock = start_hall(db_url, Path(templates["dir"]) / "secret.key")
    with TestClient(create_app(runtime)) as client:
        yield Hall(client, runtime, clock, tokens or make_tokens(runtime))


def send_test_text(hall: Hall) -> tuple[int, str, str | None]:
    """A test text through the hall's gateway (none saved: the log-only one); status, code, Retry-After."""
    answer = hall.client.post("/api/v1/outbox/test-sms", json=PHONE, headers=hall.as_("manager"))
    return answer.status_code, answer.json().get("code", ""), answer.headers.get("Retry-After")


def test_two_servers_or_a_restart_share_one_allowance_of_five_in_ten_minutes(
    db_url: str, templates: dict[str, str]
) -> None:
    with ExitStack() as first_open:
        first = first_open.enter_context(serving(db_url, templates))
        assert [send_test_text(first)[0] for _ in range(3)] == [200] * 3
        if not db_url.startswith("postgresql"):
            first_open.close()  # one process owns a SQLite file: the server restarted instead
        with serving(db_url, templates, first.tokens) as second:
            assert [send_test_text(second)[0] for _ in range(2)] == [200] * 2
            status, code, retry_after = send_test_text(second)
            assert (status, code) == (429, "outbox.test_sms_busy")
            assert retry_after is not None and 1 <= int(retry_after) <= 600
            if db_url.startswith("postgresql"):  # the first, still serving, counts them too
                assert send_test_text(first)[:2] == (429, "outbox.test_sms_busy")
                first.clock.advance(minutes=10)
                assert send_test_text(first)[0] == 200  # ten minutes on, the allowance is back
                # A fresh allowance asked for by both servers at once: five go, whoever asks.
                first.clock.advance(minutes=20)
                second.clock.now = first.clock.now  # one time for both, as on one machine
                with ThreadPoolExecutor(8) as pool:
                    answers = list(pool.map(lambda n: send_test_text((first, second)[n % 2])[0], range(8)))
                assert sorted(answers) == [200] * 5 + [429] * 3
            else:
                second.clock.advance(minutes=10)
                assert send_test_text(second)[0] == 200
