"""Widgets every screen uses: big buttons, keypads, input fields, the busy and notice overlays, QR codes."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.effects.scroll import ScrollEffect
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.recycleview import RecycleView
from kivy.uix.scrollview import ScrollView

from kiosk.idcard import grouped
from kiosk.layout import wrap

DELETE, CLEAR = "⌫", "clear"


class _NoClipboard:
    """A kiosk has no copy and paste: what the search box asks of a clipboard, answered empty."""

    def copy(self, _data: str = "") -> None:
        """Nothing to copy to."""

    def paste(self) -> str:
        """Nothing to paste."""
        return ""

    def get_cutbuffer(self) -> str:
        """Nothing selected elsewhere."""
        return ""


def no_clipboard() -> None:
    """Give Kivy's TextInput a clipboard before it looks for one: on Linux every TextInput imports
    kivy.core.clipboard, which probes xclip and xsel for a cut buffer and, on a kiosk without them,
    logs a CRITICAL line and two tracebacks at every start."""
    from kivy.uix import textinput

    if textinput.Clipboard is None:
        textinput.Clipboard = _NoClipboard()
        textinput.CutBuffer = None


class KButton(Button):
    """A flat, big button (at least 15 mm high) in the kiosk's palette."""

    role = StringProperty("normal")  # normal | accent | quiet


def keep_together(value: str) -> str:
    """Chinese text wraps anywhere, not at its few spaces: make those spaces non-breaking."""
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in value):
        return value.replace(" ", "\u00a0")
    return value


class Paragraph(Label):
    """A label that wraps to its width and grows to its text.

    Kivy breaks lines only at spaces, or anywhere inside a word too long for a line, so Chinese
    would break at any character: a line could start with "，" or end with "（". The paragraph
    breaks its text itself with the receipt's rule (kiosk.layout.wrap, 避头尾) measured in its
    font, and hands Kivy lines that fit, their spaces made non-breaking.
    """

    source = StringProperty("")  # the text as given; ``text`` is the same broken into lines
    text: str  # Label's property, declared for mypy (Kivy has no type information)

    def __init__(self, **kwargs: Any) -> None:
        self._shown = ""
        # -1: after this handler and the layouts, but before the frame is drawn, so that a new text or
        # width shows broken in the very next frame (not a raw frame, then a broken one a frame later:
        # each full-screen frame is tens of ms of CPU on the kiosk's software GL)
        self._rewrap_soon = Clock.create_trigger(self._rewrap, -1)
        super().__init__(**kwargs)
        self.bind(width=self._rewrap_soon, font_size=self._rewrap_soon, bold=self._rewrap_soon)
        self._rewrap()

    def on_text(self, _instance: Any, value: str) -> None:
        """New text from outside: remember it, break it into lines for this width — just before the
        frame is drawn, not here: set from inside this handler, the broken text would be overwritten by
        the raw one, which the label's own observer of ``text`` receives after this handler (Kivy then
        broke "A区1 / 楼2号")."""
        if value != self._shown:
            self.source = value
            self._rewrap_soon()

    def _rewrap(self, *_: Any) -> None:
        shown = self.source if self.markup else self.broken(self.source)
        self._shown = shown
        if shown != self.text:
            self.text = shown

    def broken(self, value: str) -> str:
        """``value`` in lines that fit this label (the last pixels kept spare for rounding)."""
        room = self.width - self.padding[0] - self.padding[2] - 2
        if getattr(self, "_label", None) is None:  # still being built: break it once it can measure
            self._rewrap_soon()
            return keep_together(value)
        if room <= self.font_size or not value:
            return keep_together(value)
        self._label.options.update(font_size=self.font_size, bold=self.bold)
        extents: dict[str, float] = {}

        def measure(piece: str) -> float:
            if piece not in extents:
                extents[piece] = self._label.get_extents(piece)[0]
            return extents[piece]

        lines = (line for part in value.split("\n") for line in wrap(part, room, measure))
        return "\n".join(keep_together(line) for line in lines)


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


class SteadyBar:
    """A scroll view whose bar keeps its colour.

    Kivy shows the bar at ``bar_color`` after every scroll or relayout and, half a second later,
    fades it to ``bar_inactive_color`` over another half second. The start screen's list relays out
    at each card read and each reset, and every frame of that fade redraws the whole screen (~60 ms
    of the UI thread's CPU on software GL) while the card reader's thread waits for the interpreter:
    measured, 3 to 9 such frames per card (tests/kiosk/test_card_cost.py counts them).
    """

    def _bind_inactive_bar_color(self, *_args: Any) -> None:
        """Where Kivy (2.3) starts the fade: the bar stays as it is."""


class StillContent:
    """A scroll view whose content moves only with a moving finger, so that a press held there is taken.

    Kivy's scroll view holds a touch for ``scroll_timeout`` (250 ms) to tell a tap from a drag; a finger
    still resting then is handed to the button under it *where the finger is now*, and the button takes
    the lift only if it is still under the finger. Two of Kivy's defaults move the content on their own
    under a resting finger, and the held press (an elderly citizen's) was lost:

    - ``DampedScrollEffect`` lets a drag pull the content past its end and springs it back, also while
      the next finger already rests on it (the hand-over cancels the effect, which resumes the spring);
      ``ScrollEffect`` stops at the ends: a touch stops any motion, and nothing else moves it.
    - ``always_overscroll`` (on since Kivy 2.0) places even content that fits the view by ``scroll_y``:
      the take form fits in normal print, Kivy's ``scroll_to`` (the guide's 老年人 / 残疾人优先 path) sets
      such a view's ``scroll_y`` to 0, which put the form at the bottom of its view, and the first
      touch's effect pulled it back to the top under the finger. Off, content that fits stays at the top
      whatever ``scroll_y`` says.
    """

    effect_cls = ObjectProperty(ScrollEffect, allownone=True)
    always_overscroll = BooleanProperty(False)


class KScrollView(StillContent, SteadyBar, ScrollView):
    """The kiosk's scroll view (still content, a steady bar)."""


class ServiceList(StillContent, SteadyBar, RecycleView):
    """The start screen's recycled list of services (still content, a steady bar)."""


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


class HoldLabel(Label):
    """A label that dispatches ``on_hold`` when a finger rests on it for ``hold_seconds`` (staff only:
    citizens tap, they do not hold a warning line for seconds)."""

    hold_seconds = NumericProperty(3.0)

    def __init__(self, **kwargs: Any) -> None:
        self.register_event_type("on_hold")
        self._pending: Any = None
        super().__init__(**kwargs)

    def on_touch_down(self, touch: Any) -> bool:
        """A finger on the label: start counting."""
        if not self.collide_point(*touch.pos):
            return bool(super().on_touch_down(touch))
        touch.grab(self)
        self._pending = Clock.schedule_once(lambda _dt: self.dispatch("on_hold"), self.hold_seconds)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        """The finger lifted: a short tap does nothing."""
        if touch.grab_current is self:
            touch.ungrab(self)
            if self._pending is not None:
                self._pending.cancel()
                self._pending = None
            return True
        return bool(super().on_touch_up(touch))

    def on_hold(self) -> None:
        """Default handler: nothing."""


class ChoiceView(ModalView):
    """A question with a few big answers, one under the other (the first is what most people want)."""

    message = StringProperty("")

    def offer(self, message: str, choices: list[tuple[str, Callable[[], None]]]) -> None:
        """Show ``message`` and a button per (label, action); a tap closes the view, then acts."""
        self.message = message
        box = self.ids.choices
        box.clear_widgets()
        for index, (label, action) in enumerate(choices):
            button = KButton(text=label, role="accent" if index == 0 else "quiet")
            button.bind(on_release=lambda _b, act=action: self._pick(act))
            box.add_widget(button)

    def _pick(self, action: Callable[[], None]) -> None:
        self.dismiss(animation=False)
        action()


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
