"""The moments a busy hall produces, driven as a citizen would: repeated taps, paper running out,
long place names, large print, elderly citizens, a kiosk whose token was revoked."""

from __future__ import annotations

import itertools
import time
from typing import Any

from hardware_mocks.printer_server import Condition
from tests.kiosk.conftest import Kiosk, seen

PENSION = "RS001"  # location: "A区1楼 3、5–7号窗口（老年人、残疾人等可至A区1楼2号绿色通道窗口优先办理）"
SOCIAL_CARD = "RS005"


def open_guide(kiosk: Kiosk, code: str) -> Any:
    kiosk.tap(kiosk.service_button(code))
    return kiosk.wait_screen("guide")


def touch_at(kiosk: Kiosk, x: float, y: float) -> None:
    """A finger down and up at a window position."""
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(x, y)
    touch.touch_down()
    kiosk.pump(frames=3)
    touch.touch_up()
    kiosk.pump(frames=3)


def window_rect(widget: Any) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def rendered(label: Any) -> list[str]:
    """The lines as Kivy laid them out on screen (not the text handed to it)."""
    return [seen("".join(word.text for word in line.words)) for line in label._label._cached_lines]


def choice(kiosk: Kiosk, timeout: float = 15.0) -> tuple[str, list[Any]]:
    """The question on screen and its answer buttons, top first."""
    app = kiosk.app
    overlays = app.overlays
    kiosk.pump(lambda: overlays.choice_view is not None and overlays.choice_view.parent is not None, timeout)
    kiosk.pump(frames=4)
    view = app.overlays.choice_view
    return seen(view.message), list(reversed(view.ids.choices.children))


# ------------------------------------------------------------ the ticket screen


def test_a_second_tap_on_take_leaves_the_ticket_on_screen(kiosk: Kiosk) -> None:
    app = kiosk.app
    guide = open_guide(kiosk, SOCIAL_CARD)
    main_buttons = [window_rect(guide.ids.take)]  # where each screen's main button is, as shown
    for screen, button, details in (
        ("take", "confirm", {"service": guide.detail}),
        ("checkin", "submit", {}),
        ("card", "confirm", {}),
    ):
        app.go(screen, **details)
        kiosk.pump(frames=6)
        main_buttons.append(window_rect(kiosk.screen(screen).ids[button]))
    app.go("guide", detail=guide.detail)
    kiosk.wait_screen("guide")
    x, y = guide.ids.take.to_window(*guide.ids.take.center)
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    touch_at(kiosk, x, y)  # the citizen's repeated tap, where 取号 was
    assert kiosk.current == "ticket"
    ticket.shown_at = time.monotonic() - 60  # well after the first moment: still nothing there
    touch_at(kiosk, x, y)
    assert kiosk.current == "ticket"
    for rect in main_buttons:
        assert not overlaps(window_rect(ticket.ids.done), rect)
    kiosk.tap(ticket.ids.done)
    kiosk.wait_screen("start")


def test_taps_in_the_first_moment_are_ignored_even_on_done(kiosk: Kiosk) -> None:
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    ticket.shown_at = time.monotonic()  # it has just appeared
    kiosk.tap(ticket.ids.done)
    assert kiosk.current == "ticket"
    ticket.shown_at = time.monotonic() - 60
    kiosk.tap(ticket.ids.done)
    kiosk.wait_screen("start")


def test_an_unprinted_ticket_stays_until_the_citizen_says_done(kiosk: Kiosk) -> None:
    app = kiosk.app
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.printer.condition = Condition.PAPER_OUT
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.trouble
    assert seen(ticket.ids.countdown.text) == "请记下号码后点击完成"
    kiosk.pump(frames=6)
    assert not any(line.startswith(("，", "。")) for line in rendered(ticket.ids.message))
    app.idle.last_touch = time.monotonic() - app.settings.ticket_seconds - 5  # a printed ticket would go
    app.check_idle()
    kiosk.pump(frames=3)
    assert kiosk.current == "ticket"
    assert app.idle_limit() >= app.settings.unprinted_seconds
    kiosk.shot("20-unprinted-stays")

    ticket.shown_at = 0
    kiosk.tap(ticket.ids.done)
    kiosk.wait_screen("start")
    kiosk.printer.condition = Condition.READY
    kiosk.app.watch.poll_printer()
    kiosk.pump(lambda: app.printer_state == "ok")
    guide = open_guide(kiosk, PENSION)  # (another service: SOCIAL_CARD's unprinted number is offered)
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    assert not ticket.trouble
    app.idle.last_touch = time.monotonic() - app.settings.ticket_seconds - 5
    app.check_idle()
    kiosk.wait_screen("start")


# ------------------------------------------------------------ paper out, paper ending


def test_paper_out_offers_the_number_already_held_instead_of_a_new_one(kiosk: Kiosk) -> None:
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.printer.condition = Condition.PAPER_OUT
    kiosk.tap(guide.ids.take)
    first = kiosk.wait_screen("ticket").outcome.ticket
    kiosk.screen("ticket").shown_at = 0
    kiosk.tap(kiosk.screen("ticket").ids.done)
    kiosk.wait_screen("start")

    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.tap(guide.ids.take)  # again, as a citizen without paper does
    question, answers = choice(kiosk)
    assert question.startswith(f"您刚才取的 {first.number} 号")
    assert [seen(a.text) for a in answers] == [f"使用 {first.number} 号", "仍要取新号"]
    kiosk.shot("21-paper-out-use-this-number")
    kiosk.tap(answers[0])
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.ticket.number == first.number
    on_server = kiosk.server.call("GET", f"/services/{SOCIAL_CARD}").json()
    waiting_before = on_server["waiting"]

    kiosk.screen("ticket").shown_at = 0
    kiosk.tap(kiosk.screen("ticket").ids.done)
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.tap(guide.ids.take)
    _question, answers = choice(kiosk)
    kiosk.tap(answers[1])  # the citizen asks for a new number: they get one
    second = kiosk.wait_screen("ticket").outcome.ticket
    assert second.number != first.number
    assert kiosk.server.call("GET", f"/services/{SOCIAL_CARD}").json()["waiting"] == waiting_before + 1


def reprint_finds(kiosk: Kiosk, **key: str) -> list[str]:
    """The numbers 补打号票 finds today by this phone or ID number (as the reprint screen asks)."""
    found = kiosk.server.call("POST", "/tickets/lookup", who="kiosk", json=key).json()
    return [ticket["number"] for ticket in found]


def unprinted_quick_ticket(kiosk: Kiosk) -> Any:
    """取号 on the quick path while the printer has no paper: the ticket screen, wait for taps over."""
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.printer.condition = Condition.PAPER_OUT
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    ticket.shown_at = 0
    return ticket


def test_paper_out_on_the_quick_path_takes_a_phone_number_for_a_later_reprint(kiosk: Kiosk) -> None:
    ticket = unprinted_quick_ticket(kiosk)
    number = ticket.outcome.ticket.number
    offer = ticket.ids.holder
    assert offer.opacity == 1 and not offer.disabled and seen(offer.text) == "留下手机号或身份证号，以便补打"
    kiosk.shot("37-unprinted-offers-a-phone-number")
    kiosk.tap(offer)
    holder = kiosk.wait_screen("holder")
    assert seen(holder.title).startswith(f"号票 {number}")
    kiosk.press(holder.ids.keypad, "1381234")
    kiosk.tap(holder.ids.confirm)
    assert seen(holder.error).startswith("手机号码应为 11 位数字")  # too short: said, nothing sent
    assert kiosk.current == "holder"
    kiosk.press(holder.ids.keypad, "9876")
    kiosk.shot("38-holder-phone-typed")
    kiosk.tap(holder.ids.confirm)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.ticket.number == number and ticket.outcome.ticket.phone_masked == "138****9876"
    assert "已登记 138****9876" in seen(ticket.facts)
    assert ticket.ids.holder.opacity == 0 and ticket.ids.holder.disabled  # asked once
    kiosk.shot("39-unprinted-phone-saved")
    assert number in reprint_finds(kiosk, phone="13812349876")

    ticket.shown_at = 0
    kiosk.tap(ticket.ids.done)
    kiosk.printer.condition = Condition.READY
    kiosk.tap(kiosk.screen("start").ids.reprint)  # 补打号票 by that phone number, on the kiosk
    reprint = kiosk.wait_screen("reprint")
    kiosk.tap(reprint.ids.by_phone)
    kiosk.press(reprint.ids.keypad, "13812349876")
    kiosk.tap(reprint.ids.find)
    kiosk.pump(lambda: any(getattr(r, "token", "") for r in reprint.ids.results.children), timeout=30)
    rows = [r for r in reprint.ids.results.children if getattr(r, "token", "")]
    assert [r.token for r in rows] == [ticket.outcome.ticket.token]


def test_paper_out_on_the_quick_path_takes_the_id_card_put_on_the_reader(kiosk: Kiosk) -> None:
    from hardware_mocks.idcard_reader import sample_card

    holder_id = "320106198812123458"  # made up, with a valid check digit
    ticket = unprinted_quick_ticket(kiosk)
    number = ticket.outcome.ticket.number
    kiosk.tap(ticket.ids.holder)
    holder = kiosk.wait_screen("holder")
    kiosk.press(holder.ids.keypad, "13800000000")
    kiosk.reader.put(sample_card(id_number=holder_id))  # the card wins: the typed phone is cleared
    kiosk.pump(lambda: holder.ids.id_field.value == holder_id, timeout=15)
    assert holder.ids.phone_field.value == ""
    kiosk.tap(holder.ids.confirm)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.ticket.id_masked == "320106********3458"
    assert number in reprint_finds(kiosk, id_number=holder_id)


def test_the_holder_form_refuses_two_numbers_or_none(kiosk: Kiosk) -> None:
    ticket = unprinted_quick_ticket(kiosk)
    kiosk.tap(ticket.ids.holder)
    holder = kiosk.wait_screen("holder")
    kiosk.tap(holder.ids.confirm)
    assert seen(holder.error) == "请填写手机号码或身份证号码。"
    kiosk.press(holder.ids.keypad, "13812345678")
    kiosk.tap(holder.ids.id_field)
    kiosk.press(holder.ids.keypad, "11010519491231002X")
    kiosk.tap(holder.ids.confirm)
    assert seen(holder.error) == "请只填写其中一项。" and kiosk.current == "holder"
    kiosk.tap(holder.ids.back)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.ticket.phone_masked is None and ticket.ids.holder.opacity == 1


def test_a_printed_or_real_name_ticket_is_not_asked_for_a_number(kiosk: Kiosk) -> None:
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    assert not ticket.trouble and ticket.ids.holder.disabled and ticket.ids.holder.height == 0
    ticket.shown_at = 0
    kiosk.tap(ticket.ids.done)
    guide = open_guide(kiosk, PENSION)
    kiosk.printer.condition = Condition.PAPER_OUT
    kiosk.tap(guide.ids.options)
    take = kiosk.wait_screen("take")
    kiosk.press(take.ids.keypad, "330102197505056787")  # made up, with a valid check digit
    kiosk.tap(take.ids.confirm)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.trouble and ticket.ids.holder.disabled  # 补打 finds it by the ID already given
    assert "已登记 330102********6787" in seen(ticket.facts)


def test_paper_ending_in_the_middle_of_a_ticket_is_a_failed_print(kiosk: Kiosk) -> None:
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.printer.paper_left = 0  # the roll ends during the next ticket
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    outcome = ticket.outcome
    assert not outcome.printed and outcome.problem == "paper_out"
    assert len(kiosk.printer.torn) >= 1
    assert ticket.heading == "号票未能打印" and "请取走号票" not in seen(ticket.message)
    on_server = kiosk.server.call("GET", f"/tickets/{outcome.ticket.token}").json()
    assert on_server["print_failed"] is True
    kiosk.shot("22-paper-ended-mid-ticket")


# ------------------------------------------------------------ words and lines


def test_place_names_break_between_words_on_screen_and_on_paper(kiosk: Kiosk) -> None:
    kiosk.app.large = True
    guide = open_guide(kiosk, PENSION)
    printed = len(kiosk.printer.receipts)
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    kiosk.pump(frames=6)
    screen_lines = rendered(ticket.ids.facts)
    assert any("A区1楼2号" in line for line in screen_lines), screen_lines
    receipt = kiosk.printer.wait_for(printed + 1)[-1].receipt
    paper = receipt.lines
    assert any("A区1楼2号" in line for line in paper) and any("咨询台" in line for line in paper), paper
    for before, after in itertools.pairwise(paper):
        assert not (before[-1:].isdigit() and after[:1] in "份号楼层区个分"), (before, after)
    kiosk.shot("23-ticket-large-print")


def test_80mm_paper_prints_the_service_and_place_in_double_height(kiosk: Kiosk) -> None:
    guide = open_guide(kiosk, PENSION)
    printed = len(kiosk.printer.receipts)
    kiosk.tap(guide.ids.take)
    kiosk.wait_screen("ticket")
    receipt = kiosk.printer.wait_for(printed + 1)[-1].receipt
    assert receipt.line_with("城乡居民基本养老保险").height == 2
    assert receipt.line_with("办理地点").height == 2


def test_a_gb2312_printer_gets_stand_ins_for_the_dash_it_lacks(kiosk: Kiosk) -> None:
    printer = kiosk.app.parts.desk.printer
    printer.font = "gb2312"
    try:
        guide = open_guide(kiosk, PENSION)
        printed = len(kiosk.printer.receipts)
        kiosk.tap(guide.ids.take)
        kiosk.wait_screen("ticket")
        receipt = kiosk.printer.wait_for(printed + 1)[-1].receipt
    finally:
        printer.font = "gb18030"
    text = receipt.text
    assert "–" not in text and "5-7号窗口" in text
    text.replace("\n", "").encode("gb2312")  # every character is one a GB2312 font has


def test_a_wait_that_cannot_be_estimated_reads_as_a_sentence(kiosk: Kiosk) -> None:
    from kiosk.desk import Outcome

    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    unknown = ticket.outcome.ticket.model_copy(update={"estimated_wait_seconds": None})
    ticket.prepare(Outcome(unknown, printed=True))  # as for a service with no handling times yet
    kiosk.pump(frames=4)
    facts = seen(ticket.ids.facts.text.replace("\n", ""))
    assert "预计等候暂无法估计" not in facts and "等候时间暂无法估计" in facts


def test_services_with_every_window_closed_do_not_promise_a_wait(kiosk: Kiosk) -> None:
    start = kiosk.screen("start")
    hall = kiosk.app.parts.hall
    closed = [code for code in start.codes if hall.queue(code).windows_open == 0]
    assert closed, "the test hall has services no open window serves"
    kiosk.service_button(closed[0])
    queue = seen(start.row(closed[0])["queue"])
    assert "暂无窗口办理" in queue and "分钟" not in queue


# ------------------------------------------------------------ large print, contrast, priority


def one_line(button: Any) -> bool:
    from kivy.core.text import Label as CoreLabel

    line = CoreLabel(font_size=button.font_size, bold=button.bold).get_extents("国Ag")[1]
    return bool(button.texture_size[1] < 1.6 * line)


def test_large_print_layouts_fit_in_both_languages(kiosk: Kiosk) -> None:
    from kivy.core.text import Label as CoreLabel

    app = kiosk.app
    start = kiosk.screen("start")
    for lang in ("zh", "en"):
        for large in (False, True):
            app.lang, app.large = lang, large
            kiosk.pump(frames=6)
            for name in ("language", "large_print", "contrast", "voice"):
                button = app.root.ids[name]
                assert one_line(button), (lang, large, name, button.text)
            for name in ("card", "reprint", "checkin", "letters_button", "clear"):
                button = start.ids[name]
                assert one_line(button), (lang, large, button.text)
            query = start.ids.query
            hint = CoreLabel(font_size=query.font_size).get_extents(query.hint_text)[0]
            assert hint <= query.width - query.padding[0] - query.padding[2], (lang, large, query.hint_text)
    app.lang = "zh"
    kiosk.shot("24-start-large-print")
    app.lang = "en"
    kiosk.pump(frames=6)
    kiosk.shot("25-start-large-print-en")


def misfits(kiosk: Kiosk, screen: Any) -> list[tuple[str, str]]:
    """The controls on ``screen`` and the top bar that wrap, are clipped or reach out of the window:
    buttons must show their label on one line inside their edges, input boxes their text or hint."""
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    from kiosk.screens.widgets import InputField

    kiosk.pump(frames=6)
    window = kiosk.app.root.get_root_window()
    found = []
    widgets = [*kiosk.app.root.ids.topbar.walk(restrict=True), *screen.walk(restrict=True)]
    for widget in widgets:
        if widget.opacity == 0 or widget.height <= 0 or widget.disabled:
            continue
        left, _ = widget.to_window(widget.x, widget.y)
        right, _ = widget.to_window(widget.right, widget.y)
        if isinstance(widget, ButtonBehavior | InputField) and (left < -0.5 or right > window.width + 0.5):
            found.append(("outside the window", str(getattr(widget, "text", widget))))
        if isinstance(widget, ButtonBehavior) and isinstance(widget, Label) and widget.text:
            widget.texture_update()
            if not one_line(widget):
                found.append(("wraps", seen(widget.text)))
            if widget.texture_size[0] > widget.width or widget.texture_size[1] > widget.height:
                found.append(("clipped", seen(widget.text)))
        elif isinstance(widget, InputField):
            box = widget.ids.box
            box.texture_update()
            if box.texture_size[0] > box.width or box.texture_size[1] > box.height:
                found.append(("clipped", seen(box.text)))
    return found


def test_large_print_guide_take_and_ticket_screens_fit_in_both_languages(kiosk: Kiosk) -> None:
    app = kiosk.app
    app.large = True
    try:
        for lang in ("zh", "en"):
            app.lang = lang
            kiosk.app.go("start")
            guide = open_guide(kiosk, PENSION)
            assert not misfits(kiosk, guide), (lang, "guide", misfits(kiosk, guide))
            kiosk.shot(f"28-guide-large-print-{lang}")
            kiosk.tap(guide.ids.priority)  # the take screen scrolled to its priority choice
            take = kiosk.wait_screen("take")
            assert not misfits(kiosk, take), (lang, "take", misfits(kiosk, take))
            kiosk.shot(f"29-take-large-print-{lang}")
            kiosk.tap(take.ids.back)
            guide = kiosk.wait_screen("guide")
            kiosk.tap(guide.ids.take)
            ticket = kiosk.wait_screen("ticket")
            assert not misfits(kiosk, ticket), (lang, "ticket", misfits(kiosk, ticket))
            kiosk.shot(f"30-ticket-large-print-{lang}")
    finally:
        app.large = False
        app.lang = "zh"


def luminance(rgba: Any) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Any, b: Any) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_button_and_field_edges_stand_out_and_their_text_is_legible(kiosk: Kiosk) -> None:
    from kiosk.screens.widgets import KButton

    app = kiosk.app
    guide = open_guide(kiosk, PENSION)
    for high in (False, True):
        app.contrast = high
        kiosk.pump(frames=4)
        top = [w for w in app.root.ids.topbar.walk(restrict=True) if isinstance(w, KButton)]
        screens = (guide, kiosk.screen("take"))
        body = [w for s in screens for w in s.walk(restrict=True) if isinstance(w, KButton)]
        for widget in top + body:
            if widget.opacity == 0:
                continue
            around = app.header if any(widget is w for w in top) else app.bg
            drawn = app.outline if app.outline[3] > 0 else around
            edge = max(contrast(widget.background_color, around), contrast(drawn, around))
            assert edge >= 3, (high, widget.text, edge, widget.background_color[:], around[:], drawn[:])
            assert contrast(widget.color, widget.background_color) >= 4.5, (high, widget.text)
        assert contrast(app.card_line, app.bg) >= 3 and contrast(app.card_line, app.card) >= 3
    kiosk.shot("26-guide-high-contrast")
    app.contrast = False


def test_elderly_and_disabled_priority_is_a_visible_choice_on_the_guide(kiosk: Kiosk) -> None:
    guide = open_guide(kiosk, PENSION)
    button = guide.ids.priority
    assert button.opacity == 1 and seen(button.text) == "老年人 / 残疾人优先"
    kiosk.shot("27-guide-priority")
    kiosk.tap(button)
    take = kiosk.wait_screen("take")
    kiosk.pump(frames=10)
    grid = take.ids.priorities
    view = take.ids.form
    bottom = grid.to_window(grid.x, grid.y)[1]
    top = grid.to_window(grid.x, grid.top)[1]
    view_bottom = view.to_window(view.x, view.y)[1]
    view_top = view.to_window(view.x, view.top)[1]
    assert view_bottom <= bottom and top <= view_top  # the choice is in view, not below the fold
    elderly = next(b for b in grid.children if b.kind == "elderly")
    # The view at rest for some frames in a row: a touch on a list still moving only stops it (on a
    # loaded machine the scroll to the choice can still be settling after a fixed number of frames).
    rest = [0]

    def at_rest() -> bool:
        rest[0] = rest[0] + 1 if view.effect_y.velocity == 0 and not view._touch else 0
        return rest[0] >= 5

    kiosk.pump(at_rest, timeout=30)
    kiosk.tap(elderly)  # six frames: on a loaded machine a held press (test_held_press.py), taken too
    kiosk.pump(lambda: take.priority == "elderly", timeout=15)
    kiosk.shot("28-take-priority-in-view")


# ------------------------------------------------------------ the device token


def test_a_refused_token_sends_citizens_to_the_desk_and_tells_staff_why(kiosk: Kiosk) -> None:
    from kivy.tests.common import UnitTestTouch

    app = kiosk.app
    http = app.parts.client._http
    good = http.headers["Authorization"]
    http.headers["Authorization"] = "Bearer revoked-token"
    try:
        app.watch.refresh()
        kiosk.pump(lambda: app.staff_note != "", timeout=15)
        assert seen(app.banner) == "本机暂停服务，请到咨询台由工作人员帮您取号。"
        assert "暂时无法连接服务器" not in seen(app.banner)
        assert app.root.ids.staff_note.text == ""  # not for citizens
        banner = app.root.ids.banner
        x, y = banner.to_window(*banner.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        kiosk.pump(lambda: app.staff_shown, timeout=10)  # staff hold the red line
        touch.touch_up()
        kiosk.pump(frames=4)
        note = seen(app.root.ids.staff_note.text)
        assert note.startswith("维护：服务器拒绝本机的设备令牌") and "hallq token create --role kiosk" in note
        kiosk.shot("29-token-refused-staff-note")
    finally:
        http.headers["Authorization"] = good
    app.watch.refresh()
    kiosk.pump(lambda: app.staff_note == "" and app.online, timeout=15)
    assert "暂停服务" not in seen(app.banner)


def test_the_qr_code_carries_the_public_address(kiosk: Kiosk) -> None:
    app = kiosk.app
    public = "https://queue.hall.example.cn"
    server_base = app.parts.desk.paper.status_base
    app.settings.status_url_base = public  # as `hallq kiosk --public-url` sets it
    app.parts.desk.paper.status_base = app.settings.status_base
    try:
        guide = open_guide(kiosk, SOCIAL_CARD)
        printed = len(kiosk.printer.receipts)
        kiosk.tap(guide.ids.take)
        ticket = kiosk.wait_screen("ticket")
        receipt = kiosk.printer.wait_for(printed + 1)[-1].receipt
    finally:
        app.settings.status_url_base = ""
        app.parts.desk.paper.status_base = server_base
    token = ticket.outcome.ticket.token
    assert ticket.qr.startswith(f"{public}/t/{token}")
    assert receipt.qr_codes[0].startswith(f"{public}/t/{token}")
