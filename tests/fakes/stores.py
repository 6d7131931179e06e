"""Every store of a transaction, faked in memory, and units of work over them (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from queue_server.domain.hall import HallCatalogue
from queue_server.domain.workdays import WorkingCalendar
from queue_server.services.unit_of_work import Caches, UnitOfWork
from tests.fakes.admin import FakeStaffStore, FakeTokenStore
from tests.fakes.assessment import FakeAssessmentStore
from tests.fakes.cases import FakeAppointmentStore, FakeCalendarStore, FakeCaseStore
from tests.fakes.catalogue import FakeCatalogueStore
from tests.fakes.evaluations import FakeComplaintStore, FakeDirectory, FakeEvaluationStore, FakeRubricStore
from tests.fakes.reports import FakeReportStore
from tests.services.halls import two_service_hall


class FakeLegacy:
    """What the unit of work itself still asks of the old repository: the catalogue, event rows,
    audit lines."""

    def __init__(self, catalogues: tuple[HallCatalogue, ...], stored: FakeCatalogueStore) -> None:
        self.catalogues = {c.id: c for c in catalogues}
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
        line = {"hall_id": hall_id, "at": at, "actor": actor, "action": action, "subject": subject}
        self.audit_log.append({**line, "detail": detail})


class FakeStores:
    """Every aggregate's fake store, kept across the units of work of one test (a database's worth);
    one attribute per store, as ``SqlStores`` has."""

    def __init__(self, *catalogues: HallCatalogue) -> None:
        halls = catalogues or (two_service_hall(),)
        first = halls[0]
        windows = {w.id: w.number for w in first.windows.values()}
        self._notes: dict[str, Any] = {}
        self.catalogue_admin = FakeCatalogueStore()
        self.legacy = FakeLegacy(halls, self.catalogue_admin)
        self.appointments = FakeAppointmentStore()
        self.cases = FakeCaseStore()
        self.calendar = FakeCalendarStore()
        self.staff = FakeStaffStore({first.code: first.id}, windows)
        self.tokens = FakeTokenStore(windows)
        self.reports = FakeReportStore()
        self.directory = FakeDirectory()
        self.evaluations = FakeEvaluationStore(self.directory)
        self.complaints = FakeComplaintStore(self.directory)
        self.rubrics = FakeRubricStore(self.directory)
        self.assessment = FakeAssessmentStore(self.directory)

    def notes(self) -> dict[str, Any]:
        return self._notes

    def unit(self, now: datetime, caches: Caches | None = None) -> UnitOfWork:
        """A unit of work at ``now`` on these stores (a fresh transaction: its notes start empty;
        its live events land in ``uow.outbox``)."""
        self._notes = {}
        return UnitOfWork(self, [], caches or Caches(pii_key=b"k" * 32), now)
