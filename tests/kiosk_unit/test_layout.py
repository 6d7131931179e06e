"""The ticket's layout on 58 and 80 mm paper."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.layout import COLUMNS, Cut, Qr, Text, TicketPaper, display_width, ticket_layout, wrap
from queue_server import contract as c

GUIDE = c.Guide(
    materials=[
        c.Material(name="申请人居民身份证", originals=1, copies=1),
        c.Material(name="居民户口簿", originals=1, copies=1),
        c.Material(name="《城乡居民基本养老保险参保登记表》", originals=1),
        c.Material(name="本人社会保障卡或银行账户", originals=1),
    ],
    location="A区1楼 3、5–7号窗口（老年人、残疾人等可至A区1楼2号绿色通道窗口优先办理）",
)


def ticket(**changes: object) -> c.TicketPublic:
    data = {
        "token": "tok",
        "number": "A012",
        "service_code": "RS001",
        "service_name": "城乡居民基本养老保险参保登记",
        "status": "waiting",
        "people_ahead": 3,
        "estimated_wait_seconds": 900,
        "issued_at": datetime(2026, 3, 2, 1, 5, tzinfo=UTC),
        "status_url": "/t/tok",
    }
    return c.TicketPublic.model_validate(data | changes)


def paper(**changes: object) -> TicketPaper:
    base = {
        "hall_name": "明川市政务服务中心",
        "timezone": "Asia/Shanghai",
        "qr_url": "http://hall:8000",
        "guide": GUIDE,
    }
    return TicketPaper(**(base | changes))  # type: ignore[arg-type]


def lines(ops: list[object]) -> list[str]:
    return [op.text for op in ops if isinstance(op, Text)]


@pytest.mark.parametrize("width", [58, 80])
def test_every_line_fits_the_paper(width: int) -> None:
    ops = ticket_layout(ticket(), paper(paper_mm=width))
    for op in ops:
        if isinstance(op, Text):
            assert display_width(op.text) * op.size <= COLUMNS[width], op
    assert isinstance(ops[-1], Cut)


def test_the_ticket_says_who_what_how_long_and_where_in_order() -> None:
    ops = ticket_layout(ticket(), paper())
    text = lines(ops)
    assert text[0] == "明川市政务服务中心"
    number = next(op for op in ops if isinstance(op, Text) and op.text == "A012")
    assert number.size == 4 and number.bold and number.align == "center"
    order = [
        "A012",
        "城乡居民基本养老保险参保登记",
        "前面还有 3 人",
        "预计等候约 15 分钟",
        "取号时间：2026-03-02 09:05",
    ]
    positions = [text.index(line) for line in order]
    assert positions == sorted(positions)
    assert any(line.startswith("办理地点：A区1楼") for line in text)


def test_a_long_checklist_prints_its_first_items_and_sends_the_rest_to_the_qr_code() -> None:
    text = lines(ticket_layout(ticket(), paper(materials=3)))
    assert "1. 申请人居民身份证（原件 1 份，复印件 1 份）" in text
    assert any(line.startswith("3. 《城乡居民基本养老保险参保登记表》") for line in text)
    assert not any(line.startswith("4.") for line in text)
    assert "以上为部分材料，共 4 项，完整清单请扫码" in text


def test_a_short_checklist_prints_whole() -> None:
    text = lines(ticket_layout(ticket(), paper(materials=4)))
    assert any(line.startswith("4. 本人社会保障卡") for line in text)
    assert not any("完整清单请扫码" in line for line in text)


def test_the_qr_code_opens_the_tickets_status_page_for_this_copy() -> None:
    ops = ticket_layout(ticket(paper=2), paper())
    (qr,) = [op for op in ops if isinstance(op, Qr)]
    assert qr.data == "http://hall:8000/t/tok?p=2"
    assert "补打第 2 联，之前的号票作废" in lines(ops)


def test_priority_and_appointments_are_marked_for_the_clerk() -> None:
    text = lines(ticket_layout(ticket(priority_class="disabled"), paper(appointment=True)))
    assert "优先：残疾人（请出示证件）" in text
    assert "预约号（已签到）" in text


def test_the_sms_reminder_prints_the_masked_number_only_when_asked_for() -> None:
    asked = lines(ticket_layout(ticket(phone_masked="138****5678"), paper(sms=True)))
    assert "短信提醒：138****5678" in asked
    not_asked = lines(ticket_layout(ticket(phone_masked="138****5678"), paper()))
    assert not [line for line in not_asked if "短信提醒" in line]
    english = lines(ticket_layout(ticket(phone_masked="138****5678"), paper(sms=True, lang="en")))
    assert "SMS reminder: 138****5678" in english


def test_an_english_ticket_reads_in_english() -> None:
    text = lines(ticket_layout(ticket(estimated_wait_seconds=None), paper(lang="en")))
    assert "Your number" in text and "3 ahead of you" in text and "Expected wait not known yet" in text


def test_wrapping_keeps_words_whole_and_closing_marks_off_a_lines_start() -> None:
    assert wrap("Urban and Rural Residents Basic Pension", 16) == [
        "Urban and Rural",
        "Residents Basic",
        "Pension",
    ]
    assert wrap("一二三四五六七八九十，好", 20) == ["一二三四五六七八九", "十，好"]
    assert wrap("x" * 40, 16) == ["x" * 16, "x" * 16, "x" * 8]
    assert wrap("", 10) == [""]


def test_no_line_starts_with_a_closing_mark_even_after_another_or_ends_with_an_opening_one() -> None:
    assert wrap("一二三四五六七八（原）），好", 18) == ["一二三四五六七八", "（原）），好"]
    assert wrap("一二三四五六七原））好", 18) == ["一二三四五六七", "原））好"]
    assert wrap("一二三四五六七八（九）", 18) == ["一二三四五六七八", "（九）"]
    assert wrap("一二三四五六七八九……共 8 项", 20) == ["一二三四五六七八", "九……共 8 项"]
    assert wrap("材料一二三四五六七（原件 1 份）", 20) == ["材料一二三四五六七", "（原件 1 份）"]


def test_punctuation_outside_ascii_takes_two_columns_as_the_printer_prints_it() -> None:
    assert display_width("……") == 4 and display_width("12–14") == 6 and display_width("“A”") == 5
    assert display_width("B区1楼") == 6


@pytest.mark.parametrize("width", [58, 80])
def test_no_printed_line_breaks_the_rules_of_chinese_line_breaking(width: int) -> None:
    from kiosk.layout import NO_LINE_END, NO_LINE_START

    guide = GUIDE.model_copy(
        update={"location": "B区1楼12–14号窗口（老年人、残疾人等可至A区1楼2号绿色通道窗口优先办理）"}
    )
    for lang in ("zh", "en"):
        printed = lines(ticket_layout(ticket(), paper(paper_mm=width, guide=guide, lang=lang)))
        assert not [line for line in printed if line[:1] in NO_LINE_START], printed
        assert not [line for line in printed if line[-1:] in NO_LINE_END], printed


@pytest.mark.parametrize(
    ("value", "columns", "whole"),
    [
        ("老年人、残疾人等可至A区1楼2号绿色通道窗口优先办理", 22, "A区1楼2号"),
        ("请留意屏幕及语音叫号，过号请到咨询台", 32, "咨询台"),
        ("3. 申请人居民身份证（原件 1 份，复印件 1 份）", 30, "1 份，"),
        ("预计等候约 15 分钟", 14, "15 分钟"),
        ("不动产转移登记（二手房买卖）（联办）", 32, "（联办）"),
    ],
)
def test_lines_never_split_a_number_from_its_unit_a_label_a_hall_word_or_a_short_note(
    value: str, columns: int, whole: str
) -> None:
    lines = wrap(value, columns)
    assert "".join(lines).replace(" ", "") == value.replace(" ", "")
    assert any(whole in line for line in lines), lines
    assert all(display_width(line) <= columns for line in lines), lines


def test_80mm_paper_prints_the_service_and_the_place_in_double_height() -> None:
    ops = [op for op in ticket_layout(ticket(), paper(paper_mm=80)) if isinstance(op, Text)]
    name = next(op for op in ops if op.text.startswith("城乡居民"))
    where = [op for op in ops if op.text.startswith("办理地点")]
    assert name.tall == 2 and where and all(op.tall == 2 and op.size == 1 for op in where)
    small = [op for op in ticket_layout(ticket(), paper(paper_mm=58)) if isinstance(op, Text)]
    assert all(op.tall == op.size for op in small if op.text.startswith("办理地点"))


def test_a_gb2312_printer_font_gets_stand_ins_for_what_it_lacks() -> None:
    from kiosk.layout import for_printer

    shown = for_printer("A区1楼 3、5–7号窗口 · 𠀀", "gb2312")
    shown.encode("gb2312")  # every character is in the font
    assert shown.startswith("A区1楼 3、5-7号窗口") and shown.endswith("□")
    assert for_printer("5–7", "gb18030") == "5–7"
