"""A report over a period on in-memory stores: the one pass over the events, the closed days kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from queue_server.domain.actors import Actor
from queue_server.domain.stats import Grouping, Period
from queue_server.services.reports import days as report_days
from queue_server.services.reports import figures
from queue_server.services.reports.cells import NO_SHOWS, PRIORITY
from queue_server.services.reports.ports import ClerkName, DepartmentName, ServiceName
from tests.fakes.reports import CaseFact, Event
from tests.fakes.stores import FakeStores

MONDAY = date(2026, 3, 2)
NINE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
MANAGER = Actor(hall_id=1, role="manager", user_id=7, name="王经理")


def minutes(n: float) -> datetime:
    return NINE + timedelta(minutes=n)


def a_morning(stores: FakeStores) -> None:
    """Window 1 opens at nine; two tickets of service A: one served, one that never comes."""
    store = stores.reports
    store.services = [
        ServiceName(1, "A", "户籍办理", 1, "immediate"),
        ServiceName(2, "B", "社保业务", 1, "promised"),
    ]
    store.departments = [DepartmentName(1, "GA", "公安局")]
    store.clerks = [ClerkName(9, "C001", "李明")]
    store.events = [
        Event(minutes(0), "window.status", window_id=1, actor_user_id=9, note="open"),
        Event(minutes(1), "ticket.issued", ticket_id=1, service_id=1, channel="kiosk"),
        Event(minutes(2), "ticket.issued", ticket_id=2, service_id=1, note="elderly", channel="kiosk"),
        Event(minutes(11), "ticket.called", ticket_id=1, window_id=1, service_id=1, actor_user_id=9),
        Event(minutes(21), "ticket.concluded", ticket_id=1, window_id=1, service_id=1, actor_user_id=9),
        Event(minutes(22), "ticket.called", ticket_id=2, window_id=1, service_id=1, actor_user_id=9),
        Event(minutes(25), "ticket.no_show", ticket_id=2, window_id=1, service_id=1, actor_user_id=9),
        Event(minutes(60), "window.status", window_id=1, actor_user_id=9, note="closed"),
    ]
    store.case_facts = [CaseFact(minutes(21), 1, 1, 9, "immediate")]


def test_a_report_over_a_day_counts_waits_handling_and_outcomes_from_the_events() -> None:
    stores = FakeStores()
    a_morning(stores)

    report = figures.compute(stores.unit(NINE + timedelta(days=1)), MANAGER, MONDAY, MONDAY)

    total = report.total()
    assert (total.issued, total.served, total.n[NO_SHOWS], total.n[PRIORITY]) == (2, 1, 1, 1)
    assert total.waits == [600.0, 1200.0]
    assert total.handles == [600.0]
    assert total.open == 3600.0
    (row,) = report.rows(Grouping.CLERK, Period.CUSTOM)
    assert (row.key, row.label, row.served) == ("C001", "李明", 1)
    assert row.on_site_rate == 1.0


def test_a_closed_day_is_kept_and_read_back_with_the_same_figures() -> None:
    stores = FakeStores()
    a_morning(stores)
    tuesday = NINE + timedelta(days=1)
    walked = figures.compute(stores.unit(tuesday), MANAGER, MONDAY, MONDAY)
    assert [d.day for d in walked.closed] == [MONDAY]
    report_days.store(stores.unit(tuesday), 1, walked.closed)

    stores.reports.events.clear()  # were the day walked again, it would be empty now
    stores.reports.events.extend([Event(NINE, "ticket.issued", ticket_id=3, service_id=1)] * 5)
    stale = figures.compute(stores.unit(tuesday), MANAGER, MONDAY, MONDAY)
    assert stale.total().issued == 5  # the kept day no longer stands for the day's events: walked

    a_morning(stores)
    kept = figures.compute(stores.unit(tuesday), MANAGER, MONDAY, MONDAY)
    assert kept.closed == []  # nothing walked: the kept day was read back
    assert (kept.total().issued, kept.total().served, kept.total().waits) == (2, 1, [600.0, 1200.0])


def test_today_is_walked_but_not_kept_and_nothing_is_closed_twice() -> None:
    stores = FakeStores()
    a_morning(stores)

    today = figures.compute(stores.unit(minutes(90)), MANAGER, MONDAY, MONDAY)

    assert today.total().served == 1
    assert today.closed == []
    assert figures.close_days(stores.unit(NINE + timedelta(days=1)), 1) != []
    report_days.store(
        stores.unit(NINE + timedelta(days=1)), 1, figures.close_days(stores.unit(NINE + timedelta(days=1)), 1)
    )
    assert figures.close_days(stores.unit(NINE + timedelta(days=1)), 1) == []
