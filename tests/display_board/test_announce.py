"""What a call says: its text, and how numbers, letters and window names are read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from display_board.announce import (
    LETTERS_PINYIN,
    BadCall,
    Call,
    Clip,
    announcement,
    cardinal,
    pinyin,
    spoken_name,
    standard_clips,
    ticket_clips,
    window_clips,
)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (0, "零"),
        (3, "三"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (2300, "二千三百"),
        (10001, "一万零一"),
    ],
)
def test_window_numbers_are_read_as_numbers_people_say(value: int, said: str) -> None:
    assert cardinal(value) == said


@given(st.integers(min_value=0, max_value=99_999))
def test_every_number_reads_with_chinese_numerals_only(value: int) -> None:
    assert set(cardinal(value)) <= set("零一二三四五六七八九十百千万")


def test_the_call_text_is_the_halls_phrase() -> None:
    spoken = announcement(Call("A001", "3"))
    assert spoken.text_zh == "请A001号到3号窗口办理"
    assert spoken.text_en == "Number A001, please go to window 3."


def test_a_ticket_number_is_read_symbol_by_symbol() -> None:
    assert [c.say for c in ticket_clips("A001", "zh")] == ["ei1", "ling2", "ling2", "yi1"]
    assert [c.say for c in ticket_clips("A101", "zh")] == ["ei1", "yi1", "ling2", "yi1"]  # never 一百零一
    assert [c.say for c in ticket_clips("B20", "en")] == ["B", "two", "zero"]


def test_a_window_number_is_read_as_a_number_with_its_letters_apart() -> None:
    assert [c.say for c in window_clips("3", "zh")] == ["san1"]
    assert [c.say for c in window_clips("12", "zh")] == ["shi2 er4"]
    assert [c.say for c in window_clips("A12", "zh")] == ["ei1", "shi2 er4"]
    assert [c.say for c in window_clips("A12", "en")] == ["A", "12"]


def test_the_mandarin_pass_is_the_phrase_split_into_cached_clips() -> None:
    spoken = announcement(Call("A001", "12"))
    assert [c.say for c in spoken.zh] == [
        "qing3",
        "ei1",
        "ling2",
        "ling2",
        "yi1",
        "hao4 dao4",
        "shi2 er4",
        "hao4 chuang1 kou3 ban4 li3",
    ]
    assert all(c.lang == "zh" for c in spoken.zh) and all(c.lang == "en" for c in spoken.en)
    assert [c.say for c in spoken.en] == ["Number", "A", "zero", "zero", "one", "please go to window", "12"]


def test_a_hall_that_says_window_names_gets_them_read_correctly() -> None:
    spoken = announcement(Call("B002", "14", "不动产登记窗口3（抵押·查询）"), by_name=True)
    assert spoken.text_zh == "请B002号到不动产登记窗口三办理"
    assert Clip("zh", "bu4 dong4 chan3 deng1 ji4 chuang1 kou3 san1") in spoken.zh
    assert spoken.text_en == "Number B002, please go to window 14."  # English keeps the number
    assert pinyin("银行窗口") == "yin2 hang2 chuang1 kou3"  # 行 as in a bank, not xing2
    assert pinyin("重庆") == "chong2 qing4"
    assert pinyin("绿色通道") == "lv4 se4 tong1 dao4"


def test_a_name_is_used_only_when_the_hall_asks_and_there_is_one() -> None:
    assert announcement(Call("A001", "2", "绿色通道窗口")).text_zh == "请A001号到2号窗口办理"
    assert announcement(Call("A001", "2", ""), by_name=True).text_zh == "请A001号到2号窗口办理"
    assert spoken_name("综合受理窗口12") == "综合受理窗口十二"


@pytest.mark.parametrize(
    ("number", "window"), [("a001", "1"), ("A-1", "1"), ("", "1"), ("A001", "3 号"), ("A1", "")]
)
def test_what_the_voice_cannot_read_is_refused(number: str, window: str) -> None:
    with pytest.raises(BadCall):
        announcement(Call(number, window))


def test_the_standard_clips_cover_every_letter_and_digit_once() -> None:
    clips = standard_clips()
    assert len(clips) == len(set(clips))
    for letter, say in LETTERS_PINYIN.items():
        assert Clip("zh", say) in clips and Clip("en", letter) in clips
    assert set(announcement(Call("Z987", "5")).zh) <= set(clips)  # a one-digit window needs nothing new
