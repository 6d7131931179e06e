"""The tickets' port: numbers, tickets and their moves along the lifecycle, as the services see them.

``queue_server.adapters.tickets`` implements it on SQL (the hot path on the raw cursor); tests use
an in-memory fake. Rows are typed values; a move is a compare-and-set on the ticket's status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypedDict, Unpack

from queue_server.domain.hall import HallCatalogue
from queue_server.domain.lifecycle import Action
from queue_server.domain.policy import Candidate


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A ticket as stored: its number, service, place in the queue, window and masked holder."""

    id: int
    hall_id: int
    token: str
    business_day: date
    prefix: str
    seq: int
    number: str
    service_id: int
    priority_class: str | None
    priority_confirmed: bool
    status: str
    rank_at: datetime
    issued_at: datetime
    window_id: int | None
    target_window_id: int | None
    called_at: datetime | None
    started_at: datetime | None
    recalls: int
    channel: str
    idempotency_key: str | None
    id_hash: str | None
    id_masked: str | None
    phone_hash: str | None
    phone_masked: str | None
    appointment_at: datetime | None
    paper: int
    print_failed: bool


@dataclass(frozen=True, slots=True)
class QueuePlace:
    """A waiting ticket as its queue's people-ahead push sees it: no more is read."""

    number: str
    token: str


@dataclass(frozen=True, slots=True)
class NewTicket:
    """A ticket about to be issued (the store gives it its id)."""

    hall_id: int
    token: str
    business_day: date
    prefix: str
    seq: int
    number: str
    service_id: int
    priority_class: str | None
    status: str
    rank_at: datetime
    issued_at: datetime
    channel: str
    idempotency_key: str | None
    id_hash: str | None
    id_masked: str | None
    phone_hash: str | None
    phone_masked: str | None
    appointment_at: datetime | None
    priority_confirmed: bool = False
    recalls: int = 0


@dataclass(frozen=True, slots=True)
class TicketOutcome:
    """办结: how a concluded ticket's case ended, in the citizen's terms."""

    outcome: str
    promised_date: date | None
    missing_items: tuple[str, ...]
    reasons: str
    referred_to: str


class TicketChanges(TypedDict, total=False):
    """The columns a ticket's move or update may change besides its status."""

    service_id: int
    priority_class: str | None
    priority_confirmed: bool
    rank_at: datetime
    window_id: int | None
    target_window_id: int | None
    called_at: datetime | None
    started_at: datetime | None
    recalls: int
    id_hash: str | None
    id_masked: str | None
    phone_hash: str | None
    phone_masked: str | None
    appointment_at: datetime | None
    paper: int
    print_failed: bool


class TicketStore(Protocol):
    """Tickets and the hall's daily counters, in one transaction."""

    def next_counter(self, hall_id: int, name: str, day: date) -> int:
        """Add one to a daily counter and return the new value (locked until the commit)."""
        ...

    def raise_counter(self, hall_id: int, name: str, day: date, at_least: int) -> None:
        """Make a daily counter at least ``at_least``."""
        ...

    def add(self, ticket: NewTicket) -> int:
        """Store a new ticket; its id."""
        ...

    def by_id(self, ticket_id: int) -> TicketRow | None:
        """A ticket by id."""
        ...

    def by_token(self, token: str) -> TicketRow | None:
        """A ticket by its public token."""
        ...

    def by_idempotency_key(self, hall_id: int, key: str) -> TicketRow | None:
        """The ticket a kiosk's retried request already issued."""
        ...

    def by_number(self, hall_id: int, day: date, number: str) -> TicketRow | None:
        """The day's ticket people call ``number``."""
        ...

    def by_ids(self, ids: Iterable[int]) -> dict[int, TicketRow]:
        """Tickets by id."""
        ...

    def move(
        self,
        ticket_id: int,
        expected_status: str,
        action: Action,
        *,
        number: str = "",
        **changes: Unpack[TicketChanges],
    ) -> bool:
        """One edge of the lifecycle (IllegalTransition without one), compare-and-set on the status:
        False when another process moved the ticket first."""
        ...

    def claim(self, ticket_id: int, action: Action, **changes: Unpack[TicketChanges]) -> TicketRow | None:
        """Move a waiting ticket along ``action`` (compare-and-set on waiting) and return it as it now
        stands; None when another process took it first."""
        ...

    def update(self, ticket_id: int, expected_status: str, **changes: Unpack[TicketChanges]) -> bool:
        """Change other columns while the ticket is still in ``expected_status``."""
        ...

    def waiting(self, hall_id: int, service_ids: Sequence[int]) -> list[TicketRow]:
        """The waiting tickets of these services."""
        ...

    def count_waiting(self, hall_id: int, service_id: int, *, priority_only: bool = False) -> int:
        """How many tickets of a service wait (all, or priority ones)."""
        ...

    def count_ahead(self, row: TicketRow) -> int:
        """Waiting tickets of the ticket's service called before it."""
        ...

    def waiting_candidates(
        self, catalogue: HallCatalogue, service_ids: Sequence[int], window_id: int
    ) -> list[Candidate]:
        """Waiting tickets of these services and those sent to the window, as the policy sees them."""
        ...

    def queue(self, hall_id: int, service_id: int, *, limit: int) -> list[QueuePlace]:
        """A service's waiting tickets in the order people are counted ahead (priority ones first,
        then by rank and id; the first ``limit``): a ticket's place is how many are ahead of it."""
        ...

    def waiting_ranks(self, hall_id: int, service_id: int) -> list[datetime]:
        """The ranks of a service's waiting tickets (where a requeued ticket re-enters)."""
        ...

    def count_person_tickets(self, hall_id: int, day: date, service_id: int, id_hash: str) -> int:
        """Tickets one person took for a service on a day, cancelled ones aside."""
        ...

    def person_tickets(
        self, hall_id: int, day: date, *, id_hash: str | None = None, phone_hash: str | None = None
    ) -> list[TicketRow]:
        """A person's open tickets of the day, by the keyed hash of their ID or phone number."""
        ...

    def waiting_by_service(self, hall_id: int) -> dict[int, tuple[int, datetime | None]]:
        """Per service: how many wait, and since when the longest has waited."""
        ...

    def waiting_counts(self, hall_id: int) -> dict[int, int]:
        """Per service: how many wait (services with none aside), without their times."""
        ...

    def open_before(self, hall_id: int, day: date, limit: int | None = None) -> list[TicketRow]:
        """Tickets of earlier days still waiting, parked or no-show (the first ``limit``)."""
        ...

    def unconfirmed_priority(
        self, hall_id: int, day: date, statuses: Sequence[str], *, limit: int
    ) -> list[TicketRow]:
        """The day's tickets in these statuses with a priority nobody confirmed yet, oldest first."""
        ...

    def was_transferred(self, ticket_id: int) -> bool:
        """Whether the ticket was ever sent on (转移)."""
        ...

    def outcome(self, ticket_id: int) -> TicketOutcome | None:
        """The outcome of the case the ticket concluded in, if it did."""
        ...
