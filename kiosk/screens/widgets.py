"""Widgets every screen uses: big buttons, keypads, input fields, the busy and notice overlays, QR codes."""

from __future__ import annotations

import unicodedata
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView

from kiosk.idcard import grouped

DELETE, CLEAR = "⌫", "clear"


class KButton(Button):
    """A flat, big button (at least 15 mm high) in the kiosk's palette."""

    role = StringProperty("normal")  # normal | accent | quiet


def keep_together(value: str) -> str:
    """Chinese text wraps anywhere, not at its few spaces: make those spaces non-breaking."""
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in value):
        return value.replace(" ", "\u00a0")
    return value


class Paragraph(Label):
    """A label that wraps to its width and grows to its text."""

    def on_text(self, _instance: Any, value: str) -> None:
        """Keep Chinese lines from breaking at a space (Kivy wraps only at spaces, or mid-word)."""
        if keep_together(value) != value:
            Clock.schedule_once(self._keep_together)  # after this change has reached the core label

    def _keep_together(self, _dt: float) -> None:
        self.text = keep_together(self.text)


class Keypad(GridLayout):
    """A grid of big keys; dispatches ``on_key`` with the key's value (DELETE and CLEAR included)."""

    keys = ListProperty([])

    def __init__(self, **kwargs: Any) -> None:
        self.register_event_type("on_key")
        super().__init__(**kwargs)
        self.bind(keys=self._build)

    def _build(self, *_: Any) -> None:
        self.clear_widgets()
        app = App.get_running_app()
        for key in self.keys:
            label = key
            if key == DELETE:
                label = app.t("kiosk.key.delete", app.lang)
            elif key == CLEAR:
                label = app.t("kiosk.key.clear", app.lang)
            button = KButton(text=label, role="quiet" if key in (DELETE, CLEAR) else "normal")
            button.key = key
            button.bind(on_release=lambda b: self.dispatch("on_key", b.key))
            self.add_widget(button)

    def relabel(self) -> None:
        """Redraw the keys (after a language change)."""
        self._build()

    def on_key(self, key: str) -> None:
        """Default handler: nothing."""


class InputField(ButtonBehavior, BoxLayout):
    """A tappable field filled from a keypad, shown grouped (ID 6-8-4, phone 3-4-4)."""

    caption = StringProperty("")
    value = StringProperty("")
    kind = StringProperty("plain")  # id | phone | code | plain
    active = BooleanProperty(False)
    limit = NumericProperty(18)

    def shown(self, value: str, placeholder: str) -> str:
        """The value as people read it, or the placeholder."""
        if not value:
            return placeholder
        return grouped(value, self.kind) if self.kind in ("id", "phone") else value

    def type_key(self, key: str) -> None:
        """Apply one keypad key."""
        if key == DELETE:
            self.value = self.value[:-1]
        elif key == CLEAR:
            self.value = ""
        elif len(self.value) < self.limit:
            self.value += key


class ServiceButton(ButtonBehavior, BoxLayout):
    """A service on the start screen: its name, department and live queue."""

    code = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    queue = StringProperty("")


class TicketRow(ButtonBehavior, BoxLayout):
    """A found ticket in the reprint list."""

    token = StringProperty("")
    label = StringProperty("")


class BusyView(ModalView):
    """ "One moment…" over the screen while the server or the printer works."""

    message = StringProperty("")
    can_cancel = BooleanProperty(False)


class NoticeView(ModalView):
    """A message the citizen must acknowledge."""

    message = StringProperty("")


class QrImage(Image):
    """A QR code drawn sharp at any size (one texel a module; no image library needed)."""

    data = StringProperty("")

    def on_data(self, _instance: Any, data: str) -> None:
        """Draw the code for ``data``."""
        if not data:
            self.texture = None
            return
        import qrcode

        maker = qrcode.QRCode(border=2)
        maker.add_data(data)
        matrix = maker.get_matrix()
        size = len(matrix)
        rows = [bytes(0 if dark else 255 for dark in row) for row in reversed(matrix)]  # GL rows go up
        texture = Texture.create(size=(size, size), colorfmt="luminance")
        texture.blit_buffer(b"".join(rows), colorfmt="luminance", bufferfmt="ubyte")
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        self.texture = texture
