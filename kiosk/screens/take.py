"""Before the ticket: an ID card number (validated; required where the hall queues by real name), a
mobile number (to find the ticket again, and for 到号短信提醒 where the hall sends SMS notices), and a
self-declared priority the clerk confirms."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.idcard import clean, id_number_valid, phone_valid
from kiosk.screens.widgets import CLEAR, DELETE, InputField, KButton
from queue_server.contract import PriorityClass

PRIORITIES = (PriorityClass.ELDERLY, PriorityClass.DISABLED, PriorityClass.PREGNANT, PriorityClass.MILITARY)
ID_KEYS = [*"123456789", "X", "0", DELETE]
PHONE_KEYS = [*"123456789", CLEAR, "0", DELETE]


class TakeScreen(Screen):
    """ID number, phone, priority → 确认取号."""

    service = ObjectProperty(None, allownone=True)
    required = BooleanProperty(False)
    priority = StringProperty("")
    error = StringProperty("")
    title = StringProperty("")
    sms = BooleanProperty(False)  # 到号短信提醒 asked for (sent to the phone typed here)
    sms_offered = BooleanProperty(False)  # the hall sends SMS notices (its settings, as loaded)

    def __init__(self, **kwargs: Any) -> None:
        self._priority_buttons: dict[str, KButton] = {}
        self._sms_box: Any = None  # held here: out of the form, only the kv's weak ids would know it
        super().__init__(**kwargs)  # after: the kv rules (on_kv_post) may use them

    @property
    def app(self) -> Any:
        """The running kiosk app."""
        return App.get_running_app()

    def on_kv_post(self, _base: Any) -> None:
        """Build the priority buttons."""
        for kind in PRIORITIES:
            button = KButton(role="quiet")
            button.kind = kind.value
            button.bind(on_release=lambda b: self.choose_priority(b.kind))
            self.ids.priorities.add_widget(button)
            self._priority_buttons[kind.value] = button
        self._sms_box = self.ids.sms_box.__self__
        self.on_sms_offered(self, self.sms_offered)

    def on_sms_offered(self, _instance: Any, offered: bool) -> None:
        """The SMS choice is in the form only where the hall sends SMS notices: out of the form, it
        neither takes room nor taps (a hidden widget still would)."""
        box, fields = self._sms_box, self.ids.fields
        if box is None:  # still being built
            return
        if offered and box.parent is None:
            fields.add_widget(box, index=fields.children.index(self.ids.phone_field))  # under the phone
        elif not offered and box.parent is not None:
            fields.remove_widget(box)

    def prepare(self, service: Any, required: bool = False, priority_first: bool = False) -> None:
        """A fresh form for ``service`` (``priority_first``: scrolled to the priority choice)."""
        self.service = service
        self.required = required
        self.priority = ""
        self.error = ""
        self.sms = False  # every citizen chooses for themselves
        self.sms_offered = self.app.parts.hall.settings.notices.enabled
        person = self.app.person
        self.ids.id_field.value = person.id_number if person is not None else ""
        self.ids.phone_field.value = ""
        self.activate(self.ids.phone_field if person is not None else self.ids.id_field)
        self.relabel()
        scroll = self.ids.form
        scroll.scroll_y = 1  # from the top: the last citizen's position may not fit this print size
        if priority_first:
            grid = self.ids.priorities
            Clock.schedule_once(lambda _dt: scroll.scroll_to(grid, padding=40, animate=False), 0)

    def relabel(self) -> None:
        """Labels in the current language."""
        app = self.app
        if self.service is not None:
            name = self.service.name_en if app.lang == "en" and self.service.name_en else self.service.name
            self.title = app.t("kiosk.take.heading", service=name)
        for kind, button in self._priority_buttons.items():
            button.text = app.t(f"kiosk.priority.{kind}")
            button.role = "accent" if kind == self.priority else "quiet"
        self.ids.keypad.relabel()

    def activate(self, field: InputField) -> None:
        """Type into ``field`` from now on."""
        for other in (self.ids.id_field, self.ids.phone_field):
            other.active = other is field
        self.ids.keypad.keys = ID_KEYS if field.kind == "id" else PHONE_KEYS

    def card_read(self, id_number: str) -> None:
        """The citizen put their ID card on the reader: the number is filled in."""
        self.ids.id_field.value = id_number
        self.error = ""
        self.activate(self.ids.phone_field)

    def type_key(self, key: str) -> None:
        """A keypad key for the active field."""
        field = self.ids.id_field if self.ids.id_field.active else self.ids.phone_field
        field.type_key(key)
        self.error = ""

    def choose_priority(self, kind: str) -> None:
        """Select (or unselect) a priority group."""
        self.priority = "" if self.priority == kind else kind
        for name, button in self._priority_buttons.items():
            button.role = "accent" if name == self.priority else "quiet"

    def toggle_sms(self) -> None:
        """到号短信提醒 on or off; turned on without a phone, the keypad types the phone next."""
        self.sms = not self.sms
        self.error = ""
        if self.sms and not clean(self.ids.phone_field.value):
            self.activate(self.ids.phone_field)
        self.app.speak("kiosk.voice.sms_on" if self.sms else "kiosk.voice.sms_off")

    def confirm(self) -> None:
        """Check what was typed, then take the ticket."""
        id_number, phone = clean(self.ids.id_field.value), clean(self.ids.phone_field.value)
        if (id_number or self.required) and not id_number_valid(id_number):
            self.error = self.app.t("kiosk.take.bad_id")
            self.activate(self.ids.id_field)
            return
        if phone and not phone_valid(phone):
            self.error = self.app.t("kiosk.take.bad_phone")
            self.activate(self.ids.phone_field)
            return
        sms = self.sms and self.sms_offered
        if sms and not phone:  # the server would refuse it (ticket.sms_needs_phone): ask here
            self.error = self.app.t("kiosk.sms.needs_phone")
            self.activate(self.ids.phone_field)
            return
        self.app.errands.take(
            self.service,
            id_number=id_number or None,
            phone=phone or None,
            priority=PriorityClass(self.priority) if self.priority else None,
            sms=sms,
        )

    def on_enter(self, *_: Any) -> None:
        """Say what to do here."""
        self.speak()

    def speak(self) -> None:
        """This screen's voice prompt."""
        self.app.speak("kiosk.voice.take_sms" if self.sms_offered else "kiosk.voice.take")
