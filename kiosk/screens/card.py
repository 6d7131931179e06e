"""刷身份证: the citizen puts their resident ID card on the reader (or types the number); the kiosk
then knows them on the start screen — their open tickets to reprint, their daily limit."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.idcard import clean, id_number_valid
from kiosk.screens.take import ID_KEYS


class CardScreen(Screen):
    """Put the card on the reader, or type the number."""

    error = StringProperty("")

    @property
    def app(self) -> Any:
        """The running kiosk app."""
        return App.get_running_app()

    def prepare(self) -> None:
        """An empty form."""
        self.error = ""
        self.ids.field.value = ""
        self.ids.keypad.keys = ID_KEYS

    def relabel(self) -> None:
        """Labels in the current language."""
        self.ids.keypad.relabel()

    def type_key(self, key: str) -> None:
        """A keypad key."""
        self.ids.field.type_key(key)
        self.error = ""

    def confirm(self) -> None:
        """A typed number: check it, then go on as with a card."""
        number = clean(self.ids.field.value)
        if not id_number_valid(number):
            self.error = self.app.t("kiosk.take.bad_id")
            return
        self.app.errands.sign_in(number, "")

    def on_enter(self, *_: Any) -> None:
        """Say what to do here."""
        self.speak()

    def speak(self) -> None:
        """This screen's voice prompt."""
        self.app.speak("kiosk.card.place")
