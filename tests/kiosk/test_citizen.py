"""A citizen at the kiosk: finds a service, reads its guide, takes a ticket, gets it on paper."""

from __future__ import annotations

import subprocess

from tests.kiosk.conftest import Kiosk, seen

PENSION = "RS001"  # 城乡居民基本养老保险参保登记: 4 materials
HOUSE = "BDC001"  # 不动产转移登记（二手房买卖）: 8 materials


def qr_in_png(path: str) -> str:
    """What zbarimg reads from a receipt image."""
    done = subprocess.run(["zbarimg", "--raw", "-q", path], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_start_screen_shows_the_hall_its_themes_and_live_queues(kiosk: Kiosk) -> None:
    start = kiosk.screen("start")
    assert kiosk.app.hall_name == "明川市政务服务中心"
    assert len(start.codes) == len(kiosk.app.parts.hall.services) == 69
    theme_labels = [b.text for b in start.ids.themes.children]
    assert "社保医保" in theme_labels and "全部" in theme_labels
    kiosk.shot("01-start")

    before = kiosk.app.parts.hall.queue(PENSION).waiting
    kiosk.server.call("POST", "/tickets", json={"service_code": PENSION})  # someone at another kiosk
    kiosk.pump(lambda: kiosk.app.parts.hall.queue(PENSION).waiting == before + 1)
    kiosk.pump(lambda: start.row(PENSION)["queue"].startswith(f"等候 {before + 1} 人"))
    kiosk.pump(lambda: start.view_of(start.codes[0]) is not None)


def test_a_theme_button_shows_only_its_services(kiosk: Kiosk) -> None:
    start = kiosk.screen("start")
    theme = next(b for b in start.ids.themes.children if b.text == "公积金")
    kiosk.tap(theme)
    titles = [start.row(code)["title"] for code in start.codes]
    assert titles and all("公积金" in t for t in titles)
    kiosk.shot("02-start-theme")


def test_a_citizen_finds_a_service_by_pinyin_initials_on_the_letter_pad(kiosk: Kiosk) -> None:
    start = kiosk.screen("start")
    kiosk.tap(start.ids.letters_button)
    assert start.letters_open
    kiosk.press(start.ids.letters, "SBK")  # 社保卡
    kiosk.pump(lambda: start.ids.query.text == "SBK")
    titles = [start.row(code)["title"] for code in start.codes]
    assert titles[0] == "社会保障卡申领（含补领、换领）"
    kiosk.shot("03-search-initials")


def test_a_citizen_reads_a_guide_takes_a_ticket_and_gets_it_printed(kiosk: Kiosk) -> None:
    kiosk.tap(kiosk.service_button(HOUSE))
    guide = kiosk.wait_screen("guide")
    sections = [seen(w.source) for w in guide.ids.body.children]
    assert any(t.startswith("申请材料（一次性告知，共 8 项）") for t in sections)
    kiosk.shot("04-guide")
    kiosk.swipe(guide.ids.scroll, 500)
    assert guide.ids.scroll.scroll_y < 1  # it scrolls under the finger
    kiosk.shot("05-guide-scrolled")

    printed = len(kiosk.printer.receipts)
    kiosk.tap(guide.ids.take)
    ticket = kiosk.wait_screen("ticket")
    outcome = ticket.outcome
    assert outcome.printed and ticket.heading == "取号成功"
    paper = kiosk.printer.wait_for(printed + 1)[-1]
    receipt = paper.receipt
    assert receipt.lines[0] == "明川市政务服务中心"
    assert receipt.line_with(outcome.ticket.number).segments[0].style.width == 4
    assert "不动产转移登记（二手房买卖）" in receipt.text
    assert "前面还有" in receipt.text
    # No window of the hall is open in this test: the paper says so rather than make up a wait.
    if outcome.ticket.estimated_wait_seconds is None:
        assert "等候时间暂无法估计" in receipt.text and "预计等候" not in receipt.text
    else:
        assert "预计等候" in receipt.text
    assert "1. 《不动产登记申请书》（原件 1 份）" in receipt.lines
    assert "以上为部分材料，共 8 项，完整清单请扫码" in receipt.lines
    status_url = f"{kiosk.server.url}/t/{outcome.ticket.token}?p=1"
    assert receipt.qr_codes == [status_url]
    assert qr_in_png(str(paper.png_path)) == status_url
    assert receipt.cut == "full"
    kiosk.shot("06-ticket")
    spoken = kiosk.app.parts.voice.spoken
    kiosk.pump(lambda: len(spoken) > 0 and spoken[-1].stat().st_size > 10_000, timeout=20)


def test_a_citizen_gives_id_and_phone_and_asks_for_priority(kiosk: Kiosk) -> None:
    kiosk.tap(kiosk.service_button(PENSION))
    guide = kiosk.wait_screen("guide")
    kiosk.tap(guide.ids.options)
    take = kiosk.wait_screen("take")
    kiosk.press(take.ids.keypad, "110105194912310021")  # wrong check digit
    kiosk.tap(take.ids.confirm)
    assert seen(take.error) == "身份证号码校验不通过，请核对后重新输入。"
    kiosk.shot("07-take-bad-id")
    kiosk.press(take.ids.keypad, "⌫X")
    assert take.ids.id_field.value == "11010519491231002X"
    kiosk.tap(take.ids.phone_field)
    kiosk.press(take.ids.keypad, "13812345678")
    elderly = next(b for b in take.ids.priorities.children if b.kind == "elderly")
    kiosk.tap(elderly)
    kiosk.shot("08-take-filled")
    printed = len(kiosk.printer.receipts)
    kiosk.tap(take.ids.confirm)
    ticket = kiosk.wait_screen("ticket")
    public = ticket.outcome.ticket
    assert public.priority_class == "elderly"
    assert public.phone_masked == "138****5678" and public.id_masked is not None
    receipt = kiosk.printer.wait_for(printed + 1)[-1].receipt
    assert "优先：老年人（请出示证件）" in receipt.lines
    assert "已申请优先（老年人），请到窗口出示证件" in seen(ticket.facts)
    kiosk.shot("09-ticket-priority")
