"""The ticket page's SMS opt-in is limited per client address however many server processes serve
the hall: an address's changes are counted in the database (the address kept as a keyed hash), so
a second ``hallq serve`` on the same PostgreSQL, or the same server restarted, does not give it a
fresh allowance to text strangers' numbers with (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

from sqlalchemy import text

from tests.server.conftest import Hall
from tests.server.test_sms_notices_api import put_settings
from tests.server.test_sms_trial_allowance import serving

PHONE = {"phone": "13912345678"}


def change(hall: Hall, sms: str, n: int) -> int:
    """One opt-in change from the test client's address: opt in on even turns, out on odd ones."""
    answer = hall.client.put(sms, json=PHONE) if n % 2 == 0 else hall.client.delete(sms)
    return answer.status_code


def stored_keys(hall: Hall) -> list[str]:
    """The keys of the counted hits, as the database holds them."""
    with hall.runtime.read_engine.connect() as conn:
        return list(conn.scalars(text("SELECT key FROM recent_hits ORDER BY id")))


def test_two_servers_or_a_restart_share_one_address_s_ten_opt_in_changes_in_ten_minutes(
    db_url: str, templates: dict[str, str]
) -> None:
    postgresql = db_url.startswith("postgresql")
    with ExitStack() as first_open:
        first = first_open.enter_context(serving(db_url, templates))
        notices = {"enabled": True, "gateway": {"kind": "log"}}
        assert put_settings(first, notices=notices).status_code == 200
        sms = f"/api/v1/tickets/{first.issue('S1')['token']}/sms"
        site_jobs = first.runtime.writer.site_jobs
        assert [change(first, sms, n) for n in range(6)] == [200] * 6
        assert first.runtime.writer.site_jobs == site_jobs  # each change held its hall, not the site
        if not postgresql:
            first_open.close()  # one process owns a SQLite file: the server restarted instead
        with serving(db_url, templates, first.tokens) as second:
            assert [change(second, sms, n) for n in range(4)] == [200] * 4
            busy = second.client.put(sms, json=PHONE)
            assert (busy.status_code, busy.json().get("code")) == (429, "ticket.sms_busy")
            assert busy.json()["message"].startswith("操作过于频繁")
            assert 1 <= int(busy.headers["Retry-After"]) <= 600
            again = second.client.delete(sms)  # refused again (from that server's memory now)
            assert (again.status_code, again.json().get("code")) == (429, "ticket.sms_busy")
            assert 1 <= int(again.headers["Retry-After"]) <= int(busy.headers["Retry-After"])
            unknown = second.client.put("/api/v1/tickets/nope/sms", json=PHONE)
            assert (unknown.status_code, unknown.json().get("code")) == (404, "ticket.not_found")
            keys = stored_keys(second)
            assert len(keys) == 10 and "testclient" not in "".join(keys)  # hashed, not in clear
            later = first if postgresql else second
            if postgresql:  # the first, still serving, counts them too
                assert first.client.delete(sms).status_code == 429
            later.clock.advance(minutes=10)
            assert change(later, sms, 0) == 200  # ten minutes on, the allowance is back
            assert len(stored_keys(later)) == 1  # and the hits that no longer count are gone
            if postgresql:  # a fresh allowance asked for through both servers at once: ten go
                first.clock.advance(minutes=20)
                second.clock.now = first.clock.now  # one time for both, as on one machine
                with ThreadPoolExecutor(6) as pool:
                    answers = list(pool.map(lambda n: change((first, second)[n % 2], sms, n // 2), range(12)))
                assert sorted(answers) == [200] * 10 + [429] * 2
