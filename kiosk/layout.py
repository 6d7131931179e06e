"""The ticket's layout on 58 or 80 mm paper: a pure function from a ticket to a short list of print ops.

The printer adapter turns ops into ESC/POS; tests read the ops (or the decoded receipt) directly.
Widths are counted in font-A columns (32 on 58 mm, 48 on 80 mm); a Chinese character takes two.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from kiosk.i18n import text, wait_text
from queue_server import contract as c

COLUMNS = {58: 32, 80: 48}
NUMBER_SIZE = {58: 3, 80: 4}
QR_SIZE = {58: 5, 80: 6}
NO_LINE_START = set("，。、；：？！）》」』”’…,.;:?!)")


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
    """Columns a string takes on paper: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def wrap(value: str, columns: int) -> list[str]:
    """Fit ``value`` into lines of ``columns``; Latin words stay whole when they fit."""
    lines: list[str] = []
    line, width = "", 0
    for token in _tokens(value):
        size = display_width(token)
        if width + size > columns and line:
            if token in NO_LINE_START and len(line) > 1:  # 避头: keep closing marks off a line's start
                token, line = line[-1] + token, line[:-1]
            lines.append(line.rstrip())
            line, width = "", 0
            token = token.lstrip()
            size = display_width(token)
        while size > columns:  # a single token longer than a line: break it
            cut, used = "", 0
            for ch in token:
                if used + display_width(ch) > columns:
                    break
                cut, used = cut + ch, used + display_width(ch)
            lines.append(cut)
            token = token[len(cut) :]
            size = display_width(token)
        line, width = line + token, width + size
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


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
