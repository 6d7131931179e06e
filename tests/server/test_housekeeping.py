"""Housekeeping in small writer jobs: expiries, alerts and the day's close never hold the writer long."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from queue_server.adapters import tables as t
from queue_server.api.chores import FIRST_LIMIT, Housekeeper
from queue_server.services.operations import alerts
from tests.server.conftest import Hall
from tests.server.test_evaluations_api import concluded, evaluation_of


def pending(uow: Any) -> int:
    e = t.evaluations.c
    return int(uow.stores.conn.execute(select(func.count()).where(e.status == "pending")).scalar())


async def keep_house_while_watching(hall: Hall, keeper: Housekeeper) -> tuple[Any, list[int]]:
    """Run a housekeeping round while other writer jobs keep arriving; each job notes how many
    evaluations were still pending when it ran."""
    seen: list[int] = []
    task = asyncio.ensure_future(keeper.run(1))
    while not task.done():
        seen.append(await hall.runtime.write(pending))
    return await task, seen


def test_overdue_evaluations_expire_in_small_writer_jobs_with_other_work_between(hall: Hall) -> None:
    hall.open_all()
    tickets = [concluded(hall) for _ in range(30)]
    hall.clock.advance(seconds=300)  # past every rating deadline
    keeper = Housekeeper(hall.runtime, max_limit=4)
    done, seen = asyncio.run(keep_house_while_watching(hall, keeper))
    assert all(evaluation_of(hall, ticket)["status"] == "unrated" for ticket in tickets)
    assert done.items >= 30 and done.jobs >= 30 // 4
    assert any(0 < n < 30 for n in seen), seen  # other jobs ran while the expiry was half done
    assert keeper.limits.get("unrated evaluations", FIRST_LIMIT) <= 4


def test_tickets_left_from_an_earlier_day_expire_in_chunks(hall: Hall) -> None:
    issued = [hall.issue("S1")["number"] for _ in range(12)]
    hall.clock.advance(days=1)
    done = asyncio.run(Housekeeper(hall.runtime, max_limit=5).run(1))
    assert done.jobs >= 3
    for number in issued:
        found = hall.runtime.read_sync(
            lambda uow, number=number: uow.stores.conn.execute(
                select(t.tickets.c.status).where(t.tickets.c.number == number, t.tickets.c.hall_id == 1)
            ).scalar()
        )
        assert found == "expired"
    expired = hall.runtime.read_sync(
        lambda uow: uow.stores.conn.execute(
            select(func.count()).where(t.events.c.type == "ticket.expired", t.events.c.hall_id == 1)
        ).scalar()
    )
    assert expired == 12  # one event each, none twice


def test_alerts_are_raised_then_cleared_one_change_per_job(hall: Hall) -> None:
    hall.issue("S1")  # no window open serves it: 无人受理
    keeper = Housekeeper(hall.runtime, max_limit=1)
    asyncio.run(keeper.run(1))
    standing = hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json()
    assert [a["rule"] for a in standing] == ["service.uncovered"]
    assert hall.act("1", "open").status_code == 200
    asyncio.run(keeper.run(1))
    assert hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json() == []


def test_an_alert_plan_read_twice_raises_and_clears_each_alert_once(hall: Hall) -> None:
    def apply_both() -> None:
        """Two plans read before either is applied (the server's own rounds may run between)."""
        plans = [hall.runtime.read_sync(lambda uow: alerts.plan(uow, 1)) for _ in range(2)]
        for plan in plans:
            hall.runtime.write_sync(lambda uow, plan=plan: alerts.apply_changes(uow, 1, plan))

    def recorded(type_: str) -> int:
        e = t.events.c
        query = select(func.count()).where(e.type == type_, e.hall_id == 1)
        return int(hall.runtime.read_sync(lambda uow: uow.stores.conn.execute(query).scalar()))

    hall.issue("S1")  # no window open serves it: 无人受理
    apply_both()
    standing = hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json()
    assert [a["rule"] for a in standing] == ["service.uncovered"]
    assert recorded("alert.raised") == 1
    assert hall.act("1", "open").status_code == 200
    apply_both()
    assert hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json() == []
    assert recorded("alert.cleared") == 1
