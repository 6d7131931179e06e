"""What a call says: the announcement text, and the clips (pinyin or English) that speak it.

Readings (a decision, documented in docs/display-board.md):
- A ticket number is read symbol by symbol, as halls call it: A001 → "A 零零一", A101 → "A 一零一",
  never "一百零一"; it is unambiguous and needs only 36 cached clips (letters and digits).
- A window number is read as the number people say: 3 → 三, 12 → 十二, 101 → 一百零一, A12 → A 十二.
- Latin letters have the Chinese reading usual in halls and schools (A 诶, B 必, C 西 …), spoken
  by the Mandarin voice so a call never switches voice mid-sentence.
- A window name (when the hall says names, not numbers) is read by pypinyin with its phrase
  dictionary (so 银行 is yin2 hang2, 重庆 chong2 qing4); digits in it are read as numbers and a
  bracketed remark, e.g. "不动产登记窗口3（抵押·查询）", is left out of the speech.

The words come from the message catalogue (``voice.call`` / ``voice.call_named``); this module
only splits the template into fixed phrases and the number and window fields.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from queue_server.messages import CATALOGUE

Lang = Literal["zh", "en"]

TICKET_PATTERN = re.compile(r"^[A-Z]{0,3}[0-9]{1,6}$")
WINDOW_PATTERN = re.compile(r"^[A-Za-z0-9]{1,8}$")
NAME_MAX = 32

DIGITS_ZH = "零一二三四五六七八九"
DIGITS_PINYIN = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# How halls say Latin letters in Mandarin (字母的中文读法), as tone-numbered pinyin.
LETTERS_PINYIN = {
    "A": "ei1",
    "B": "bi4",
    "C": "xi1",
    "D": "di4",
    "E": "yi1",
    "F": "ai2 fu5",
    "G": "ji2",
    "H": "ai2 qi1",
    "I": "ai4",
    "J": "jie1",
    "K": "kai1",
    "L": "ai2 lou5",
    "M": "ai2 mu5",
    "N": "en1",
    "O": "ou1",
    "P": "pi1",
    "Q": "qiu1",
    "R": "a1 er3",
    "S": "ai2 si1",
    "T": "ti1",
    "U": "you1",
    "V": "wei1",
    "W": "da2 bu5 liu5",
    "X": "ai2 ke4 si1",
    "Y": "wai1",
    "Z": "zei4",
}


class BadCall(ValueError):
    """A ticket or window number the voice cannot read (refused before any speech is made)."""


@dataclass(frozen=True)
class Clip:
    """One cached piece of speech: its language and what the synthesiser is fed."""

    lang: Lang
    say: str
    fast: bool = False  # the terse form's quicker delivery (its own cached clip)


@dataclass(frozen=True)
class Call:
    """A call as the board heard it (from a ticket.called or ticket.recalled event)."""

    number: str
    window: str
    window_name: str = ""


@dataclass(frozen=True)
class Announcement:
    """A call's text and the clips of one spoken pass in each language."""

    text_zh: str
    text_en: str
    zh: tuple[Clip, ...]
    en: tuple[Clip, ...]


def cardinal(value: int) -> str:
    """A number as Chinese characters the way it is said: 12 → 十二, 101 → 一百零一, 1010 → 一千零一十."""
    if not 0 <= value < 100_000_000:
        raise BadCall(f"number out of range: {value}")
    if value == 0:
        return DIGITS_ZH[0]
    if value >= 10_000:
        high, low = divmod(value, 10_000)
        rest = "" if low == 0 else ("零" if low < 1000 else "") + cardinal(low)
        return cardinal(high) + "万" + rest
    units = ("千", "百", "十", "")
    out: list[str] = []
    zero_pending = False
    for power, unit in zip((1000, 100, 10, 1), units, strict=True):
        digit = value // power % 10
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(DIGITS_ZH[digit] + unit)
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text  # 10–19: 十, 十二, not 一十二


def check_ticket(number: str) -> str:
    """The ticket number if the voice can read it, else BadCall."""
    if not TICKET_PATTERN.match(number):
        raise BadCall(f"not a ticket number: {number!r}")
    return number


def check_window(window: str) -> str:
    """The window number if the voice can read it, else BadCall."""
    if not WINDOW_PATTERN.match(window):
        raise BadCall(f"not a window number: {window!r}")
    return window


def spoken_name(name: str) -> str:
    """A window name as it is said: bracketed remarks dropped, digit runs read as numbers."""
    name = re.sub(r"[（(][^）)]*[）)]", "", name).strip()
    return re.sub(r"[0-9]+", lambda m: cardinal(int(m.group())), name)


def pinyin(text: str) -> str:
    """Tone-numbered pinyin of Chinese text for the espeak-ng cmn-latn-pinyin voice."""
    return " ".join(_pinyin_words(text))


def _pinyin_words(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # heavy (~50 MB): loaded when speech is first needed

    words: list[str] = []
    for part in re.findall(r"[A-Za-z]|[0-9]+|[\u3400-\u9fff]+|.", text):
        if part.isascii() and part.isalpha():
            words.append(LETTERS_PINYIN[part.upper()])
        elif part.isdigit():
            words.extend(_pinyin_words(cardinal(int(part))))
        elif re.match(r"[\u3400-\u9fff]", part):
            words.extend(lazy_pinyin(part, style=Style.TONE3, neutral_tone_with_five=True))
    return words


def ticket_clips(number: str, lang: Lang) -> tuple[Clip, ...]:
    """A ticket number symbol by symbol: one cached clip per letter or digit."""
    out = []
    for symbol in check_ticket(number):
        if symbol.isdigit():
            say = DIGITS_PINYIN[int(symbol)] if lang == "zh" else DIGITS_EN[int(symbol)]
        else:
            say = LETTERS_PINYIN[symbol] if lang == "zh" else symbol
        out.append(Clip(lang, say))
    return tuple(out)


def window_clips(window: str, lang: Lang) -> tuple[Clip, ...]:
    """A window number as said: letters one by one, digit runs as one number (十二)."""
    out = []
    for part in re.findall(r"[A-Za-z]|[0-9]+", check_window(window)):
        if part.isdigit():
            out.append(Clip(lang, pinyin(cardinal(int(part))) if lang == "zh" else str(int(part))))
        else:
            out.append(Clip(lang, LETTERS_PINYIN[part.upper()] if lang == "zh" else part.upper()))
    return tuple(out)


def phrase_clip(text: str, lang: Lang) -> Clip | None:
    """A fixed phrase of the template as one clip (None when it is only punctuation or spaces)."""
    say = pinyin(text) if lang == "zh" else re.sub(r"\s+", " ", text).strip(" .,;")
    return Clip(lang, say) if say else None


def announcement(call: Call, *, by_name: bool = False, short: bool = False) -> Announcement:
    """The call's text (zh-CN, en) and its clips; ``by_name`` says the window's name if it has one.

    ``short`` is the terse form a board uses while calls queue up ("A001号，3号窗口"): about half
    the syllables of the full sentence, so a busy zone board keeps up with its calls.
    """
    check_ticket(call.number)
    check_window(call.window)
    name = spoken_name(call.window_name)[:NAME_MAX] if by_name and not short else ""
    key = "voice.call_short" if short else "voice.call_named" if name else "voice.call"
    zh_template, en_template = CATALOGUE[key]
    fields = {"number": call.number, "window": call.window, "name": name}
    zh, en = _clips(zh_template, fields, "zh"), _clips(en_template, fields, "en")
    if short:
        # one connected utterance, not a join of word clips: a word said alone is drawn out, and
        # the whole sentence said at once takes ~30% less time (2.3 s against 3.3 s for A001 to
        # window 3), which is what lets a busy zone board keep up. It costs one espeak-ng run
        # (~30 ms) the first time a call is made; the clip is then cached like the others.
        zh = (Clip("zh", _connected(zh_template, fields), fast=True),)
        en = tuple(replace(c, fast=True) for c in en)
    return Announcement(
        text_zh=zh_template.format(**fields),
        text_en=en_template.format(**fields),
        zh=zh,
        en=en,
    )


def _clips(template: str, fields: dict[str, str], lang: Lang) -> tuple[Clip, ...]:
    out: list[Clip] = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        fixed = phrase_clip(literal, lang) if literal else None
        if fixed is not None:
            out.append(fixed)
        if field == "number":
            out.extend(ticket_clips(fields["number"], lang))
        elif field == "window":
            out.extend(window_clips(fields["window"], lang))
        elif field == "name":
            out.append(_name_clip(fields["name"]))
    return tuple(out)


def _connected(template: str, fields: dict[str, str]) -> str:
    """The Mandarin template said as one utterance (pinyin), a comma kept as a short pause."""
    words: list[str] = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        if literal:
            words.append(pinyin(literal))
            if re.search(r"[，,]\s*$", literal):
                words.append(",")
        if field == "number":
            words.extend(c.say for c in ticket_clips(fields["number"], "zh"))
        elif field == "window":
            words.extend(c.say for c in window_clips(fields["window"], "zh"))
    return " ".join(w for w in words if w).replace(" ,", ",")


@lru_cache(maxsize=512)
def _name_clip(name: str) -> Clip:
    return Clip("zh", pinyin(name))


def standard_clips() -> list[Clip]:
    """Clips every hall needs: the template's phrases, digits and letters in both languages."""
    clips: list[Clip] = []
    for key in ("voice.call", "voice.call_named", "voice.call_short"):
        for lang, template in zip(("zh", "en"), CATALOGUE[key], strict=True):
            for literal, _field, _spec, _conv in string.Formatter().parse(template):
                clip = phrase_clip(literal, lang) if literal else None  # type: ignore[arg-type]
                if clip is not None:
                    clips.append(clip)
    clips += [Clip("zh", say) for say in DIGITS_PINYIN] + [Clip("en", say) for say in DIGITS_EN]
    clips += [Clip("zh", say) for say in LETTERS_PINYIN.values()]
    clips += [Clip("en", letter) for letter in LETTERS_PINYIN]
    clips += [replace(c, fast=True) for c in clips if c.lang == "zh"]  # for the terse form
    return list(dict.fromkeys(clips))
