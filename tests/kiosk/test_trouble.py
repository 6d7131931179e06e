"""When things go wrong: the printer out of paper, the server away — the citizen is told plainly,
no ticket sits silently in the queue, and the kiosk recovers by itself."""

from __future__ import annotations

import time

from hardware_mocks.printer_server import Condition
from tests.kiosk.conftest import Kiosk, seen

SOCIAL_CARD = "RS005"


def open_guide(kiosk: Kiosk, code: str) -> object:
    kiosk.tap(kiosk.service_button(code))
    return kiosk.wait_screen("guide")


def test_a_printer_out_of_paper_shows_the_number_flags_the_ticket_and_alerts_the_manager(
    kiosk: Kiosk,
) -> None:
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.printer.condition = Condition.PAPER_OUT
    refused = kiosk.printer.refused
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    outcome = ticket.outcome
    assert not outcome.printed and outcome.problem == "paper_out"
    assert ticket.heading == "号票未能打印"
    assert seen(ticket.message).startswith("打印机缺纸，号票未能打印。您的号码有效")
    assert ticket.number == outcome.ticket.number and ticket.qr  # the number and QR are on screen
    assert kiosk.printer.refused == refused  # nothing was sent: the status said no paper
    on_server = kiosk.server.call("GET", f"/tickets/{outcome.ticket.token}").json()
    assert on_server["print_failed"] is True and on_server["status"] == "waiting"  # flagged for the clerk
    kiosk.pump(lambda: kiosk.app.printer_state == "paper_out")
    assert seen(kiosk.app.banner).startswith("打印机缺纸：号码将显示在屏幕上")
    kiosk.shot("10-ticket-paper-out")

    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:  # the server's alert engine runs every 15 s
        alerts = kiosk.server.call("GET", "/alerts").json()
        if any(a["rule"] == "device.trouble" and a["subject"] == "printer:kiosk-test" for a in alerts):
            break
        kiosk.pump(frames=10)
    else:
        raise AssertionError("no printer alert for the manager")

    kiosk.printer.condition = Condition.READY
    kiosk.app.watch.poll_printer()
    kiosk.pump(lambda: kiosk.app.printer_state == "ok" and kiosk.app.banner == "")


def test_the_server_going_away_is_said_plainly_and_the_kiosk_recovers_by_itself(kiosk: Kiosk) -> None:
    guide = open_guide(kiosk, SOCIAL_CARD)
    kiosk.server.stop()
    try:
        kiosk.pump(lambda: not kiosk.app.online, timeout=15)
        assert seen(kiosk.app.banner).startswith("暂时无法连接服务器")
        kiosk.tap(guide.ids.take)
        kiosk.pump(lambda: "正在重试" in seen(kiosk.app.overlays.busy_view.message), timeout=10)
        kiosk.shot("11-server-retrying")
        assert kiosk.notice().startswith("服务器暂时无法连接，没有取到号")
        kiosk.shot("12-server-unreachable")
        kiosk.acknowledge()
    finally:
        kiosk.server.start(timeout=90)
    kiosk.pump(lambda: kiosk.app.online and kiosk.app.banner == "", timeout=30)
    printed = len(kiosk.printer.receipts)
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    assert ticket.outcome.printed
    kiosk.printer.wait_for(printed + 1)
