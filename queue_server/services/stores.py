"""The ports the services speak to: one store per aggregate, gathered for one transaction.

The services see only these protocols; ``queue_server.adapters.stores`` implements them on
SQLAlchemy and the composition root hands them to the unit of work. Tests may hand in fakes.
"""

from __future__ import annotations

from typing import Any, Protocol

from queue_server.auth.ports import SessionStore
from queue_server.services.admin.catalogue_ports import CatalogueStore
from queue_server.services.admin.ports import StaffStore, TokenStore
from queue_server.services.advisor.ports import History, PredictionStore
from queue_server.services.assessment.ports import AssessmentStore
from queue_server.services.cases.ports import AppointmentStore, CalendarStore, CaseStore
from queue_server.services.city.ports import CityStore
from queue_server.services.desk.ports import DeskStore, ProfileStore, WindowStore
from queue_server.services.evaluations.ports import ComplaintStore, EvaluationStore, RubricStore
from queue_server.services.hall.ports import HallStore
from queue_server.services.operations.ports import AlertStore
from queue_server.services.outbox.ports import OutboxStore, RecentHitStore
from queue_server.services.reports.ports import ReportStore
from queue_server.services.tickets.ports import TicketStore


class Stores(Protocol):
    """One transaction's stores (each aggregate's store is an attribute named after it).

    The stores are read-only members: the services never swap one, and a read-only member lets an
    implementation hold its own concrete store (a mutable protocol member would have to be declared
    as the port type itself).
    """

    @property
    def evaluations(self) -> EvaluationStore: ...
    @property
    def complaints(self) -> ComplaintStore: ...
    @property
    def rubrics(self) -> RubricStore: ...
    @property
    def assessment(self) -> AssessmentStore: ...
    @property
    def history(self) -> History: ...
    @property
    def appointments(self) -> AppointmentStore: ...
    @property
    def cases(self) -> CaseStore: ...
    @property
    def calendar(self) -> CalendarStore: ...
    @property
    def staff(self) -> StaffStore: ...
    @property
    def tokens(self) -> TokenStore: ...
    @property
    def catalogue_admin(self) -> CatalogueStore: ...
    @property
    def reports(self) -> ReportStore: ...
    @property
    def tickets(self) -> TicketStore: ...
    @property
    def hall(self) -> HallStore: ...
    @property
    def windows(self) -> WindowStore: ...
    @property
    def profiles(self) -> ProfileStore: ...
    @property
    def desk(self) -> DeskStore: ...
    @property
    def alerts(self) -> AlertStore: ...
    @property
    def sessions(self) -> SessionStore: ...
    @property
    def predictions(self) -> PredictionStore: ...
    @property
    def city(self) -> CityStore: ...
    @property
    def outbox(self) -> OutboxStore: ...
    @property
    def recent_hits(self) -> RecentHitStore: ...

    def notes(self) -> dict[str, Any]:
        """Notes that live as long as the transaction (which halls' catalogues it changed, …)."""
        ...
