"""A hall in memory for service-level unit tests: the fakes of every store and a clock moved by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from queue_server.domain.hall import AssignmentRule, HallCatalogue, HallSettings, ServiceItem, WindowItem
from queue_server.domain.hours import OpeningHours
from queue_server.services.live import LiveEvent
from queue_server.services.unit_of_work import Caches, UnitOfWork
from tests.fakes.stores import FakeStores

HALL = 1
S1, S2, S3 = 11, 12, 13  # S1 and S2 share prefix A; S3 (prefix B) issues at most 2 a day
W1, W2, W3 = 21, 22, 23


def small_catalogue() -> HallCatalogue:
    """Window 1 serves S1 then S2, window 2 serves S2, window 3 serves S3; open at all hours."""

    def service(service_id: int, code: str, prefix: str, cap: int | None = None) -> ServiceItem:
        return ServiceItem(service_id, code, f"事项{code}", prefix, 1, cap, True, 300)

    def window(window_id: int, number: str, *serves: int) -> WindowItem:
        rules = tuple(AssignmentRule(s, preference=i) for i, s in enumerate(serves, start=1))
        return WindowItem(window_id, number, f"{number}号窗口", "specialised", "A", rules)

    return HallCatalogue(
        id=HALL,
        code="t1",
        name="测试大厅",
        name_en="Test hall",
        timezone="Asia/Shanghai",
        notice="",
        version=1,
        settings=HallSettings(hours=OpeningHours(always_open=True)),
        services={
            s.id: s for s in (service(S1, "S1", "A"), service(S2, "S2", "A"), service(S3, "S3", "B", 2))
        },
        windows={w.id: w for w in (window(W1, "1", S1, S2), window(W2, "2", S2), window(W3, "3", S3))},
    )


@dataclass
class Hall:
    """The stores shared by every transaction, the process's caches, the clock and what was published."""

    stores: FakeStores
    now: datetime = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Mon 09:00 in Shanghai
    caches: Caches = field(default_factory=lambda: Caches(pii_key=b"k" * 32))
    published: list[LiveEvent] = field(default_factory=list)

    def unit(self) -> UnitOfWork:
        """A unit of work on the fakes (its events are published at once: a list has no commit)."""
        return UnitOfWork(self.stores, self.published, self.caches, self.now)

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)

    def event_types(self) -> list[str]:
        return [e.type for e in self.stores.events]


@pytest.fixture
def hall() -> Hall:
    stores = FakeStores()
    stores.hall.put(small_catalogue())
    stores.windows.install(HALL)
    return Hall(stores)
