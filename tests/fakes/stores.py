"""One transaction's stores in memory: what ``UnitOfWork`` is handed in service-level unit tests."""

from __future__ import annotations

from typing import Any

from queue_server.services.hall.ports import NewEvent
from tests.fakes.auth import FakeSessionStore
from tests.fakes.desk import FakeDeskStore, FakeProfileStore, FakeWindowStore
from tests.fakes.hall import FakeHallStore
from tests.fakes.operations import FakeAlertStore
from tests.fakes.tickets import FakeTicketStore


class FakeStores:
    """Every store the services use, in memory; one attribute per store, as ``SqlStores`` has."""

    legacy: Any = None  # the catch-all repository has no fake: a ported service never reaches it

    def __init__(self) -> None:
        self.events: list[NewEvent] = []  # the event record every fake reads and the hall fake appends
        self._notes: dict[str, Any] = {}
        self.hall = FakeHallStore(self.events)
        self.tickets = FakeTicketStore(self.events)
        self.windows = FakeWindowStore(self.hall, self.events)
        self.profiles = FakeProfileStore()
        self.desk = FakeDeskStore(self.tickets, self.events)
        self.alerts = FakeAlertStore(self.tickets)
        self.sessions = FakeSessionStore()

    def notes(self) -> dict[str, Any]:
        return self._notes
