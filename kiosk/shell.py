"""What the kiosk's errands and hall watch may ask of the app that composes them.

The app (kiosk.app) builds the errands and the watch and hands itself over as a ``Shell``: they talk
back through this protocol, never by importing the app, so the kiosk's modules import one way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kiosk.person import Person


class Shell(Protocol):
    """The screens, overlays, threads and shown state of the running kiosk (UI thread only)."""

    lang: str
    person: Person | None
    card_trouble: str
    hall_name: str
    loaded: bool
    online: bool
    staff_note: str
    printer_state: str
    banner: str

    def t(self, key: str, *_bindings: Any, **fields: Any) -> str:
        """A catalogue string in the current language."""
        ...

    def showing(self) -> str:
        """The name of the screen showing."""
        ...

    def go(self, name: str, **details: Any) -> None:
        """Show a screen, handing it what it shows."""
        ...

    def screen(self, name: str) -> Any:
        """A screen by name (built when first wanted)."""
        ...

    def built_screen(self, name: str) -> Any:
        """A screen if it has been built, else None."""
        ...

    def show_busy(self, message: str, after: float = 0.0) -> None:
        """Cover the screen with a "one moment" message (with ``after``: only if still busy by then)."""
        ...

    def hide_busy(self) -> None:
        """Remove the "one moment" message."""
        ...

    def notify(self, message: str) -> None:
        """Show a message the citizen acknowledges with a tap."""
        ...

    def choose(self, message: str, choices: list[tuple[str, Callable[[], None]]]) -> None:
        """Ask the citizen to pick one of ``choices``."""
        ...

    def citizen(
        self,
        work: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None],
        fail: Callable[[Exception], None],
        **kwargs: Any,
    ) -> None:
        """Run a citizen's errand off the UI thread."""
        ...

    def background(
        self,
        work: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None] | None = None,
        fail: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run housekeeping off the UI thread."""
        ...

    def on_retry(self, attempt: int, _error: Exception) -> None:
        """A citizen's request is being retried (called on the worker thread)."""
        ...

    def settle(self) -> None:
        """Give free heap pages back once the screen is drawn."""
        ...
