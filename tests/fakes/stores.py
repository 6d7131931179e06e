"""In-memory stores for service-level unit tests: one attribute per aggregate's store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from queue_server.domain.hall import HallCatalogue, HallSettings, ServiceItem, WindowItem
from queue_server.domain.workdays import WorkingCalendar
from queue_server.services.unit_of_work import Caches, UnitOfWork
from tests.fakes.admin import FakeStaffStore, FakeTokenStore
from tests.fakes.cases import FakeAppointmentStore, FakeCalendarStore, FakeCaseStore
from tests.fakes.catalogue import FakeCatalogueStore
from tests.fakes.reports import FakeReportStore

WEEKDAYS = {day: [["08:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def small_hall(hall_id: int = 1, **settings: Any) -> HallCatalogue:
    """A hall open on weekdays with two services (A: 户籍, B: 社保) and two windows."""
    services = {
        1: ServiceItem(1, "A", "户籍办理", "A", 1, None, True, 300),
        2: ServiceItem(2, "B", "社保业务", "B", 1, None, True, 300),
    }
    windows = {
        1: WindowItem(1, "1", "一号窗口", "general", None),
        2: WindowItem(2, "2", "二号窗口", "general", None),
    }
    return HallCatalogue(
        id=hall_id,
        code="demo",
        name="测试大厅",
        name_en="Test hall",
        timezone="Asia/Shanghai",
        notice="",
        version=1,
        settings=HallSettings.from_dict({"hours": WEEKDAYS, **settings}, "Asia/Shanghai"),
        services=services,
        windows=windows,
    )


class FakeLegacy:
    """What the unit of work itself still asks of the old repository: the catalogue, event rows,
    audit lines."""

    def __init__(self, catalogue: HallCatalogue, stored: FakeCatalogueStore) -> None:
        self.catalogues = {catalogue.id: catalogue}
        self.stored = stored  # halls imported by a test are loaded from the catalogue's store
        self.events: list[dict[str, Any]] = []
        self.audit_log: list[dict[str, Any]] = []

    def hall_versions(self) -> dict[int, int]:
        return {hall_id: c.version for hall_id, c in self.catalogues.items()}

    def load_catalogue(self, hall_id: int) -> HallCatalogue:
        if hall_id in self.stored.halls:
            version = self.catalogues[hall_id].version if hall_id in self.catalogues else 1
            self.catalogues[hall_id] = self.stored.loaded(hall_id, version)
        return self.catalogues[hall_id]

    def bump_catalogue(self, hall_id: int) -> None:
        catalogue = self.catalogues.get(hall_id)
        if catalogue is not None:
            self.catalogues[hall_id] = replace(catalogue, version=catalogue.version + 1)

    def set_working_days(self, hall_id: int, calendar: WorkingCalendar) -> None:
        """What a calendar change does to the catalogue the hall loads next."""
        catalogue = self.catalogues[hall_id]
        settings = replace(catalogue.settings, working_days=calendar)
        self.catalogues[hall_id] = replace(catalogue, settings=settings)

    def add_event(self, values: dict[str, Any]) -> None:
        self.events.append(values)

    def audit(
        self, hall_id: int, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        self.audit_log.append(
            {
                "hall_id": hall_id,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "detail": detail,
            }
        )


class FakeStores:
    """Every aggregate's fake store, kept across the units of work of one test (a database's worth)."""

    def __init__(self, catalogue: HallCatalogue | None = None) -> None:
        hall = catalogue or small_hall()
        windows = {w.id: w.number for w in hall.windows.values()}
        self.catalogue_admin = FakeCatalogueStore()
        self.legacy = FakeLegacy(hall, self.catalogue_admin)
        self.appointments = FakeAppointmentStore()
        self.cases = FakeCaseStore()
        self.calendar = FakeCalendarStore()
        self.staff = FakeStaffStore({hall.code: hall.id}, windows)
        self.tokens = FakeTokenStore(windows)
        self.reports = FakeReportStore()
        self._notes: dict[str, Any] = {}

    def notes(self) -> dict[str, Any]:
        return self._notes

    def unit(self, now: datetime, caches: Caches | None = None) -> UnitOfWork:
        """A unit of work at ``now`` on these stores (a fresh transaction: its notes start empty)."""
        self._notes = {}
        return UnitOfWork(self, [], caches or Caches(pii_key=b"k" * 32), now)
