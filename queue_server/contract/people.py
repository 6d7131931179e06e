"""A citizen known by their ID number at the kiosk: what the service list shows them, in one answer."""

from __future__ import annotations

from pydantic import Field

from queue_server.contract.appointments import AppointmentPublic
from queue_server.contract.base import Model, Personal
from queue_server.contract.tickets import TicketPublic


class PersonLookup(Model):
    """``POST /api/v1/tickets/person``: today's open tickets and bookings of an ID card's holder."""

    id_number: Personal = Field(description="身份证号 read from the card or typed; never stored")


class PersonToday(Model):
    """What the kiosk's service list offers a citizen known by their ID number (masked forms only)."""

    tickets: list[TicketPublic] = Field(default=[], description="today's open tickets, to reprint")
    bookings: list[AppointmentPublic] = Field(default=[], description="today's bookings still to check in")
