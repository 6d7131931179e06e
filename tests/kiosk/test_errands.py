"""Reprinting a lost ticket, and checking in a booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.kiosk.conftest import Kiosk, seen

PASSPORT = "CR001"
PHONE = "13912345678"


def test_a_citizen_who_lost_the_ticket_finds_it_by_phone_and_reprints_it(kiosk: Kiosk) -> None:
    lost, reprint = kiosk.find_by_phone(PASSPORT, PHONE)
    row = reprint.ids.results.children[0]
    assert seen(row.label).startswith(f"{lost['number']}　普通护照签发")
    kiosk.shot("13-reprint-found")
    printed = len(kiosk.printer.receipts)
    kiosk.tap(row)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.ticket.token == lost["token"] and ticket.outcome.ticket.paper == 2
    assert seen(ticket.message) == "已补打第 2 联，之前的号票作废。"
    receipt = kiosk.printer.wait_for(printed + 1)[-1].receipt
    assert "补打第 2 联，之前的号票作废" in receipt.lines
    assert receipt.qr_codes == [f"{kiosk.server.url}/t/{lost['token']}?p=2"]
    kiosk.shot("14-ticket-reprinted")


def test_a_number_with_no_ticket_today_is_told_so(kiosk: Kiosk) -> None:
    kiosk.tap(kiosk.screen("start").ids.reprint)
    reprint = kiosk.wait_screen("reprint")
    kiosk.tap(reprint.ids.by_id)
    kiosk.press(reprint.ids.keypad, "440524188001010014")  # nobody took a ticket with it
    kiosk.tap(reprint.ids.find)
    kiosk.pump(lambda: reprint.error != "")
    assert reprint.error == "没有找到今天有效的号票。"
    kiosk.shot("15-reprint-none")


def book(kiosk: Kiosk, service: str, **citizen: str) -> str:
    """A slot around now and a booking in it (as a booking platform would make); the booking code."""
    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    end = min(now + timedelta(minutes=30), now.replace(hour=23, minute=59))
    for earlier in range(5, 60):  # a service has one slot per start: an earlier test's may stand there
        start = max(now - timedelta(minutes=earlier), now.replace(hour=0, minute=0))
        slot = kiosk.server.call(
            "POST",
            "/appointments/slots",
            json={
                "service_code": service,
                "day": now.date().isoformat(),
                "start": start.strftime("%H:%M"),
                "end": end.strftime("%H:%M"),
                "capacity": 5,
            },
        )
        if slot.status_code != 409 or slot.json()["code"] != "appointment.slot_exists":
            break
    assert slot.status_code == 201, slot.text
    booking = kiosk.server.call(
        "POST",
        "/appointments",
        json={"slot_id": slot.json()["id"], "phone": PHONE, "channel": "web", **citizen},
    )
    assert booking.status_code == 201, booking.text
    return str(booking.json()["code"])


def test_a_booking_is_checked_in_by_its_code_and_becomes_a_printed_ticket(kiosk: Kiosk) -> None:
    code = book(kiosk, "GA001")
    kiosk.tap(kiosk.screen("start").ids.checkin)
    checkin = kiosk.wait_screen("checkin")
    kiosk.press(checkin.ids.keypad, code)
    assert checkin.ids.field.value == code
    kiosk.shot("16-checkin")
    printed = len(kiosk.printer.receipts)
    kiosk.tap(checkin.ids.submit)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.appointment and ticket.heading == "预约签到成功"
    assert ticket.outcome.ticket.service_code == "GA001"
    receipt = kiosk.printer.wait_for(printed + 1)[-1].receipt
    assert "预约号（已签到）" in receipt.lines and ticket.outcome.ticket.number in receipt.text
    kiosk.shot("17-ticket-checked-in")
    booking = kiosk.server.call("GET", f"/appointments/{code}").json()
    assert booking["status"] == "checked_in" and booking["ticket"] == ticket.outcome.ticket.number


def test_a_wrong_booking_code_is_refused_in_plain_words(kiosk: Kiosk) -> None:
    kiosk.tap(kiosk.screen("start").ids.checkin)
    checkin = kiosk.wait_screen("checkin")
    kiosk.press(checkin.ids.keypad, "ABCD2345")
    kiosk.tap(checkin.ids.submit)
    assert kiosk.notice() == "找不到该预约。"
    kiosk.shot("18-checkin-unknown")
    kiosk.acknowledge()
