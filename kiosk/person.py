"""The citizen the kiosk knows for the moment (after their ID card was read or their number typed):
only what the screens need, gone when the next citizen's turn starts. Nothing here is logged."""

from __future__ import annotations

from dataclasses import dataclass, field

from queue_server import contract as c


@dataclass(frozen=True)
class Person:
    """A citizen by their ID number (sent to the server only with their own requests)."""

    id_number: str = field(repr=False)
    name_masked: str = ""  # 张*, from the card; "" when the number was typed
    tickets: tuple[c.TicketPublic, ...] = ()  # today's open tickets, to reprint
    bookings: tuple[c.AppointmentPublic, ...] = ()  # today's bookings still to check in

    @property
    def id_masked(self) -> str:
        """The ID number as a screen may show it (110105********002X)."""
        return self.id_number[:6] + "*" * 8 + self.id_number[-4:]

    def tickets_of(self, service_code: str) -> int:
        """How many open tickets of this service the person holds today."""
        return sum(1 for t in self.tickets if t.service_code == service_code)
