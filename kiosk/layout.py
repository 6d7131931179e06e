"""The ticket's layout on 58 or 80 mm paper: a pure function from a ticket to a short list of print ops.

The printer adapter turns ops into ESC/POS; tests read the ops (or the decoded receipt) directly.
Widths are counted in font-A columns (32 on 58 mm, 48 on 80 mm); a Chinese character takes two.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from kiosk.i18n import text, waiting_text
from queue_server import contract as c

COLUMNS = {58: 32, 80: 48}
NUMBER_SIZE = {58: 3, 80: 4}
QR_SIZE = {58: 5, 80: 6}
# 避头尾 (GB/T 15834 and common typesetting): closing marks never start a line, opening marks never end one
NO_LINE_START = frozenset("，。、；：？！）》」』”’…—～·】〕〉,.;:?!)]}%")
NO_LINE_END = frozenset("（《「『“‘【〔〈([{")
# Pieces a line never splits: a number or letter with its unit or label, chained ("A区1楼2号窗口",
# "原件 1 份", "15 分钟"); a short bracketed note ("（联办）"); a few words of the hall's signs.
UNITS = "号窗口|号楼|窗口|楼|层|区|号|座|栋|室|厅|份|件|个|元|天|日|月|年|分钟|小时|人|页|张|本|次|岁|周|联"
LABEL = re.compile(rf"(?:[A-Za-z0-9][A-Za-z0-9.]*[ \u00a0]?(?:{UNITS}))+")
SHORT_NOTE = re.compile(r"[（(][^（）()\s]{1,4}[）)]")
HALL_WORDS = ("咨询台", "服务台", "导办台", "绿色通道", "综合窗口", "身份证", "户口簿", "复印件", "原件")
# What GB2312-only printer fonts lack, as the nearest character they have (the rest becomes □).
GB2312_STANDINS = str.maketrans({"–": "-", "—": "―", "·": "・", "•": "・", "\u00a0": " ", "‐": "-"})


@dataclass(frozen=True)
class Text:
    """One printed line (the adapter wraps nothing: lines arrive already fitted)."""

    text: str
    align: str = "left"
    size: int = 1  # width and height magnification, 1–8
    bold: bool = False
    height: int = 0  # height magnification when it differs from the width's (0: the same as size)

    @property
    def tall(self) -> int:
        """The height magnification."""
        return self.height or self.size


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


@dataclass(frozen=True)
class Rule:
    """A dashed separator across the paper."""


@dataclass(frozen=True)
class Qr:
    """A QR code, ``size`` dots per module."""

    data: str
    size: int = 6
    align: str = "center"


@dataclass(frozen=True)
class Cut:
    """Feed and cut the paper."""


PrintOp = Text | Feed | Rule | Qr | Cut


@dataclass(frozen=True)
class TicketPaper:
    """What goes on one ticket, beyond the ticket itself."""

    hall_name: str
    timezone: str
    qr_url: str
    guide: c.Guide | None = None
    lang: str = "zh"
    paper_mm: int = 80
    materials: int = 3
    appointment: bool = False
    sms: bool = False  # the holder asked for 到号短信提醒 (the masked number is printed)


def display_width(value: str) -> int:
    """Columns a string takes on paper: ASCII one, anything else two (the printer prints every
    GB18030 double-byte character, … — “ ” included, as a full 24 × 24 glyph)."""
    return sum(1 if ch.isascii() else 2 for ch in value)


def wrap(value: str, columns: float, measure: Callable[[str], float] = display_width) -> list[str]:
    """Fit ``value`` into lines of ``columns``; Latin words stay whole when they fit; no line starts
    with a closing mark (，。）…) or ends with an opening one (（《“): the last tokens move down.

    ``measure`` gives a piece's width in the unit of ``columns``: paper columns for receipts, pixels
    of the label's font on screen.
    """
    lines: list[str] = []
    line: list[str] = []

    def width(tokens: list[str]) -> float:
        return sum(measure(t) for t in tokens)

    for token in _tokens(value):
        if line and width(line) + measure(token) > columns:
            carry = [token]
            while len(line) > 1 and _held_back(line, carry) and width([line[-1], *carry]) <= columns:
                carry.insert(0, line.pop())
            lines.append("".join(line).rstrip())
            line = carry
            line[0] = line[0].lstrip()
        else:
            line.append(token)
        while len("".join(line)) > 1 and width(line) > columns:  # one token longer than a line: break it
            head = "".join(line)
            cut = head[:1]
            while len(cut) < len(head) and measure(head[: len(cut) + 1]) <= columns:
                cut = head[: len(cut) + 1]
            lines.append(cut)
            line = [head[len(cut) :]]
    rest = "".join(line)
    if rest.strip() or not lines:
        lines.append(rest.rstrip())
    return lines


def _held_back(line: list[str], carry: list[str]) -> bool:
    """Whether the break between ``line`` and ``carry`` breaks 避头尾."""
    head = carry[0].lstrip()[:1]
    return head in NO_LINE_START or line[-1][-1:] in NO_LINE_END


def _tokens(value: str) -> list[str]:
    """Unbreakable pieces: labels with their units, short notes, hall words, Latin runs, characters."""
    tokens: list[str] = []
    at = 0
    while at < len(value):
        piece = _piece_at(value, at)
        tokens.append(piece)
        at += len(piece)
    return tokens


def _piece_at(value: str, at: int) -> str:
    for pattern in (LABEL, SHORT_NOTE):
        found = pattern.match(value, at)
        if found:
            return found.group()
    word = next((w for w in HALL_WORDS if value.startswith(w, at)), "")
    if word:
        return word
    ch = value[at]
    if ch.isascii() and not ch.isspace():
        end = at
        while end < len(value) and value[end].isascii() and not value[end].isspace():
            end += 1
        return value[at:end]
    return ch


def for_printer(value: str, charset: str) -> str:
    """``value`` in what the printer's font has: GB18030 fonts have everything; GB2312-only fonts get a
    stand-in for what they lack (– → -, · → ・), then its compatibility form, else □."""
    if charset != "gb2312":
        return value
    out = []
    for ch in value.translate(GB2312_STANDINS):
        for candidate in (ch, unicodedata.normalize("NFKC", ch), "□"):
            try:
                candidate.encode("gb2312")
            except UnicodeEncodeError:
                continue
            out.append(candidate)
            break
    return "".join(out)


def _lines(value: str, columns: int, size: int = 1, **style: object) -> list[PrintOp]:
    return [Text(line, size=size, **style) for line in wrap(value, columns // size)]  # type: ignore[arg-type]


def _material(item: c.Material, index: int, lang: str) -> str:
    if item.copies:
        counts = text("kiosk.guide.copies", lang, originals=item.originals, copies=item.copies)
    elif item.originals:
        counts = text("kiosk.guide.originals", lang, originals=item.originals)
    else:
        counts = ""
    line = f"{index}. {item.name}"
    if counts:
        line += f" ({counts})" if lang == "en" else f"（{counts}）"
    return line


def ticket_layout(ticket: c.TicketPublic, paper: TicketPaper) -> list[PrintOp]:
    """The whole ticket: hall, big number, service, queue, place, materials, QR, time, cut."""
    lang, cols = paper.lang, COLUMNS.get(paper.paper_mm, 48)
    issued = ticket.issued_at.astimezone(ZoneInfo(paper.timezone))
    ops: list[PrintOp] = [*_lines(paper.hall_name, cols, align="center", bold=True), Rule()]
    ops += [
        Text(text("kiosk.paper.number", lang), align="center"),
        Text(ticket.number, align="center", size=NUMBER_SIZE.get(paper.paper_mm, 4), bold=True),
    ]
    name_size = 2 if display_width(ticket.service_name) * 2 <= cols else 1
    # 80 mm paper has room for what the citizen looks for at a glance in double height: the service
    # and where to go (double width too when the name fits on one line)
    tall = 2 if paper.paper_mm == 80 else 0
    ops += _lines(ticket.service_name, cols, name_size, align="center", bold=True, height=tall)
    if paper.appointment:
        ops.append(Text(text("kiosk.paper.appointment", lang), align="center"))
    ops += [Feed(), Text(text("kiosk.paper.ahead", lang, count=ticket.people_ahead))]
    ops.append(Text(waiting_text(ticket.estimated_wait_seconds, lang, "paper")))
    guide = paper.guide
    if guide is not None and guide.location:
        where = text("kiosk.paper.where", lang, location=guide.location)
        ops += _lines(where, cols, bold=bool(tall), height=tall)
    if ticket.priority_class is not None:
        kind = text(f"kiosk.priority.{ticket.priority_class.value}", lang)
        ops += _lines(text("kiosk.paper.priority", lang, kind=kind), cols, bold=True)
    if paper.sms and ticket.phone_masked:  # which phone the reminders go to, never the whole number
        ops += _lines(text("kiosk.paper.sms", lang, masked=ticket.phone_masked), cols)
    ops += _materials(guide, paper, cols)
    ops += [Rule(), Qr(ticket_qr(ticket, paper.qr_url), QR_SIZE.get(paper.paper_mm, 6))]
    ops += _lines(text("kiosk.paper.scan", lang), cols, align="center")
    ops.append(Text(text("kiosk.paper.time", lang, time=issued.strftime("%Y-%m-%d %H:%M")), align="center"))
    if ticket.paper > 1:
        ops += _lines(text("kiosk.paper.copy", lang, paper=ticket.paper), cols, align="center", bold=True)
    ops += [*_lines(text("kiosk.paper.footer", lang), cols, align="center"), Feed(), Cut()]
    return ops


def _materials(guide: c.Guide | None, paper: TicketPaper, cols: int) -> list[PrintOp]:
    """The first items of the checklist (一次性告知); the QR code leads to the whole list."""
    if guide is None or not guide.materials or paper.materials == 0:
        return []
    ops: list[PrintOp] = [Rule(), Text(text("kiosk.paper.materials", paper.lang), bold=True)]
    for index, item in enumerate(guide.materials[: paper.materials], start=1):
        ops += _lines(_material(item, index, paper.lang), cols)
    if len(guide.materials) > paper.materials:
        ops += _lines(text("kiosk.paper.more", paper.lang, count=len(guide.materials)), cols, bold=True)
    return ops


def ticket_qr(ticket: c.TicketPublic, base_url: str) -> str:
    """The status page a ticket's QR code opens; ``p`` says which paper copy it is."""
    url = ticket.status_url if "://" in ticket.status_url else base_url.rstrip("/") + ticket.status_url
    return f"{url}{'&' if '?' in url else '?'}p={ticket.paper}"


def issued_time(ticket: c.TicketPublic, timezone: str) -> datetime:
    """When the ticket was issued, in the hall's time."""
    return ticket.issued_at.astimezone(ZoneInfo(timezone))
