"""The start screen: the hall's services by theme, a search box, live queues; reprint and check-in.

The service list is a RecycleView: only the rows on screen exist as widgets (a hall lists hundreds
of services; on software GL every label texture costs memory).
"""

from __future__ import annotations

import math
from typing import Any

from kivy.app import App
from kivy.core.text import Label as CoreLabel
from kivy.factory import Factory
from kivy.metrics import mm
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.hall import HallView
from kiosk.i18n import text, wait_text
from kiosk.screens.widgets import DELETE, KButton, TicketRow
from queue_server.contract import ServiceSummary
from queue_server.domain.search import search

LETTERS = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", DELETE]
TITLE_FONT, DETAIL_FONT = 26, 20  # design sizes (× app.k), as in widgets.kv's ServiceButton


class StartScreen(Screen):
    """请选择办理事项."""

    letters_open = BooleanProperty(False)
    theme = StringProperty("")  # "" = every theme
    note = StringProperty("")
    welcome = StringProperty("")  # the known citizen (masked), after their ID card was read

    def __init__(self, **kwargs: Any) -> None:
        self._themes: dict[str, KButton] = {}
        self._rows: list[dict[str, Any]] = []
        self._heights: dict[str, float] = {}  # row heights by title, at the width and print size of
        self._scale: tuple[float, float, float] = (0.0, 0.0, 0.0)  # ... this (width, k, z)
        super().__init__(**kwargs)  # after: the kv rules (on_kv_post) may use them

    @property
    def app(self) -> Any:
        """The running kiosk app."""
        return App.get_running_app()

    def on_kv_post(self, _base: Any) -> None:
        """Re-measure the rows when the list's width or the print size changes."""
        self.ids.scroll.bind(width=lambda *_: self._show(keep_scroll=True))
        self.app.bind(k=lambda *_: self._show(keep_scroll=True))
        self.app.bind(person=lambda *_: self.show_person())

    def populate(self) -> None:
        """(Re)build the theme buttons from the hall's catalogue and list its services."""
        grid = self.ids.themes
        grid.clear_widgets()
        self._themes = {}
        for theme in ["", *self.app.parts.hall.themes()]:
            button = KButton(role="quiet")
            button.theme = theme
            button.bind(on_release=lambda b: self.choose_theme(b.theme))
            grid.add_widget(button)
            self._themes[theme] = button
        self.relabel()

    def show_person(self) -> None:
        """The citizen known by their card: a greeting (masked), their open tickets to reprint, their
        bookings of today to check in, and each service's line telling them when they have reached the
        hall's daily limit."""
        app = self.app
        person = app.person
        box = self.ids.my_tickets
        box.clear_widgets()
        self.welcome = ""
        if person is not None:
            name = person.name_masked or person.id_masked
            self.welcome = app.t("kiosk.card.welcome", name=name, id=person.id_masked)
            if person.tickets:
                box.add_widget(Factory.Muted(text=app.t("kiosk.card.tickets")))
            for ticket in person.tickets:
                label = app.t("kiosk.card.ticket", number=ticket.number, service=ticket.service_name)
                row = TicketRow(token=ticket.token, label=label)
                row.bind(on_release=lambda r: self._reprint(r.token))
                box.add_widget(row)
            if person.bookings:
                box.add_widget(Factory.Muted(text=app.t("kiosk.card.bookings")))
            for booking in person.bookings:
                slot = booking.slot
                label = app.t(
                    "kiosk.card.booking",
                    start=slot.start.strftime("%H:%M"),
                    end=slot.end.strftime("%H:%M"),
                    service=slot.service_name,
                )
                row = TicketRow(token=booking.code, label=label)  # a booking's code in the token slot
                row.bind(on_release=lambda r: self.app.errands.check_in(r.token))
                box.add_widget(row)
        # only the lines of services at the person's daily limit change: the rows stay as they are
        self.update_queues(set(self.codes))

    def _reprint(self, token: str) -> None:
        person = self.app.person
        ticket = next((t for t in person.tickets if t.token == token), None) if person else None
        if ticket is not None:
            self.app.errands.reprint(ticket)

    def relabel(self) -> None:
        """Write every label in the current language."""
        for theme, button in self._themes.items():
            button.text = theme or self.app.t("kiosk.start.all")
            button.role = "accent" if theme == self.theme else "quiet"
        self.ids.letters.relabel()
        self._show(keep_scroll=True)

    @property
    def codes(self) -> list[str]:
        """The services listed, in order."""
        return [row["code"] for row in self._rows]

    def row(self, code: str) -> dict[str, Any]:
        """What a listed service's row shows."""
        return next(row for row in self._rows if row["code"] == code)

    def update_queues(self, codes: set[str]) -> None:
        """Refresh the "N waiting · about M min" line of these services."""
        changed = False
        for row in self._rows:
            if row["code"] in codes:
                row["queue"] = self._queue_text(row["code"])
                changed = True
        if changed:
            self.ids.scroll.refresh_from_data()

    def choose_theme(self, theme: str) -> None:
        """Show one theme's services (clearing a search)."""
        self.theme = theme
        self.ids.query.text = ""
        for name, button in self._themes.items():
            button.role = "accent" if name == theme else "quiet"
        self._show()

    def search(self, _query: str) -> None:
        """The search box changed."""
        self._show()

    def search_again(self) -> None:
        """Pinyin readings arrived: run the current search again."""
        if self.ids.query.text:
            self._show(keep_scroll=True)

    def type_letter(self, key: str) -> None:
        """A key of the on-screen letter pad."""
        query = self.ids.query
        query.text = query.text[:-1] if key == DELETE else query.text + key

    def clear(self) -> None:
        """Back to every service, no search."""
        self.ids.query.text = ""
        self.ids.query.focus = False
        self.letters_open = False
        self.choose_theme("")

    def scroll_to(self, code: str) -> None:
        """Bring a listed service's row into view."""
        rv = self.ids.scroll
        layout = rv.layout_manager
        index = self.codes.index(code)
        if index >= len(layout.view_opts):
            return  # not laid out yet
        opts = layout.view_opts[index]
        span = layout.height - rv.height
        if span > 0:
            middle = opts["pos"][1] + opts["size"][1] / 2 - rv.height / 2
            rv.scroll_y = min(1.0, max(0.0, middle / span))

    def view_of(self, code: str) -> Any:
        """The row widget of a service now on screen (None when it is scrolled away)."""
        return next((v for v in self.ids.scroll.layout_manager.children if v.code == code), None)

    def _services(self) -> list[ServiceSummary]:
        hall: HallView = self.app.parts.hall
        query = self.ids.query.text.strip()
        if query:
            return search(hall.services, query, self.app.parts.pinyin.get)
        return hall.in_theme(self.theme or None)

    def _show(self, keep_scroll: bool = False) -> None:
        app = self.app
        services = self._services() if app.loaded else []
        self._rows = [self._row(service) for service in services]
        rv = self.ids.scroll
        rv.data = self._rows
        query = self.ids.query.text.strip()
        if not app.loaded:
            self.note = app.t("kiosk.start.loading")
        elif query and not services:
            self.note = app.t("kiosk.start.no_results", query=query)
        else:
            self.note = ""
        if not keep_scroll:
            rv.scroll_y = 1

    def _row(self, service: ServiceSummary) -> dict[str, Any]:
        app = self.app
        title = service.name_en if app.lang == "en" and service.name_en else service.name
        return {
            "code": service.code,
            "title": title,
            "detail": service.department_name,
            "queue": self._queue_text(service.code),
            "row_size": (None, self._height(title)),
        }

    def _queue_text(self, code: str) -> str:
        app = self.app
        queue = app.parts.hall.queue(code)
        limit = app.parts.hall.settings.person_daily_limit
        if app.person is not None and limit and app.person.tickets_of(code) >= limit:
            return text("kiosk.card.limit", app.lang, limit=limit)
        if queue.windows_open == 0:  # every window of the service closed: no "about 1 min"
            return text("kiosk.start.no_window", app.lang, waiting=queue.waiting)
        if queue.estimated_wait_seconds is None:
            return text("kiosk.wait_unknown.start", app.lang, waiting=queue.waiting)
        wait = wait_text(queue.estimated_wait_seconds, app.lang)
        return text("kiosk.start.queue", app.lang, waiting=queue.waiting, wait=wait)

    def _height(self, title: str) -> float:
        """A row's height: its title wrapped to the list's width, the department line, the padding.

        Measuring every title is most of a list rebuild's time (the list is rebuilt after a search,
        a theme, a reset): heights are kept for the current width and print size."""
        app = self.app
        width = max(100.0, self.ids.scroll.width - 36 * app.z - 16 * app.z)
        scale = (width, app.k, app.z)
        if scale != self._scale:
            self._scale, self._heights = scale, {}
        if title not in self._heights:
            self._heights[title] = self._measure(title, width)
        return self._heights[title]

    def _measure(self, title: str, width: float) -> float:
        app = self.app
        title_label = CoreLabel(font_size=TITLE_FONT * app.k, bold=True)
        detail_label = CoreLabel(font_size=DETAIL_FONT * app.k)
        line = title_label.get_extents("国Ag")[1]
        lines = max(1, math.ceil(title_label.get_extents(title)[0] / width))
        return float(max(mm(15), lines * line + detail_label.get_extents("国Ag")[1] + 34 * app.z))

    def on_enter(self, *_: Any) -> None:
        """Greet the citizen."""
        self.speak()

    def speak(self) -> None:
        """This screen's voice prompt."""
        self.app.speak("kiosk.voice.start")
