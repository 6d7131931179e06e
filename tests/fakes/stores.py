"""Every store of a transaction, faked in memory, and a unit of work over them (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from queue_server.domain.hall import HallCatalogue
from queue_server.services.unit_of_work import Caches, UnitOfWork
from tests.fakes.assessment import FakeAssessmentStore
from tests.fakes.evaluations import FakeComplaintStore, FakeDirectory, FakeEvaluationStore, FakeRubricStore


@dataclass
class FakeLegacy:
    """What the unit of work itself still asks of the old repository: catalogues and the event record."""

    catalogues: dict[int, HallCatalogue] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def hall_versions(self) -> dict[int, int]:
        return {i: c.version for i, c in self.catalogues.items()}

    def load_catalogue(self, hall_id: int) -> HallCatalogue:
        return self.catalogues[hall_id]

    def add_event(self, values: dict[str, Any]) -> None:
        self.events.append(values)


class FakeStores:
    """One attribute per store, as ``SqlStores`` has."""

    def __init__(self, *catalogues: HallCatalogue) -> None:
        self.legacy = FakeLegacy({c.id: c for c in catalogues})
        self.directory = FakeDirectory()
        self._notes: dict[str, Any] = {}
        self.evaluations = FakeEvaluationStore(self.directory)
        self.complaints = FakeComplaintStore(self.directory)
        self.rubrics = FakeRubricStore(self.directory)
        self.assessment = FakeAssessmentStore(self.directory)

    def notes(self) -> dict[str, Any]:
        return self._notes

    def unit_of_work(self, now: datetime) -> UnitOfWork:
        """A transaction at ``now`` (its live events land in ``uow.outbox``)."""
        return UnitOfWork(self, [], Caches(), now)
