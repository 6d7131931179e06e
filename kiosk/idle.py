"""When the kiosk has been left alone long enough to be made ready for the next citizen."""

from __future__ import annotations

import time

from kiosk.config import KioskSettings


class IdleClock:
    """The time since the screen was last touched, and how long each screen may wait."""

    def __init__(self, settings: KioskSettings) -> None:
        self.settings = settings
        self.last_touch = time.monotonic()

    def touched(self) -> None:
        """A finger came down anywhere."""
        self.last_touch = time.monotonic()

    def seconds(self) -> float:
        """How long since the screen was last touched."""
        return time.monotonic() - self.last_touch

    def limit(self, current: str, unprinted: bool) -> float:
        """How long ``current`` waits before going back to the start (an unprinted ticket stays until
        完成, within a long ceiling)."""
        if current != "ticket":
            return self.settings.idle_seconds
        if unprinted:
            return max(self.settings.unprinted_seconds, self.settings.ticket_seconds)
        return self.settings.ticket_seconds

    def expired(self, current: str, unprinted: bool) -> bool:
        """The current screen has waited long enough."""
        return self.seconds() >= self.limit(current, unprinted)
