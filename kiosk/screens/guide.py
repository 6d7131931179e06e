"""The service guide (办事指南): conditions, the complete materials list (一次性告知), steps, limits,
fees, where and when, phones — then take a ticket."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.i18n import text, waiting_text
from kiosk.screens.widgets import Paragraph
from queue_server import contract as c


def guide_sections(detail: c.ServiceDetail, lang: str) -> list[tuple[str, list[str]]]:
    """The guide as (heading, lines) sections, in the order a citizen needs them."""
    guide = detail.guide
    sections: list[tuple[str, list[str]]] = []
    if guide.conditions:
        sections.append((text("kiosk.guide.conditions", lang), [f"• {line}" for line in guide.conditions]))
    materials = []
    for index, item in enumerate(guide.materials, start=1):
        if item.copies:
            counts = text("kiosk.guide.copies", lang, originals=item.originals, copies=item.copies)
        else:
            counts = text("kiosk.guide.originals", lang, originals=item.originals) if item.originals else ""
        note = f"  {item.note}" if item.note else ""
        materials.append(f"{index}. {item.name}" + (f"\n    {counts}{note}" if counts or note else ""))
    if materials:
        sections.append((text("kiosk.guide.materials", lang, count=len(materials)), materials))
    if guide.steps:
        steps = [
            f"{i}. {s.name}" + (f"（{s.time_limit}）" if s.time_limit else "")
            for i, s in enumerate(guide.steps, 1)
        ]
        sections.append((text("kiosk.guide.steps", lang), steps))
    limits = []
    if guide.legal_limit_days:
        limits.append(text("kiosk.guide.legal_limit", lang, days=guide.legal_limit_days))
    if guide.promised_limit_days:
        limits.append(text("kiosk.guide.promised_limit", lang, days=guide.promised_limit_days))
    sections.append((text("kiosk.guide.limits", lang), limits or [text("kiosk.guide.on_the_spot", lang)]))
    fee = guide.fee + (f"（{guide.fee_basis}）" if guide.fee_basis else "")
    sections.append((text("kiosk.guide.fee", lang), [fee]))
    if guide.result_document:
        sections.append((text("kiosk.guide.result", lang), [guide.result_document]))
    place = [
        line
        for line in (guide.location, text("kiosk.guide.visits", lang, visits=guide.visits_needed))
        if line
    ]
    sections.append((text("kiosk.guide.location", lang), place))
    if guide.hours:
        sections.append((text("kiosk.guide.hours", lang), [guide.hours]))
    if guide.consult_phone or guide.complaint_phone:
        phones = text(
            "kiosk.guide.phones",
            lang,
            consult=guide.consult_phone or "—",
            complaint=guide.complaint_phone or "—",
        )
        sections.append((text("kiosk.guide.contact", lang), [phones]))
    if guide.legal_basis:
        sections.append((text("kiosk.guide.basis", lang), list(guide.legal_basis)))
    return sections


class GuideScreen(Screen):
    """One service's guide."""

    detail = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    queue = StringProperty("")

    @property
    def app(self) -> Any:
        """The running kiosk app."""
        return App.get_running_app()

    def on_kv_post(self, _base: Any) -> None:
        """Follow the print size: the options button moves to a row of its own in large print."""
        self.app.bind(large=self._place_options)
        self._place_options()

    def _place_options(self, *_: Any) -> None:
        button, wide, row = self.ids.options, self.ids.wide_row, self.ids.buttons
        target = wide if self.app.large else row
        if button.parent is target:
            return
        button.parent.remove_widget(button)
        button.size_hint_x = 1 if target is wide else 0.34
        target.add_widget(button, index=0 if target is wide else 1)  # in the row: between 返回 and 取号

    def prepare(self, detail: c.ServiceDetail | None = None) -> None:
        """Show ``detail``'s guide from the top (none given: the one shown last, e.g. back from 取号)."""
        self.detail = detail or self.detail
        self._write()
        self.ids.scroll.scroll_y = 1

    def relabel(self) -> None:
        """The language changed: rewrite the guide if it is on screen (it is written when shown)."""
        if self.manager is not None and self.manager.current == self.name:
            self._write()

    def on_pre_leave(self, *_: Any) -> None:
        """Leaving: once off screen, drop the sections' text textures (a long guide holds several MB).

        Not in on_leave: Kivy skips that event when the next screen change cuts a transition short.
        """
        seconds = self.manager.transition.duration if self.manager is not None else 0
        Clock.schedule_once(self._drop_sections, seconds + 0.1)

    def _drop_sections(self, _dt: float) -> None:
        if self.manager is None or self.manager.current != self.name:
            self.ids.body.clear_widgets()

    def _write(self) -> None:
        """Write the guide in the current language."""
        detail = self.detail
        if detail is None:
            return
        lang = self.app.lang
        self.title = detail.name_en if lang == "en" and detail.name_en else detail.name
        body = self.ids.body
        body.clear_widgets()
        for heading, lines in guide_sections(detail, lang):
            body.add_widget(Factory.SectionTitle(text=heading))
            body.add_widget(Paragraph(text="\n".join(lines), line_height=1.15))  # one texture a section
        self.update_queue()

    def update_queue(self) -> None:
        """The live "N waiting, about M min" line."""
        if self.detail is None:
            return
        app = self.app
        queue = app.parts.hall.queue(self.detail.code)
        if queue.windows_open == 0:
            self.queue = app.t("kiosk.guide.no_window", waiting=queue.waiting)
        else:
            self.queue = waiting_text(queue.estimated_wait_seconds, app.lang, "guide", queue.waiting)

    def take(self) -> None:
        """取号 straight away (the take screen if the hall wants an ID number)."""
        person = self.app.person
        self.app.errands.take(self.detail, id_number=person.id_number if person is not None else None)

    def options(self, priority: bool = False) -> None:
        """ID, phone, priority first (``priority``: the 老年人/残疾人 choice brought into view)."""
        required = self.app.parts.hall.settings.real_name_required
        self.app.go("take", service=self.detail, required=required, priority_first=priority)

    def on_enter(self, *_: Any) -> None:
        """Say what this screen is."""
        self.speak()

    def speak(self) -> None:
        """This screen's voice prompt."""
        if self.detail is not None:
            self.app.speak("kiosk.voice.guide", service=self.title)
