"""Spoken prompts, offline: espeak-ng reads Mandarin as tone-numbered pinyin (from pypinyin, via the
helper process), English as itself. Every phrase becomes a WAV clip once, cached on disk; a prompt
is its catalogue template cut at the fields, the pieces' clips joined in milliseconds.
One prompt plays at a time, and a newer one replaces one not yet spoken.
"""

from __future__ import annotations

import hashlib
import logging
import re
import string
import subprocess
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.pinyin import PinyinCache
from queue_server.messages import CATALOGUE

log = logging.getLogger(__name__)

VOICES = {"zh": "cmn-latn-pinyin", "en": "en"}
DIGITS = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
PAUSES = str.maketrans({ch: "," for ch in "，、；：（）《》“”"} | {ch: "." for ch in "。！？…"})


@dataclass(frozen=True)
class Spell:
    """A ticket number or code, spoken character by character (A001 → A 零 零 一)."""

    value: str


Part = str | Spell


def prompt_parts(key: str, lang: str, **fields: object) -> list[Part]:
    """A catalogue template cut into its literal pieces and its (separately cached) fields."""
    template = CATALOGUE[key][1 if lang == "en" else 0]
    parts: list[Part] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal.strip():
            parts.append(literal)
        if name is not None:
            value = fields.get(name, "")
            parts.append(value if isinstance(value, Spell) else str(value))
    return [p for p in parts if p]


class Voice:
    """Speaks prompts through ``play`` (which plays a WAV file); does nothing when disabled."""

    def __init__(
        self,
        cache_dir: Path,
        pinyin: PinyinCache,
        play: Callable[[Path], None],
        *,
        enabled: bool = True,
        espeak: str = "espeak-ng",
    ) -> None:
        self.cache_dir = cache_dir
        self.pinyin = pinyin
        self.enabled = enabled
        self._play = play
        self._espeak = espeak
        self._wanted: tuple[list[Part], str] | None = None
        self._wake = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.spoken: list[Path] = []  # what was played, newest last (for tests and logs)

    def say(self, parts: list[Part], lang: str) -> None:
        """Speak ``parts`` soon (in the background), replacing anything not yet spoken."""
        if not self.enabled or not parts:
            return
        with self._wake:
            self._wanted = (parts, lang)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kiosk-voice", daemon=True)
                self._thread.start()
            self._wake.notify()

    def stop(self) -> None:
        """End the background thread."""
        with self._wake:
            self._stopped = True
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._wanted is not None or self._stopped)
                if self._stopped:
                    return
                assert self._wanted is not None
                parts, lang = self._wanted
                self._wanted = None
            path = self.compose(parts, lang)
            with self._wake:
                stale = self._wanted is not None
            if path is not None and not stale:
                self.spoken.append(path)
                self._play(path)

    # ------------------------------------------------------------ clips

    def compose(self, parts: list[Part], lang: str) -> Path | None:
        """One WAV of all the parts (cached), or None when speech is unavailable."""
        pieces = [piece for part in parts for piece in self._pieces(part, lang)]
        self.pinyin.ensure([text for voice, text in pieces if voice == "zh-text"])
        clips = [self.clip(text, voice) for voice, text in pieces]
        if not clips or any(c is None for c in clips):
            return None
        if len(clips) == 1:
            return clips[0]
        target = self._path("join", "|".join(str(c) for c in clips))
        if not target.exists():
            _join([c for c in clips if c is not None], target)
        return target

    def _pieces(self, part: Part, lang: str) -> list[tuple[str, str]]:
        if isinstance(part, Spell):
            if lang == "en":
                return [("en", " ".join(part.value))]
            return [
                ("zh-pinyin", DIGITS[int(ch)]) if ch.isdigit() else ("en", ch)
                for ch in part.value
                if ch.isascii() and ch.isalnum()
            ]
        return [("en" if lang == "en" else "zh-text", part)]

    def clip(self, text: str, voice: str) -> Path | None:
        """The clip of one phrase: ``voice`` is "en", "zh-text" (characters) or "zh-pinyin"."""
        path = self._path(voice, text)
        if path.exists():
            return path
        if voice == "zh-text":
            reading = self.pinyin.get(text)
            if reading is None:
                return None
            words = _speakable(reading["tones"])
            espeak_voice = VOICES["zh"]
        elif voice == "zh-pinyin":
            words, espeak_voice = text, VOICES["zh"]
        else:
            words, espeak_voice = text, VOICES["en"]
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        try:
            subprocess.run(
                [self._espeak, "-v", espeak_voice, "-s", "150", "-w", str(partial), words],
                check=True,
                capture_output=True,
                timeout=20,
            )
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("espeak-ng failed for %r: %r", text, error)
            return None
        partial.replace(path)
        return path

    def _path(self, voice: str, text: str) -> Path:
        digest = hashlib.sha1(f"{voice}|{text}".encode()).hexdigest()[:20]
        return self.cache_dir / f"{digest}.wav"


def _speakable(tones: str) -> str:
    """Tone-numbered pinyin with Chinese punctuation as pauses and digits read in Mandarin."""
    words: list[str] = []
    for token in tones.translate(PAUSES).split():
        if token.isdigit():
            words.extend(DIGITS[int(d)] for d in token)
        elif re.fullmatch(r"[a-zA-Z]+[1-5]?|[,.]", token):
            words.append(token)
    return " ".join(words)


def _join(clips: list[Path], target: Path) -> None:
    """Concatenate WAV clips of one format into ``target``."""
    partial = target.with_suffix(".part")
    with wave.open(str(partial), "wb") as out:
        for index, clip in enumerate(clips):
            with wave.open(str(clip), "rb") as source:
                if index == 0:
                    out.setparams(source.getparams())
                out.writeframes(source.readframes(source.getnframes()))
    partial.replace(target)
