"""Spreadsheet cells that cannot run: text an export writes is never read back as a formula.

Excel, WPS and LibreOffice treat a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (and
a leading tab or carriage return can smuggle one past a first look), so a rating comment such as
``=HYPERLINK("http://…")`` would run on the manager's machine. Such text gets a leading apostrophe,
the spreadsheet's own "this is text" mark (OWASP's CSV-injection advice). Numbers stay numbers.
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

V = TypeVar("V")


def inert(value: V) -> V | str:
    """``value`` as a spreadsheet cell that cannot be evaluated: text starting like a formula is
    prefixed with ``'``; anything else (numbers, dates, other text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
