"""One transaction's stores in memory: what ``UnitOfWork`` is handed in service-level unit tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_server.domain.hall import HallCatalogue
from queue_server.services.hall.ports import NewEvent
from queue_server.services.unit_of_work import Caches, UnitOfWork
from tests.fakes.admin import FakeStaffStore, FakeTokenStore
from tests.fakes.assessment import FakeAssessmentStore
from tests.fakes.auth import FakeSessionStore
from tests.fakes.cases import FakeAppointmentStore, FakeCalendarStore, FakeCaseStore
from tests.fakes.catalogue import FakeCatalogueStore
from tests.fakes.city import FakeCityStore
from tests.fakes.desk import FakeDeskStore, FakeProfileStore, FakeWindowStore
from tests.fakes.evaluations import FakeComplaintStore, FakeDirectory, FakeEvaluationStore, FakeRubricStore
from tests.fakes.hall import FakeHallStore
from tests.fakes.operations import FakeAlertStore
from tests.fakes.outbox import FakeOutboxStore, FakeRecentHitStore
from tests.fakes.predictions import FakePredictionStore
from tests.fakes.reports import FakeReportStore
from tests.fakes.tickets import FakeTicketStore
from tests.services.halls import two_service_hall


class CatalogueHallStore(FakeHallStore):
    """The hall store, which also loads the halls a test imported through the catalogue's fake."""

    def __init__(self, events: list[NewEvent], stored: FakeCatalogueStore) -> None:
        super().__init__(events)
        self.stored = stored

    def load_catalogue(self, hall_id: int) -> HallCatalogue:
        if hall_id in self.stored.halls:
            version = self.catalogues[hall_id].version if hall_id in self.catalogues else 1
            self.catalogues[hall_id] = self.stored.loaded(hall_id, version)
        return super().load_catalogue(hall_id)


class FakeStores:
    """Every store the services use, in memory, kept across the units of work of one test (a
    database's worth); one attribute per store, as ``SqlStores`` has."""

    def __init__(self, *catalogues: HallCatalogue) -> None:
        halls = catalogues or (two_service_hall(),)
        windows = {w.id: w.number for w in halls[0].windows.values()}
        self.events: list[NewEvent] = []  # the event record every fake reads and the hall fake appends
        self._notes: dict[str, Any] = {}
        self.catalogue_admin = FakeCatalogueStore()
        self.hall = CatalogueHallStore(self.events, self.catalogue_admin)
        for hall in halls:
            self.hall.put(hall)
        self.tickets = FakeTicketStore(self.events)
        self.windows = FakeWindowStore(self.hall, self.events, self.tickets)
        self.profiles = FakeProfileStore()
        self.desk = FakeDeskStore(self.tickets, self.events)
        self.alerts = FakeAlertStore(self.tickets)
        self.sessions = FakeSessionStore()
        self.appointments = FakeAppointmentStore(self.tickets)
        self.cases = FakeCaseStore(self.tickets)
        self.calendar = FakeCalendarStore()
        self.staff = FakeStaffStore({halls[0].code: halls[0].id}, windows)
        self.tokens = FakeTokenStore(windows)
        self.reports = FakeReportStore()
        self.directory = FakeDirectory()
        self.evaluations = FakeEvaluationStore(self.directory, self.tickets, self.cases)
        self.complaints = FakeComplaintStore(self.directory)
        self.rubrics = FakeRubricStore(self.directory)
        self.assessment = FakeAssessmentStore(self.directory)
        self.predictions = FakePredictionStore()
        self.city = FakeCityStore()
        self.outbox = FakeOutboxStore()
        self.recent_hits = FakeRecentHitStore()

    def notes(self) -> dict[str, Any]:
        return self._notes

    def unit(self, now: datetime, caches: Caches | None = None) -> UnitOfWork:
        """A unit of work at ``now`` on these stores (a fresh transaction: its notes start empty;
        its live events land in ``uow.outbox``)."""
        self._notes = {}
        return UnitOfWork(self, [], caches or Caches(pii_key=b"k" * 32), now)
