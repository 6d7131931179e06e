"""The one message catalogue: every user-facing error and notice, zh-CN first, English second.

The messages live in ``messages.toml`` beside this module (package data); it is read and checked once,
when this module is first imported, so a broken catalogue stops a process at start, never mid-request.
Kept free of imports beyond the standard library so the kiosk, the board and the bridge can use it.
Messages are ``str.format`` templates filled from an error's fields.
"""

from __future__ import annotations

import string
import tomllib
from importlib import resources
from typing import Any, Final

Pair = tuple[str, str]  # (zh-CN, en)
LANGUAGES: Final = ("zh-CN", "en")
_ENTRY_KEYS: Final = frozenset({*LANGUAGES, "own_fields"})


class CatalogueError(ValueError):
    """The catalogue file breaks a rule: a language missing, a bad template, placeholders that differ."""


def parse(text: str) -> tuple[dict[str, Pair], dict[str, dict[str, Pair]]]:
    """The messages and the field words of a catalogue file, checked; ``CatalogueError`` lists problems."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"the catalogue is not valid TOML: {error}") from error
    problems: list[str] = []
    messages = _pairs(data.get("messages"), "messages", problems, templates=True)
    raw_words = data.get("words")
    words: dict[str, dict[str, Pair]] = {}
    if isinstance(raw_words, dict):
        words = {f: _pairs(t, f"words.{f}", problems, templates=False) for f, t in raw_words.items()}
    for needed, where in (("server.error", messages), ("status", words)):
        if needed not in where:
            problems.append(f"{needed}: missing (the fallback every client relies on)")
    if problems:
        raise CatalogueError(f"{len(problems)} problem(s) in the message catalogue: " + "; ".join(problems))
    return messages, words


def _pairs(table: Any, where: str, problems: list[str], *, templates: bool) -> dict[str, Pair]:
    """One table's entries as (zh-CN, en) pairs, each problem noted under its key."""
    if not isinstance(table, dict):
        problems.append(f"[{where}]: missing or not a table")
        return {}
    out: dict[str, Pair] = {}
    for key, entry in table.items():
        name = f"{where}.{key}" if where.startswith("words.") else key
        if not isinstance(entry, dict) or not set(entry) <= _ENTRY_KEYS:
            problems.append(f"{name}: an entry is {{ zh-CN = …, en = … }}")
            continue
        zh, en = entry.get("zh-CN"), entry.get("en")
        if not isinstance(zh, str) or not isinstance(en, str) or not zh.strip():
            problems.append(f"{name}: needs both zh-CN (not empty) and en")
            continue
        if templates:
            _check_fields(name, zh, en, entry.get("own_fields") is True, problems)
        out[key] = (zh, en)
    return out


def _check_fields(name: str, zh: str, en: str, own: bool, problems: list[str]) -> None:
    """Both languages fill the same named placeholders, unless the entry says each has its own."""
    try:
        fields = [{f for _, f, _, _ in string.Formatter().parse(s) if f is not None} for s in (zh, en)]
    except ValueError as error:
        problems.append(f"{name}: not a template ({error})")
        return
    if any(not f.isidentifier() for side in fields for f in side):
        problems.append(f"{name}: placeholders must be names, like {{number}}")
    elif fields[0] != fields[1] and not own:
        problems.append(f"{name}: zh-CN fills {sorted(fields[0])} but en fills {sorted(fields[1])}")
    elif fields[0] == fields[1] and own:
        problems.append(f"{name}: says own_fields but both languages fill {sorted(fields[0])}")


def _load() -> tuple[dict[str, Pair], dict[str, dict[str, Pair]]]:
    """The package's own catalogue file, checked."""
    return parse(resources.files("queue_server").joinpath("messages.toml").read_text(encoding="utf-8"))


_LOADED: Final = _load()
CATALOGUE: Final[dict[str, Pair]] = _LOADED[0]
# Fields whose values are keys of the hall's vocabulary (a follow-up's stage, a rating's level, a
# grade, a ticket's status or action): a message shows the hall's word for the key, never the key.
FIELD_WORDS: Final[dict[str, dict[str, Pair]]] = _LOADED[1]
# Ticket status names as people say them, for screens and messages.
STATUS_NAMES: Final[dict[str, Pair]] = FIELD_WORDS["status"]


def render(code: str, fields: dict[str, object] | None = None) -> tuple[str, str]:
    """Return the (zh-CN, en) message for an error code, filled with its fields (vocabulary keys
    shown as the hall's words, each in its language)."""
    zh, en = CATALOGUE.get(code, CATALOGUE["server.error"])
    raw = fields or {}
    words = {k: FIELD_WORDS[k][str(v)] for k, v in raw.items() if str(v) in FIELD_WORDS.get(k, {})}
    zh_values = _Fields({**raw, **{k: w[0] for k, w in words.items()}})
    en_values = _Fields({**raw, **{k: w[1] for k, w in words.items()}})
    return zh.format_map(zh_values), en.format_map(en_values)


class _Fields(dict[str, object]):
    """A format map that leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
