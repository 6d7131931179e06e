"""The ticket's layout on 58 or 80 mm paper: a pure function from a ticket to a short list of print ops.

The printer adapter turns ops into ESC/POS; tests read the ops (or the decoded receipt) directly.
Widths are counted in font-A columns (32 on 58 mm, 48 on 80 mm); a Chinese character takes two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from kiosk.i18n import text, wait_text
from queue_server import contract as c

COLUMNS = {58: 32, 80: 48}
NUMBER_SIZE = {58: 3, 80: 4}
QR_SIZE = {58: 5, 80: 6}
# 避头尾 (GB/T 15834 and common typesetting): closing marks never start a line, opening marks never end one
NO_LINE_START = frozenset("，。、；：？！）》」』”’…—～·】〕〉,.;:?!)]}%")
NO_LINE_END = frozenset("（《「『“‘【〔〈([{")


@dataclass(frozen=True)
class Text:
    """One printed line (the adapter wraps nothing: lines arrive already fitted)."""

    text: str
    align: str = "left"
    size: int = 1  # width and height magnification, 1–8
    bold: bool = False


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
    tokens: list[str] = []
    for ch in value:
        previous = tokens[-1][-1:] if tokens else ""
        if ch.isascii() and not ch.isspace() and previous.isascii() and previous and not previous.isspace():
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


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
    ops += _lines(ticket.service_name, cols, name_size, align="center", bold=True)
    if paper.appointment:
        ops.append(Text(text("kiosk.paper.appointment", lang), align="center"))
    ops += [Feed(), Text(text("kiosk.paper.ahead", lang, count=ticket.people_ahead))]
    ops.append(Text(text("kiosk.paper.wait", lang, wait=wait_text(ticket.estimated_wait_seconds, lang))))
    guide = paper.guide
    if guide is not None and guide.location:
        ops += _lines(text("kiosk.paper.where", lang, location=guide.location), cols)
    if ticket.priority_class is not None:
        kind = text(f"kiosk.priority.{ticket.priority_class.value}", lang)
        ops += _lines(text("kiosk.paper.priority", lang, kind=kind), cols, bold=True)
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
