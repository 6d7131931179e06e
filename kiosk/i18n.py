"""``_()`` for the kiosk: every string a citizen sees comes from queue_server.messages (zh-CN, English)."""

from __future__ import annotations

import logging
import math
from datetime import datetime

from queue_server.contract import ErrorBody
from queue_server.messages import CATALOGUE, render

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")


def text(key: str, lang: str = "zh", **fields: object) -> str:
    """The catalogue entry ``key`` in ``lang``, filled with ``fields``."""
    if key not in CATALOGUE:
        log.error("message %s is not in the catalogue", key)
        return key
    zh, en = render(key, fields)
    return en if lang == "en" else zh


def error_text(body: ErrorBody, lang: str) -> str:
    """A server error as the citizen should read it."""
    return body.message_en if lang == "en" else body.message


def wait_text(seconds: int | None, lang: str) -> str:
    """ "about 15 min" for an estimated wait, or that it is not known yet."""
    if seconds is None:
        return text("kiosk.no_estimate", lang)
    return text("kiosk.minutes", lang, minutes=max(1, math.ceil(seconds / 60)))


def waiting_text(seconds: int | None, lang: str, where: str, waiting: int = 0) -> str:
    """The estimated-wait sentence of a ticket, a receipt or a guide, whole when the wait is unknown
    ("等候时间暂无法估计", not "预计等候暂无法估计")."""
    if seconds is None:
        return text(f"kiosk.wait_unknown.{where}", lang, waiting=waiting)
    key = {"ticket": "kiosk.ticket.wait", "paper": "kiosk.paper.wait", "guide": "kiosk.guide.queue"}
    return text(key[where], lang, wait=wait_text(seconds, lang), waiting=waiting)


def clock_text(now: datetime, lang: str) -> str:
    """The date and time as the top bar shows it."""
    weekdays = text("kiosk.weekdays", lang)
    weekday = weekdays[now.weekday()] if lang == "zh" else weekdays.split()[now.weekday()]
    month = text("kiosk.months", lang).split()[now.month - 1]
    return text("kiosk.clock", lang, month=month, day=now.day, weekday=weekday, time=now.strftime("%H:%M"))
