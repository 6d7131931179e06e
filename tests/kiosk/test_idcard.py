"""实名取号 with the resident ID card: the emulated reader on a real pseudo-terminal, the real kiosk.

The card's number goes to the server with the citizen's own requests only; the screen shows the
name masked; nothing of the card reaches the kiosk's log.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from hardware_mocks.idcard_reader import Fault, sample_card
from tests.kiosk.conftest import Kiosk, seen
from tests.kiosk.test_errands import book

SOCIAL_CARD = "RS005"
PENSION = "RS001"
ID_NUMBER = "310104198506120035"  # made up, with a valid check digit
OTHER_PHONE = "13900001111"


def signed_in(kiosk: Kiosk) -> Any:
    """Wait until the start screen greets the card's holder."""
    kiosk.pump(lambda: kiosk.app.person is not None and kiosk.current == "start" and not kiosk.app.busy, 15)
    kiosk.pump(frames=4)
    return kiosk.screen("start")


def test_a_citizen_takes_a_ticket_by_putting_the_card_on_the_reader(
    kiosk: Kiosk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk.reader.put(sample_card(id_number=ID_NUMBER))  # on the start screen, nothing tapped
    start = signed_in(kiosk)
    assert seen(start.welcome) == "张**，您好（身份证 310104********0035）"
    kiosk.shot("30-start-card-read")
    kiosk.tap(kiosk.service_button(SOCIAL_CARD))
    guide = kiosk.wait_screen("guide")
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket").outcome.ticket
    assert ticket.id_masked and ticket.id_masked.endswith("0035") and ID_NUMBER not in ticket.id_masked
    found = kiosk.server.call("POST", "/tickets/lookup", who="kiosk", json={"id_number": ID_NUMBER}).json()
    assert ticket.token in [t["token"] for t in found]  # kept by the server as today: findable by the number
    assert ID_NUMBER not in caplog.text and "张三丰" not in caplog.text and "人民路" not in caplog.text


def lookups(kiosk: Kiosk) -> dict[str, float]:
    """How often the server answered each person-lookup route so far (its own /metrics)."""
    counts: dict[str, float] = {}
    for line in httpx.get(f"{kiosk.server.url}/metrics", timeout=10).text.splitlines():
        if line.startswith("hallq_request_seconds_count") and ("lookup" in line or "person" in line):
            route = line.split('route="', 1)[1].split('"', 1)[0]
            counts[route] = counts.get(route, 0) + float(line.rsplit(" ", 1)[1])
    return counts


def test_the_holders_list_takes_one_request_and_taps_wait_for_it(kiosk: Kiosk) -> None:
    holder = "440304198808081238"  # made up, with a valid check digit; no other test's
    issued = kiosk.server.call(
        "POST", "/tickets", who="kiosk", json={"service_code": PENSION, "id_number": holder}
    ).json()
    book(kiosk, SOCIAL_CARD, id_number=holder, phone=OTHER_PHONE)
    button = kiosk.service_button(SOCIAL_CARD)
    before = lookups(kiosk)
    kiosk.reader.put(sample_card(id_number=holder))
    kiosk.pump(lambda: kiosk.app.busy or kiosk.app.person is not None, 15)  # read: the list is on its way
    kiosk.tap(button)  # a tap while it comes ("one moment" is drawn only if it is slow) is held back
    start = signed_in(kiosk)
    assert kiosk.current == "start"
    assert [t.token for t in kiosk.app.person.tickets] == [issued["token"]]
    assert [b.slot.service_code for b in kiosk.app.person.bookings] == [SOCIAL_CARD]
    assert len(start.ids.my_tickets.children) == 4  # two headings, the ticket, the booking
    after = lookups(kiosk)
    asked = {route: n - before.get(route, 0) for route, n in after.items() if n != before.get(route, 0)}
    assert asked == {"/api/v1/tickets/person": 1}  # tickets and bookings in one round trip


def test_the_card_button_reads_a_card_or_takes_a_typed_number(kiosk: Kiosk) -> None:
    start = kiosk.screen("start")
    kiosk.tap(start.ids.card)
    card = kiosk.wait_screen("card")
    assert seen(card.ids.place.text).startswith("请将身份证放在阅读器上")
    kiosk.shot("31-card-screen")
    kiosk.press(card.ids.keypad, "11010519491231002X")
    kiosk.tap(card.ids.confirm)
    start = signed_in(kiosk)
    assert kiosk.app.person.id_number == "11010519491231002X" and kiosk.app.person.name_masked == ""
    kiosk.tap(start.ids.leave)
    kiosk.pump(lambda: kiosk.app.person is None)
    kiosk.tap(start.ids.card)
    kiosk.wait_screen("card")
    kiosk.reader.put(sample_card(id_number=ID_NUMBER, name="李四"))
    start = signed_in(kiosk)
    assert seen(start.welcome).startswith("李*，您好")


def test_a_citizen_reprints_a_lost_ticket_by_card(kiosk: Kiosk) -> None:
    issued = kiosk.server.call(
        "POST", "/tickets", who="kiosk", json={"service_code": PENSION, "id_number": ID_NUMBER}
    ).json()
    kiosk.reader.put(sample_card(id_number=ID_NUMBER))
    start = signed_in(kiosk)
    rows = list(reversed(start.ids.my_tickets.children))
    mine = [r for r in rows if getattr(r, "token", "") == issued["token"]]
    assert mine, [getattr(r, "label", "") for r in rows]
    assert seen(mine[0].label).startswith(f"{issued['number']} 城乡居民基本养老保险参保登记")
    kiosk.shot("32-start-card-my-tickets")
    printed = len(kiosk.printer.receipts)
    kiosk.tap(mine[0])
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.reprint and ticket.outcome.ticket.paper == 2
    kiosk.printer.wait_for(printed + 1)


def test_the_reprint_screen_finds_the_tickets_of_the_card_put_on_it(kiosk: Kiosk) -> None:
    issued = kiosk.server.call(
        "POST", "/tickets", who="kiosk", json={"service_code": SOCIAL_CARD, "id_number": ID_NUMBER}
    ).json()
    kiosk.tap(kiosk.screen("start").ids.reprint)
    reprint = kiosk.wait_screen("reprint")
    kiosk.reader.put(sample_card(id_number=ID_NUMBER))
    kiosk.pump(lambda: any(getattr(r, "token", "") == issued["token"] for r in reprint.ids.results.children))
    assert reprint.by == "id"


def test_a_booking_is_checked_in_by_the_card_put_on_the_check_in_screen(kiosk: Kiosk) -> None:
    code = book(kiosk, "GA001", id_number=ID_NUMBER, phone=OTHER_PHONE)
    kiosk.tap(kiosk.screen("start").ids.checkin)
    kiosk.wait_screen("checkin")
    printed = len(kiosk.printer.receipts)
    kiosk.reader.put(sample_card(id_number=ID_NUMBER))
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.appointment and ticket.heading == "预约签到成功"
    assert kiosk.server.call("GET", f"/appointments/{code}").json()["status"] == "checked_in"
    kiosk.printer.wait_for(printed + 1)
    kiosk.shot("35-checked-in-by-card")


def test_a_citizen_known_by_card_checks_in_with_one_tap(kiosk: Kiosk) -> None:
    code = book(kiosk, PENSION, id_number="320502197708230044", phone=OTHER_PHONE)
    kiosk.reader.put(sample_card(id_number="320502197708230044"))
    start = signed_in(kiosk)
    kiosk.tap(start.ids.checkin)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.appointment
    assert kiosk.server.call("GET", f"/appointments/{code}").json()["status"] == "checked_in"


def booking_rows(start: Any) -> dict[str, Any]:
    """The start screen's rows of the known citizen's bookings, by booking code."""
    codes = {b.code for b in start.app.person.bookings}
    return {r.token: r for r in start.ids.my_tickets.children if getattr(r, "token", "") in codes}


def test_the_service_list_shows_the_card_holders_bookings_and_checks_one_in(kiosk: Kiosk) -> None:
    holder = "440304199001011233"  # made up, with a valid check digit
    pension = book(kiosk, PENSION, id_number=holder, phone=OTHER_PHONE)
    social = book(kiosk, SOCIAL_CARD, id_number=holder, phone=OTHER_PHONE)
    kiosk.reader.put(sample_card(id_number=holder, name="王五"))
    start = signed_in(kiosk)
    rows = booking_rows(start)
    assert set(rows) == {pension, social}
    assert "城乡居民基本养老保险参保登记 · 签到" in seen(rows[pension].label)
    assert "您今天的预约" in " ".join(seen(getattr(w, "text", "")) for w in start.ids.my_tickets.children)
    kiosk.shot("36-start-card-my-bookings")
    printed = len(kiosk.printer.receipts)
    kiosk.tap(rows[social])
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.appointment and ticket.outcome.ticket.service_code == SOCIAL_CARD
    kiosk.printer.wait_for(printed + 1)
    assert kiosk.server.call("GET", f"/appointments/{social}").json()["status"] == "checked_in"
    assert kiosk.server.call("GET", f"/appointments/{pension}").json()["status"] == "booked"  # still to come


def test_a_typed_id_number_also_lists_the_bookings(kiosk: Kiosk) -> None:
    holder = "510107196211054568"  # made up, with a valid check digit
    code = book(kiosk, PENSION, id_number=holder, phone=OTHER_PHONE)
    kiosk.tap(kiosk.screen("start").ids.card)
    card = kiosk.wait_screen("card")
    kiosk.press(card.ids.keypad, holder)
    kiosk.tap(card.ids.confirm)
    start = signed_in(kiosk)
    assert set(booking_rows(start)) == {code}


def test_the_take_screen_fills_the_number_from_the_card(kiosk: Kiosk) -> None:
    kiosk.tap(kiosk.service_button(SOCIAL_CARD))
    guide = kiosk.wait_screen("guide")
    kiosk.tap(guide.ids.options)
    take = kiosk.wait_screen("take")
    kiosk.reader.put(sample_card(id_number=ID_NUMBER))
    kiosk.pump(lambda: take.ids.id_field.value == ID_NUMBER)
    assert take.ids.phone_field.active  # next: the phone number, if they want to give one


def test_an_expired_card_is_refused_plainly(kiosk: Kiosk) -> None:
    kiosk.reader.put(sample_card(id_number=ID_NUMBER, valid_from="20100101", valid_to="20200101"))
    message = kiosk.notice()
    assert message.startswith("这张身份证已过有效期（至 2020-01-01）")
    assert kiosk.app.person is None
    kiosk.shot("33-card-expired")
    kiosk.acknowledge()


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (Fault.GARBAGE, "身份证阅读器工作异常"),
        (Fault.SILENT, "身份证阅读器没有响应"),
        (Fault.READ_FAILS, "没有读出身份证，请拿起后重新放好"),
    ],
)
def test_reader_faults_are_said_on_the_card_screen_and_typing_still_works(
    kiosk: Kiosk, fault: Fault, said: str
) -> None:
    kiosk.tap(kiosk.screen("start").ids.card)
    card = kiosk.wait_screen("card")
    kiosk.reader.put(sample_card(id_number=ID_NUMBER))
    kiosk.reader.set_fault(fault)
    kiosk.pump(lambda: seen(kiosk.app.card_trouble).startswith(said), timeout=15)
    assert seen(card.ids.trouble.text).startswith(said)
    kiosk.shot(f"34-card-{fault.value}")
    kiosk.reader.set_fault(Fault.NONE)
    kiosk.reader.remove()
    kiosk.pump(lambda: kiosk.app.card_trouble == "", timeout=15)
    kiosk.press(card.ids.keypad, ID_NUMBER)
    kiosk.tap(card.ids.confirm)
    signed_in(kiosk)


def test_a_card_that_cannot_be_read_on_the_start_screen_is_said(kiosk: Kiosk) -> None:
    kiosk.reader.set_fault(Fault.READ_FAILS)
    kiosk.reader.put(sample_card(id_number=ID_NUMBER))
    assert kiosk.notice().startswith("没有读出身份证")
    kiosk.acknowledge()
    assert kiosk.app.person is None


def test_a_missing_reader_is_said_on_the_card_screen(kiosk: Kiosk) -> None:
    cards = kiosk.app.watch.cards
    real = cards.reader.path
    cards.reader.close()
    cards.reader.path = "/dev/no-such-reader"
    try:
        kiosk.tap(kiosk.screen("start").ids.card)
        kiosk.wait_screen("card")
        kiosk.pump(lambda: seen(kiosk.app.card_trouble).startswith("身份证阅读器未连接"), timeout=15)
    finally:
        cards.reader.path = real
    kiosk.pump(lambda: kiosk.app.card_trouble == "", timeout=15)  # plugged back: it works again


def test_the_card_screens_fit_in_large_print(kiosk: Kiosk) -> None:
    from kiosk.screens.widgets import KButton

    kiosk.app.large = True
    kiosk.tap(kiosk.screen("start").ids.card)
    card = kiosk.wait_screen("card")
    kiosk.pump(frames=6)
    for button in (b for b in card.walk(restrict=True) if isinstance(b, KButton)):
        assert button.texture_size[0] <= button.width, button.text  # nothing clipped sideways
    kiosk.shot("36-card-screen-large-print")
    kiosk.reader.put(sample_card(id_number=ID_NUMBER))
    signed_in(kiosk)
    kiosk.shot("37-start-card-read-large-print")
