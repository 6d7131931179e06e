"""预约签到: the citizen types the booking code; the booking becomes a ticket and is printed."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.idcard import clean
from kiosk.screens.widgets import DELETE

CODE_KEYS = [*"23456789ABCDEFGHJKMNPQRSTUVWXYZ", DELETE]  # the booking alphabet: no 0 1 I L O
CODE_LENGTH = 8


class CheckinScreen(Screen):
    """Booking code → ticket."""

    error = StringProperty("")

    @property
    def app(self) -> Any:
        """The running kiosk app."""
        return App.get_running_app()

    def prepare(self) -> None:
        """An empty code."""
        self.error = ""
        self.ids.field.value = ""

    def relabel(self) -> None:
        """Labels in the current language."""
        self.ids.keypad.relabel()

    def type_key(self, key: str) -> None:
        """A keypad key."""
        self.ids.field.type_key(key)
        self.error = ""

    def submit(self) -> None:
        """Check in with the code typed."""
        code = clean(self.ids.field.value)
        if len(code) != CODE_LENGTH:
            self.error = self.app.t("kiosk.checkin.hint")
            return
        self.app.errands.check_in(code)

    def on_enter(self, *_: Any) -> None:
        """Say what to do here."""
        self.speak()

    def speak(self) -> None:
        """This screen's voice prompt."""
        self.app.speak("kiosk.voice.checkin")
