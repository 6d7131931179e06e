"""After a quick-path ticket did not print: the citizen leaves a phone or ID number (typed, or the ID
card put on the reader) so that 补打号票 finds the ticket later. One of the two is enough."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.idcard import clean, id_number_valid, phone_valid
from kiosk.screens.take import ID_KEYS, PHONE_KEYS
from kiosk.screens.widgets import InputField


class HolderScreen(Screen):
    """Phone or ID number → 确认登记 → back to the ticket."""

    outcome = ObjectProperty(None, allownone=True)  # kiosk.desk.Outcome of the unprinted ticket
    title = StringProperty("")
    error = StringProperty("")

    @property
    def app(self) -> Any:
        """The running kiosk app."""
        return App.get_running_app()

    def prepare(self, outcome: Any) -> None:
        """A fresh form for ``outcome``'s ticket: the phone first (most people know it by heart)."""
        self.outcome = outcome
        self.error = ""
        self.ids.phone_field.value = ""
        self.ids.id_field.value = ""
        self.activate(self.ids.phone_field)
        self.relabel()

    def relabel(self) -> None:
        """Labels in the current language."""
        if self.outcome is not None:
            self.title = self.app.t("kiosk.holder.heading", number=self.outcome.ticket.number)
        self.ids.keypad.relabel()

    def activate(self, field: InputField) -> None:
        """Type into ``field`` from now on."""
        for other in (self.ids.id_field, self.ids.phone_field):
            other.active = other is field
        self.ids.keypad.keys = ID_KEYS if field.kind == "id" else PHONE_KEYS

    def card_read(self, id_number: str) -> None:
        """The citizen put their ID card on the reader: the number is filled in (the phone cleared)."""
        self.ids.id_field.value = id_number
        self.ids.phone_field.value = ""
        self.error = ""
        self.activate(self.ids.id_field)

    def type_key(self, key: str) -> None:
        """A keypad key for the active field."""
        field = self.ids.id_field if self.ids.id_field.active else self.ids.phone_field
        field.type_key(key)
        self.error = ""

    def confirm(self) -> None:
        """Check what was typed (one number, valid), then attach it to the ticket."""
        id_number, phone = clean(self.ids.id_field.value), clean(self.ids.phone_field.value)
        if id_number and phone:
            self.error = self.app.t("kiosk.holder.one_only")
        elif not (id_number or phone):
            self.error = self.app.t("kiosk.holder.empty")
        elif phone and not phone_valid(phone):
            self.error = self.app.t("kiosk.take.bad_phone")
            self.activate(self.ids.phone_field)
        elif id_number and not id_number_valid(id_number):
            self.error = self.app.t("kiosk.take.bad_id")
            self.activate(self.ids.id_field)
        else:
            self.app.errands.attach_holder(self.outcome, id_number=id_number or None, phone=phone or None)

    def on_enter(self, *_: Any) -> None:
        """Say what to do here."""
        self.speak()

    def speak(self) -> None:
        """This screen's voice prompt."""
        self.app.speak("kiosk.voice.holder")
