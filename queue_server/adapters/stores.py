"""The SQLAlchemy implementation of the services' stores, for one connection (one transaction)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy import Connection

from queue_server.adapters.admin import SqlCatalogueStore, SqlStaffStore, SqlTokenStore
from queue_server.adapters.appointments import SqlAppointmentStore
from queue_server.adapters.assessment import SqlAssessmentStore
from queue_server.adapters.auth import SqlSessionStore
from queue_server.adapters.cases import SqlCalendarStore, SqlCaseStore
from queue_server.adapters.city import SqlCityStore
from queue_server.adapters.desk import SqlDeskStore, SqlProfileStore, SqlWindowStore
from queue_server.adapters.evaluations import SqlComplaintStore, SqlEvaluationStore, SqlRubricStore
from queue_server.adapters.hall import SqlHallStore
from queue_server.adapters.history import SqlHistory
from queue_server.adapters.operations import SqlAlertStore
from queue_server.adapters.outbox import SqlOutboxStore
from queue_server.adapters.predictions import SqlPredictionStore
from queue_server.adapters.raw import RawStatements
from queue_server.adapters.recent_hits import SqlRecentHitStore
from queue_server.adapters.reports import SqlReportStore
from queue_server.adapters.tickets import SqlTicketStore
from queue_server.adapters.writer import TRANSACTION_NOTES


class SqlStores:
    """Every aggregate's store on one connection; what the services call ``uow.stores``.

    Each store is built on first use: a request touches two or three of the ~25, and building them
    all for every unit of work was a measurable part of a request's CPU.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def built(self) -> list[str]:
        """The stores built so far (what a unit of work has touched), by name."""
        return sorted(name for name in vars(self) if name != "conn" and not name.startswith("_"))

    @cached_property
    def _raw(self) -> RawStatements:
        return RawStatements(self.conn)  # one raw cursor for the hot path's stores

    @cached_property
    def evaluations(self) -> SqlEvaluationStore:
        return SqlEvaluationStore(self.conn)

    @cached_property
    def complaints(self) -> SqlComplaintStore:
        return SqlComplaintStore(self.conn)

    @cached_property
    def rubrics(self) -> SqlRubricStore:
        return SqlRubricStore(self.conn)

    @cached_property
    def assessment(self) -> SqlAssessmentStore:
        return SqlAssessmentStore(self.conn)

    @cached_property
    def history(self) -> SqlHistory:
        return SqlHistory(self.conn)

    @cached_property
    def appointments(self) -> SqlAppointmentStore:
        return SqlAppointmentStore(self.conn)

    @cached_property
    def cases(self) -> SqlCaseStore:
        return SqlCaseStore(self.conn)

    @cached_property
    def calendar(self) -> SqlCalendarStore:
        return SqlCalendarStore(self.conn)

    @cached_property
    def staff(self) -> SqlStaffStore:
        return SqlStaffStore(self.conn)

    @cached_property
    def tokens(self) -> SqlTokenStore:
        return SqlTokenStore(self.conn)

    @cached_property
    def catalogue_admin(self) -> SqlCatalogueStore:
        return SqlCatalogueStore(self.conn)

    @cached_property
    def reports(self) -> SqlReportStore:
        return SqlReportStore(self.conn)

    @cached_property
    def tickets(self) -> SqlTicketStore:
        return SqlTicketStore(self.conn, self._raw)

    @cached_property
    def hall(self) -> SqlHallStore:
        return SqlHallStore(self.conn, self._raw)

    @cached_property
    def windows(self) -> SqlWindowStore:
        return SqlWindowStore(self.conn, self._raw)

    @cached_property
    def profiles(self) -> SqlProfileStore:
        return SqlProfileStore(self.conn)

    @cached_property
    def desk(self) -> SqlDeskStore:
        return SqlDeskStore(self.conn)

    @cached_property
    def alerts(self) -> SqlAlertStore:
        return SqlAlertStore(self.conn)

    @cached_property
    def sessions(self) -> SqlSessionStore:
        return SqlSessionStore(self.conn)

    @cached_property
    def predictions(self) -> SqlPredictionStore:
        return SqlPredictionStore(self.conn)

    @cached_property
    def city(self) -> SqlCityStore:
        return SqlCityStore(self.conn)

    @cached_property
    def outbox(self) -> SqlOutboxStore:
        return SqlOutboxStore(self.conn, self._raw)

    @cached_property
    def recent_hits(self) -> SqlRecentHitStore:
        return SqlRecentHitStore(self.conn)

    def notes(self) -> dict[str, Any]:
        """Notes kept on the connection for the transaction (the writer resets them per attempt)."""
        notes: dict[str, Any] = self.conn.info.setdefault(TRANSACTION_NOTES, {})
        return notes
