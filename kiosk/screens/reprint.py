"""补打: a citizen who lost the ticket finds it by the phone or ID number given, and reprints it;
the server counts the copies, so the old paper is void."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.idcard import clean, id_number_valid, phone_valid
from kiosk.layout import issued_time
from kiosk.screens.take import ID_KEYS, PHONE_KEYS
from kiosk.screens.widgets import TicketRow
from queue_server.contract import TicketPublic


class ReprintScreen(Screen):
    """Find my ticket → reprint it."""

    by = StringProperty("phone")  # phone | id
    error = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        self._found: list[TicketPublic] = []
        super().__init__(**kwargs)  # after: the kv rules (on_kv_post) may use them

    @property
    def app(self) -> Any:
        """The running kiosk app."""
        return App.get_running_app()

    def prepare(self) -> None:
        """An empty search."""
        self.error = ""
        self._found = []
        self.ids.field.value = ""
        self.choose("phone")
        self.ids.results.clear_widgets()

    def relabel(self) -> None:
        """Labels in the current language."""
        self.ids.keypad.relabel()
        self._show()

    def choose(self, by: str) -> None:
        """Search by phone or by ID number."""
        self.by = by
        self.ids.field.kind = by
        self.ids.field.limit = 11 if by == "phone" else 18
        self.ids.field.value = ""
        self.ids.keypad.keys = PHONE_KEYS if by == "phone" else ID_KEYS

    def card_read(self, id_number: str) -> None:
        """The citizen put their ID card on the reader: look their tickets up at once."""
        self.choose("id")
        self.ids.field.value = id_number
        self.find()

    def type_key(self, key: str) -> None:
        """A keypad key."""
        self.ids.field.type_key(key)
        self.error = ""

    def find(self) -> None:
        """Look the number up."""
        value = clean(self.ids.field.value)
        if self.by == "phone" and not phone_valid(value):
            self.error = self.app.t("kiosk.take.bad_phone")
            return
        if self.by == "id" and not id_number_valid(value):
            self.error = self.app.t("kiosk.take.bad_id")
            return
        key = {"phone": value} if self.by == "phone" else {"id_number": value}
        self.app.errands.find(self._found_tickets, **key)

    def _found_tickets(self, tickets: list[TicketPublic]) -> None:
        self._found = tickets
        self.error = "" if tickets else self.app.t("kiosk.reprint.none")
        self._show()

    def _show(self) -> None:
        results = self.ids.results
        results.clear_widgets()
        zone = self.app.parts.desk.paper.timezone
        for ticket in self._found:
            label = self.app.t(
                "kiosk.reprint.item",
                number=ticket.number,
                service=ticket.service_name,
                time=issued_time(ticket, zone).strftime("%H:%M"),
            )
            row = TicketRow(token=ticket.token, label=label)
            row.bind(on_release=lambda r: self.reprint(r.token))
            results.add_widget(row)

    def reprint(self, token: str) -> None:
        """Print a new copy of the chosen ticket."""
        ticket = next(t for t in self._found if t.token == token)
        self.app.errands.reprint(ticket)

    def on_enter(self, *_: Any) -> None:
        """Say what to do here."""
        self.speak()

    def speak(self) -> None:
        """This screen's voice prompt."""
        self.app.speak("kiosk.voice.reprint")
