"""The ports the services speak to: one store per aggregate, gathered for one transaction.

The services see only these protocols; ``queue_server.adapters.stores`` implements them on
SQLAlchemy and the composition root hands them to the unit of work. Tests may hand in fakes.
"""

from __future__ import annotations

from typing import Any, Protocol

from queue_server.services.assessment.ports import AssessmentStore
from queue_server.services.evaluations.ports import ComplaintStore, EvaluationStore, RubricStore


class Stores(Protocol):
    """One transaction's stores (each aggregate's store is an attribute named after it).

    The stores are read-only members: the services never swap one, and a read-only member lets an
    implementation hold its own concrete store (a mutable protocol member would have to be declared
    as the port type itself).
    """

    legacy: Any  # the catch-all repository of old: shrinking, as each aggregate gets its own store

    @property
    def evaluations(self) -> EvaluationStore: ...
    @property
    def complaints(self) -> ComplaintStore: ...
    @property
    def rubrics(self) -> RubricStore: ...
    @property
    def assessment(self) -> AssessmentStore: ...

    def notes(self) -> dict[str, Any]:
        """Notes that live as long as the transaction (which halls' catalogues it changed, …)."""
        ...
