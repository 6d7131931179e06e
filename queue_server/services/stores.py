"""The ports the services speak to: one store per aggregate, gathered for one transaction.

The services see only these protocols; ``queue_server.adapters.stores`` implements them on
SQLAlchemy and the composition root hands them to the unit of work. Tests may hand in fakes.
"""

from __future__ import annotations

from typing import Any, Protocol

from queue_server.auth.ports import SessionStore
from queue_server.services.admin.catalogue_ports import CatalogueStore
from queue_server.services.admin.ports import StaffStore, TokenStore
from queue_server.services.advisor.ports import History
from queue_server.services.assessment.ports import AssessmentStore
from queue_server.services.cases.ports import AppointmentStore, CalendarStore, CaseStore
from queue_server.services.desk.ports import DeskStore, ProfileStore, WindowStore
from queue_server.services.evaluations.ports import ComplaintStore, EvaluationStore, RubricStore
from queue_server.services.hall.ports import HallStore
from queue_server.services.operations.ports import AlertStore
from queue_server.services.reports.ports import ReportStore
from queue_server.services.tickets.ports import TicketStore


class Stores(Protocol):
    """One transaction's stores (each aggregate's store is an attribute named after it)."""

    legacy: Any  # the catch-all repository of old: shrinking, as each aggregate gets its own store
    evaluations: EvaluationStore
    complaints: ComplaintStore
    rubrics: RubricStore
    assessment: AssessmentStore
    history: History
    appointments: AppointmentStore
    cases: CaseStore
    calendar: CalendarStore
    staff: StaffStore
    tokens: TokenStore
    catalogue_admin: CatalogueStore
    reports: ReportStore
    tickets: TicketStore
    hall: HallStore
    windows: WindowStore
    profiles: ProfileStore
    desk: DeskStore
    alerts: AlertStore
    sessions: SessionStore

    def notes(self) -> dict[str, Any]:
        """Notes that live as long as the transaction (which halls' catalogues it changed, …)."""
        ...
