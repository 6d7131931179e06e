"""Finding a service by what a citizen types: characters, pinyin initials (SBK) or pinyin.

One ranking for the kiosk's search box and the lobby guide's tablet. How a text reads in pinyin is
passed in (``reading_of``): the kiosk keeps pypinyin out of its process and caches readings on disk,
the server reads them itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypedDict, TypeVar


class Reading(TypedDict):
    """How a text reads for search: pinyin initials and toneless pinyin, lower case, no spaces."""

    initials: str
    plain: str


ReadingOf = Callable[[str], Reading | None]


class Searchable(Protocol):
    """What a service is found by (the wire's ``ServiceSummary`` is one)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def keywords(self) -> Sequence[str]: ...
    @property
    def department_name(self) -> str: ...
    @property
    def theme(self) -> str: ...


S = TypeVar("S", bound=Searchable)


def texts_of(service: Searchable) -> list[str]:
    """The texts a service can be found by."""
    return [service.name, *service.keywords, service.department_name, service.theme]


def _subsequence(needle: str, hay: str) -> bool:
    letters = iter(hay)
    return all(ch in letters for ch in needle)


def score(service: Searchable, query: str, reading_of: ReadingOf) -> int:
    """How well a service matches (0: not at all): exact beats prefix beats anywhere; names beat keywords."""
    q = re.sub(r"\s+", "", query).lower()
    if not q:
        return 1
    if service.code.lower() == q:
        return 100
    best = 0
    for rank, value in enumerate(texts_of(service)):
        name = rank == 0
        lowered = value.lower()
        if q == lowered:
            best = max(best, 32 if name else 28)
        elif q in lowered:
            best = max(best, 30 if name else 24)
        reading = reading_of(value) if q.isascii() else None
        if reading is None:
            continue
        initials = reading["initials"]
        if initials == q:
            best = max(best, 25 if name else 22)
        elif initials.startswith(q) or reading["plain"].startswith(q):
            best = max(best, 21 if name else 16)
        elif q in initials or (len(q) > 2 and q in reading["plain"]):
            best = max(best, 14 if name else 10)
        elif len(q) > 1 and name and _subsequence(q, initials):
            best = max(best, 5)
    return best


def search(services: Iterable[S], query: str, reading_of: ReadingOf) -> list[S]:
    """The services matching ``query``, best first (the catalogue's order among equals)."""
    scored = [(score(s, query, reading_of), i, s) for i, s in enumerate(services)]
    return [s for points, _, s in sorted(scored, key=lambda t: (-t[0], t[1])) if points > 0]
