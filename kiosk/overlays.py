"""The views laid over the screens: "one moment", a message to acknowledge, a choice to make."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory


class Overlays:
    """Built the first time each is wanted; ``on_busy`` hears when the "one moment" view comes and goes."""

    def __init__(self, on_busy: Callable[[bool], None]) -> None:
        self._on_busy = on_busy
        self.busy_view: Any = None
        self.notice_view: Any = None
        self.choice_view: Any = None
        self._busy_soon: Any = None  # the "one moment" view's scheduled opening (show_busy's ``after``)

    def show_busy(self, message: str, after: float = 0.0) -> None:
        """Cover the screen with a "one moment" message; with ``after``, only if the work is not done by
        then (busy from now on all the same: taps are held back, see ``holding``)."""
        if self.busy_view is None:
            self.busy_view = Factory.BusyView()
        self.busy_view.message = message
        self._cancel_soon()
        if self.busy_view.parent is None:
            if after > 0:
                self._busy_soon = Clock.schedule_once(lambda _dt: self._open_busy(), after)
            else:
                self._open_busy()
        self._on_busy(True)

    @property
    def holding(self) -> bool:
        """Busy, with the "one moment" view not drawn yet: the screen under it must not take taps."""
        return self._busy_soon is not None

    def _open_busy(self) -> None:
        self._busy_soon = None
        self.busy_view.open(animation=False)

    def _cancel_soon(self) -> None:
        if self._busy_soon is not None:
            self._busy_soon.cancel()
            self._busy_soon = None

    def hide_busy(self) -> None:
        """Remove the "one moment" message."""
        self._cancel_soon()
        if self.busy_view is not None and self.busy_view.parent is not None:
            self.busy_view.dismiss(animation=False)
        self._on_busy(False)

    def notify(self, message: str) -> None:
        """Show a message the citizen acknowledges with a tap."""
        self.hide_busy()
        if self.notice_view is None:
            self.notice_view = Factory.NoticeView()
        self.notice_view.message = message
        if self.notice_view.parent is None:
            self.notice_view.open(animation=False)

    def choose(self, message: str, choices: list[tuple[str, Callable[[], None]]]) -> None:
        """Ask the citizen to pick one of ``choices`` (label, what it does)."""
        self.hide_busy()
        if self.choice_view is None:
            self.choice_view = Factory.ChoiceView()
        self.choice_view.offer(message, choices)
        if self.choice_view.parent is None:
            self.choice_view.open(animation=False)

    def dismiss(self) -> None:
        """Close any overlay."""
        self.hide_busy()
        for view in (self.notice_view, self.choice_view):
            if view is not None and view.parent is not None:
                view.dismiss(animation=False)
