"""Speech for the boards: espeak-ng clips cached in memory, joined into one WAV per announcement.

A clip is synthesised once (about 20 ms), trimmed of its silence and kept as 16-bit mono PCM at
22 050 Hz (espeak-ng's own rate). An announcement is then only a join of cached bytes: the chime,
the Mandarin pass ``repeat`` times, then the English pass if the hall turned it on.

    WAV = chime · lead-in · (zh clips joined by word gaps · pause) × repeat · [en clips · pause]
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import struct
import subprocess
import threading
import wave
from array import array
from collections import OrderedDict
from dataclasses import dataclass, replace

from display_board.announce import Announcement, Clip

log = logging.getLogger(__name__)

RATE = 22_050
VOICES = {"zh": "cmn-latn-pinyin", "en": "en-us"}
SPEED = {"zh": 150, "en": 150}  # words per minute; espeak's 175 is hurried for a hall
# The terse form, spoken while calls queue up, says less and says it briskly: a busy zone board
# calls every few seconds, and an announcement minutes late helps nobody.
FAST_SPEED = {"zh": 200, "en": 190}
TERSE_LEAD_IN = 0.1
TERSE_PAUSE = 0.35
WORD_GAP = 0.06
LEAD_IN = 0.25
PASS_PAUSE = 0.8
SILENCE_LEVEL = 300  # of 32767: below this a sample counts as silence when trimming
EDGE = 0.015  # seconds of quiet kept at each end of a trimmed clip


class VoiceUnavailable(RuntimeError):
    """espeak-ng is missing or failed: the boards show calls but cannot speak them."""


@dataclass(frozen=True)
class VoiceOptions:
    """How a call is spoken (from the hall's voice settings)."""

    repeat: int = 2
    chime: bool = True
    english: bool = False
    terse: bool = False  # short pauses around the terse form


def silence(seconds: float) -> bytes:
    """PCM silence of the given length."""
    return bytes(2 * round(seconds * RATE))


def chime() -> bytes:
    """A two-note ding-dong (E6 then C6, bell-like decay): heads turn before the words come."""
    samples = array("h")
    for freq, length in ((1318.5, 0.45), (1046.5, 0.7)):
        count = round(length * RATE)
        for i in range(count):
            t = i / RATE
            envelope = math.exp(-4.5 * t) * min(1.0, i / 80)
            tone = math.sin(2 * math.pi * freq * t) + 0.35 * math.sin(4 * math.pi * freq * t)
            samples.append(round(12_000 * envelope * tone))
    return samples.tobytes()


def trim(pcm: bytes) -> bytes:
    """Drop the silence espeak-ng leaves around a clip, keeping a short natural edge."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    start = next((i for i, s in enumerate(samples) if abs(s) > SILENCE_LEVEL), None)
    if start is None:
        return b""
    end = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > SILENCE_LEVEL)
    edge = round(EDGE * RATE)
    return samples[max(0, start - edge) : min(len(samples), end + edge + 1)].tobytes()


def pcm_of_wav(data: bytes) -> bytes:
    """The PCM samples of a 16-bit mono WAV at RATE (espeak-ng streams one with a bogus length)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise VoiceUnavailable("espeak-ng did not produce a WAV")
    offset = 12
    while offset + 8 <= len(data):
        chunk, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        body = offset + 8
        if chunk == b"fmt ":
            _fmt, channels, rate, _bps, _align, bits = struct.unpack("<HHIIHH", data[body : body + 16])
            if (channels, rate, bits) != (1, RATE, 16):
                raise VoiceUnavailable(f"unexpected espeak-ng format {channels}ch {rate} Hz {bits} bit")
        elif chunk == b"data":
            return data[body:]  # streamed: the size field is not to be trusted, the rest is samples
        offset = body + size + (size & 1)
    raise VoiceUnavailable("espeak-ng WAV has no data")


def wav(pcm: bytes) -> bytes:
    """PCM wrapped as a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(pcm)
    return out.getvalue()


class Voice:
    """Clips synthesised once and kept (bounded), and announcements assembled from them."""

    def __init__(
        self, espeak: str = "espeak-ng", max_clips: int = 4096, max_announcements: int = 256
    ) -> None:
        self._espeak = espeak
        self._clips: OrderedDict[Clip, bytes] = OrderedDict()
        self._made: OrderedDict[tuple[tuple[Announcement, ...], VoiceOptions], bytes] = OrderedDict()
        self._max_clips = max_clips
        self._max_made = max_announcements
        self._lock = threading.Lock()
        self._synth_lock = threading.Lock()
        self._chime: bytes | None = None
        self.synthesised = 0

    @property
    def available(self) -> bool:
        """Whether espeak-ng is installed."""
        return shutil.which(self._espeak) is not None

    def synthesise(self, clip: Clip) -> bytes:
        """Speak one clip with espeak-ng and return its trimmed PCM."""
        speed = (FAST_SPEED if clip.fast else SPEED)[clip.lang]
        command = [self._espeak, "-v", VOICES[clip.lang], "-s", str(speed), "--stdout", clip.say]
        try:
            done = subprocess.run(command, capture_output=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError) as error:
            raise VoiceUnavailable(f"espeak-ng failed on {clip}: {error}") from error
        self.synthesised += 1
        return trim(pcm_of_wav(done.stdout))

    def clip(self, clip: Clip) -> bytes:
        """A clip's PCM, from the cache or made now."""
        with self._lock:
            found = self._clips.get(clip)
            if found is not None:
                self._clips.move_to_end(clip)
                return found
        with self._synth_lock:  # one espeak-ng at a time; a second caller finds it made
            with self._lock:
                found = self._clips.get(clip)
            if found is None:
                found = self.synthesise(clip)
        with self._lock:
            self._clips[clip] = found
            while len(self._clips) > self._max_clips:
                self._clips.popitem(last=False)
        return found

    def warm(self, clips: list[Clip]) -> None:
        """Make clips ahead of the first call (so the first announcement is as quick as the rest)."""
        for clip in clips:
            self.clip(clip)
        self.chime()

    def chime(self) -> bytes:
        """The chime's PCM (made once)."""
        if self._chime is None:
            self._chime = chime()
        return self._chime

    def spoken(self, clips: tuple[Clip, ...]) -> bytes:
        """One pass of speech: the clips joined by short word gaps."""
        gap = silence(WORD_GAP)
        return gap.join(self.clip(c) for c in clips)

    def pcm(self, announcement: Announcement, options: VoiceOptions) -> bytes:
        """The whole announcement as PCM: chime, Mandarin ``repeat`` times, English if on."""
        return self.pcm_many((announcement,), options)

    def pcm_many(self, announcements: tuple[Announcement, ...], options: VoiceOptions) -> bytes:
        """Several calls in one announcement (a busy board's batch): one chime, then each in turn."""
        lead, pause = (TERSE_LEAD_IN, TERSE_PAUSE) if options.terse else (LEAD_IN, PASS_PAUSE)
        parts = [self.chime(), silence(lead)] if options.chime else [silence(lead)]
        for announcement in announcements:
            zh = self.spoken(announcement.zh)
            for _ in range(options.repeat):
                parts += [zh, silence(pause)]
            if options.english:
                parts += [self.spoken(announcement.en), silence(pause)]
        return b"".join(parts)

    def render(self, announcement: Announcement, options: VoiceOptions) -> bytes:
        """The announcement as a WAV file (kept for repeats and recalls)."""
        return self.render_many((announcement,), options)

    def render_many(self, announcements: tuple[Announcement, ...], options: VoiceOptions) -> bytes:
        """Calls spoken one after another as one WAV file (kept for repeats and recalls)."""
        key = (announcements, options)
        with self._lock:
            found = self._made.get(key)
            if found is not None:
                self._made.move_to_end(key)
                return found
        made = wav(self.pcm_many(announcements, options))
        with self._lock:
            self._made[key] = made
            while len(self._made) > self._max_made:
                self._made.popitem(last=False)
        return made

    def duration(self, announcement: Announcement, options: VoiceOptions) -> float:
        """Seconds the announcement lasts."""
        return len(self.pcm(announcement, options)) / 2 / RATE

    def call_starts(self, announcements: tuple[Announcement, ...], options: VoiceOptions) -> list[float]:
        """When each call of a batch starts being spoken, in seconds from the announcement's start."""
        lead = len(silence(TERSE_LEAD_IN if options.terse else LEAD_IN))
        at = (len(self.chime()) if options.chime else 0) + lead
        starts = []
        for announcement in announcements:
            starts.append(at / 2 / RATE)
            at += len(self.pcm_many((announcement,), replace(options, chime=False))) - lead
        return starts
