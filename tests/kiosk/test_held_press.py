"""A slow press, held as elderly citizens hold it, inside the kiosk's scrolling views: the take form's
choices, keys and fields, the start screen's list of services, the reprint screen's found tickets.

A scroll view waits ``scroll_timeout`` (250 ms) for a finger to move before it hands the touch to the
button under it; a held press is that hand-over, and it must be taken exactly once. A real drag
scrolls and presses nothing; a quick tap still works.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.kiosk.conftest import Kiosk
from tests.kiosk.test_busy_hall import open_guide

PENSION = "RS001"
PASSPORT = "CR001"
SLOW = 3.0  # seconds an elderly citizen's finger rests (once here: every second is wall time)
HELD = 1.0  # four times the scroll view's scroll_timeout
PHONE = "13987651234"  # made up; no other test's


def choice_of(take: Any, kind: str) -> Any:
    return next(b for b in take.ids.priorities.children if b.kind == kind)


def key_of(keypad: Any, key: str) -> Any:
    return next(b for b in keypad.children if getattr(b, "key", None) == key)


def test_a_slow_press_on_the_priority_choice_is_taken_once(kiosk: Kiosk) -> None:
    guide = open_guide(kiosk, PENSION)
    kiosk.tap(guide.ids.priority)  # 老年人 / 残疾人优先: the form opens at the priority choice
    take = kiosk.wait_screen("take")
    kiosk.pump(frames=4)
    form, fields = take.ids.form, take.ids.fields
    assert fields.height < form.height  # it fits: shown from its top, as any other way in shows it
    top = form.to_window(form.x, form.top)[1]
    assert fields.to_window(fields.x, fields.top)[1] == pytest.approx(top, abs=1)
    kiosk.hold(choice_of(take, "elderly"), SLOW)
    assert take.priority == "elderly"
    kiosk.shot("45-take-priority-held")
    kiosk.hold(choice_of(take, "disabled"), HELD)
    assert take.priority == "disabled"
    kiosk.tap(choice_of(take, "disabled"))  # a quick tap still works: the choice is taken back
    assert take.priority == ""
    kiosk.hold(key_of(take.ids.keypad, "5"), HELD)
    assert take.ids.id_field.value == "5"  # typed once
    kiosk.hold(take.ids.phone_field, HELD)
    assert take.ids.phone_field.active and not take.ids.id_field.active


def test_a_slow_press_just_after_the_form_was_pulled_past_its_end_is_taken(kiosk: Kiosk) -> None:
    app = kiosk.app
    app.large, app.lang = True, "en"  # a form taller than its view
    try:
        guide = open_guide(kiosk, PENSION)
        kiosk.tap(guide.ids.options)
        take = kiosk.wait_screen("take")
        form = take.ids.form
        kiosk.pump(lambda: form.viewport_size[1] > form.height)
        kiosk.swipe(form, -300, settle=1)  # pulled down past its top, the finger lifted
        kiosk.hold(key_of(take.ids.keypad, "5"), HELD)
        assert take.ids.id_field.value == "5"
        kiosk.swipe(form, 300)  # a real drag, up across the keys in the middle of the form
        assert form.scroll_y < 1 and take.ids.id_field.value == "5"  # it scrolled and typed nothing
        kiosk.hold(choice_of(take, "military"), HELD)
        assert take.priority == "military"
    finally:
        app.large, app.lang = False, "zh"


def test_a_slow_press_on_a_listed_service_opens_its_guide(kiosk: Kiosk) -> None:
    start = kiosk.screen("start")
    listed = start.ids.scroll
    kiosk.swipe(listed, 400)  # a real drag: the list scrolls, nothing opens
    assert listed.scroll_y < 1 and kiosk.current == "start"
    kiosk.swipe(listed, -560, settle=1)  # back, and pulled past its top; the finger lifted
    code = start.codes[1]
    kiosk.hold(start.view_of(code), HELD)
    guide = kiosk.wait_screen("guide")
    assert guide.detail.code == code


def test_a_slow_press_on_a_found_ticket_reprints_it_once(kiosk: Kiosk) -> None:
    lost, reprint = kiosk.find_by_phone(PASSPORT, PHONE)
    printed = len(kiosk.printer.receipts)
    kiosk.hold(reprint.ids.results.children[0], HELD)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.ticket.token == lost["token"] and ticket.outcome.ticket.paper == 2  # once
    kiosk.printer.wait_for(printed + 1)
    kiosk.pump(frames=20)
    assert len(kiosk.printer.receipts) == printed + 1
