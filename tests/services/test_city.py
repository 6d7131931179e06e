"""The city view on the in-memory stores: thirty halls cost six reads, and each hall keeps its own day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queue_server.domain.actors import Actor
from queue_server.domain.errors import Forbidden
from queue_server.services.city.overview import overview
from queue_server.services.city.ports import CityHall
from tests.fakes.stores import FakeStores

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 05:00 in Moscow
CITY = Actor(hall_id=1, role="city", name="政务服务管理局")


def city_of(count: int) -> FakeStores:
    stores = FakeStores()
    stores.city.hall_rows = [
        CityHall(n, f"h{n}", f"大厅{n}", f"Hall {n}", "Asia/Shanghai") for n in range(1, count + 1)
    ]
    for n in range(1, count + 1):
        stores.city.waiting_tickets += [n] * n
        stores.city.calls.append((n, NOW - timedelta(minutes=n + 10), NOW - timedelta(minutes=10)))
    return stores


def test_thirty_halls_cost_the_six_reads_of_one() -> None:
    stores = city_of(30)

    view = overview(stores.unit(NOW), CITY)

    assert stores.city.statements == 6
    assert [h.waiting for h in view.halls] == list(range(1, 31))
    assert [h.wait_mean for h in view.halls[:3]] == [60.0, 120.0, 180.0]


def test_each_hall_counts_its_own_local_day() -> None:
    stores = city_of(1)
    stores.city.hall_rows.append(CityHall(2, "msk", "莫斯科", "Moscow", "Europe/Moscow"))
    yesterday_in_moscow = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 23:30 Moscow, 04:30 Shanghai
    stores.city.concluded += [(1, yesterday_in_moscow), (2, yesterday_in_moscow)]
    stores.city.rated += [(1, yesterday_in_moscow, "satisfied"), (2, yesterday_in_moscow, "dissatisfied")]

    shanghai, moscow = overview(stores.unit(NOW), CITY).halls

    assert (shanghai.served, shanghai.good_rate_today, shanghai.good_rate_month) == (1, 1.0, 1.0)
    assert (moscow.served, moscow.good_rate_today, moscow.good_rate_month) == (0, None, 0.0)
    assert stores.city.statements == 11  # the halls once, then five figures per clock


@pytest.mark.parametrize("role", ["manager", "admin", "clerk", "board", "kiosk"])
def test_no_hall_role_reads_the_city(role: str) -> None:
    stores = city_of(2)
    with pytest.raises(Forbidden):
        overview(stores.unit(NOW), Actor(hall_id=1, role=role, name="x"))
    assert stores.city.statements == 0
