"""The SQLAlchemy implementation of the services' stores, for one connection (one transaction)."""

from __future__ import annotations

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
from queue_server.adapters.reports import SqlReportStore
from queue_server.adapters.tickets import SqlTicketStore
from queue_server.adapters.writer import TRANSACTION_NOTES


class SqlStores:
    """Every aggregate's store on one connection; what the services call ``uow.stores``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.evaluations = SqlEvaluationStore(conn)
        self.complaints = SqlComplaintStore(conn)
        self.rubrics = SqlRubricStore(conn)
        self.assessment = SqlAssessmentStore(conn)
        self.history = SqlHistory(conn)
        self.appointments = SqlAppointmentStore(conn)
        self.cases = SqlCaseStore(conn)
        self.calendar = SqlCalendarStore(conn)
        self.staff = SqlStaffStore(conn)
        self.tokens = SqlTokenStore(conn)
        self.catalogue_admin = SqlCatalogueStore(conn)
        self.reports = SqlReportStore(conn)
        raw = RawStatements(conn)  # one raw cursor for the hot path's stores
        self.tickets = SqlTicketStore(conn, raw)
        self.hall = SqlHallStore(conn, raw)
        self.windows = SqlWindowStore(conn, raw)
        self.profiles = SqlProfileStore(conn)
        self.desk = SqlDeskStore(conn)
        self.alerts = SqlAlertStore(conn)
        self.sessions = SqlSessionStore(conn)
        self.predictions = SqlPredictionStore(conn)
        self.city = SqlCityStore(conn)
        self.outbox = SqlOutboxStore(conn, raw)

    def notes(self) -> dict[str, Any]:
        """Notes kept on the connection for the transaction (the writer resets them per attempt)."""
        notes: dict[str, Any] = self.conn.info.setdefault(TRANSACTION_NOTES, {})
        return notes
