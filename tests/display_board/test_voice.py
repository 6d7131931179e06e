"""Clips joined into announcements: the layout exactly (with a stand-in synthesiser), then real speech."""

from __future__ import annotations

import io
import re
import subprocess
import wave
from array import array
from dataclasses import replace
from pathlib import Path

import pytest

from display_board.announce import Call, Clip, announcement
from display_board.voice import (
    LEAD_IN,
    PASS_PAUSE,
    RATE,
    TERSE_LEAD_IN,
    TERSE_PAUSE,
    WORD_GAP,
    Voice,
    VoiceOptions,
    chime,
    pcm_of_wav,
    silence,
    trim,
    wav,
)


class ToneVoice(Voice):
    """A Voice whose 'speech' is a tone 0.1 s per character: the assembly is then exact to check."""

    def __init__(self, **options: int) -> None:
        super().__init__(**options)
        self.made: list[Clip] = []

    def synthesise(self, clip: Clip) -> bytes:
        self.made.append(clip)
        return array("h", [8000] * round(0.1 * len(clip.say) * RATE)).tobytes()


def seconds(pcm: bytes) -> float:
    return len(pcm) / 2 / RATE


def test_an_announcement_is_chime_then_the_mandarin_twice() -> None:
    voice = ToneVoice()
    spoken = announcement(Call("A001", "3"))
    pcm = voice.pcm(spoken, VoiceOptions())
    words = silence(WORD_GAP).join(voice.synthesise(c) for c in spoken.zh)
    assert pcm == chime() + silence(LEAD_IN) + (words + silence(PASS_PAUSE)) * 2


def test_english_follows_once_and_repeat_and_chime_are_honoured() -> None:
    voice = ToneVoice()
    spoken = announcement(Call("A001", "3"))
    zh = seconds(voice.spoken(spoken.zh))
    en = seconds(voice.spoken(spoken.en))
    plain = VoiceOptions(repeat=1, chime=False)
    assert voice.duration(spoken, plain) == pytest.approx(LEAD_IN + zh + PASS_PAUSE, abs=1e-3)
    full = VoiceOptions(repeat=3, chime=True, english=True)
    expected = seconds(chime()) + LEAD_IN + 3 * (zh + PASS_PAUSE) + en + PASS_PAUSE
    assert voice.duration(spoken, full) == pytest.approx(expected, abs=1e-3)


def test_a_busy_boards_batch_is_the_terse_calls_one_after_another_and_knows_where_each_starts() -> None:
    voice = ToneVoice()
    calls = tuple(
        announcement(Call(n, w), short=True) for n, w in (("A001", "3"), ("B12", "101"), ("C7", "5"))
    )
    terse = VoiceOptions(repeat=1, chime=False, terse=True)
    passes = [voice.spoken(a.zh) for a in calls]
    assert voice.pcm_many(calls, terse) == silence(TERSE_LEAD_IN) + b"".join(
        p + silence(TERSE_PAUSE) for p in passes
    )
    starts = voice.call_starts(calls, terse)
    assert starts[0] == pytest.approx(TERSE_LEAD_IN, abs=1e-3)
    for k in (1, 2):
        assert starts[k] == pytest.approx(starts[k - 1] + seconds(passes[k - 1]) + TERSE_PAUSE, abs=1e-3)
    assert all(len(a.zh) == 1 for a in calls)  # each terse call is one connected utterance


def test_the_terse_form_is_one_connected_utterance_shorter_than_joined_words(espeak: Voice) -> None:
    terse = announcement(Call("A001", "3"), short=True)
    assert terse.zh[0].say == "ei1 ling2 ling2 yi1 hao4, san1 hao4 chuang1 kou3"
    joined = tuple(replace(c, fast=True) for c in announcement(Call("A001", "3")).zh)
    assert seconds(espeak.spoken(terse.zh)) < 0.85 * seconds(espeak.spoken(joined))


def test_each_clip_is_synthesised_once_and_the_cache_stays_bounded() -> None:
    voice = ToneVoice(max_clips=8, max_announcements=2)
    first = announcement(Call("A001", "3"))
    voice.render(first, VoiceOptions())
    assert len(voice.made) == len(set(first.zh))  # 零 twice in A001, made once
    voice.render(announcement(Call("A010", "3")), VoiceOptions())
    assert len(voice.made) == len(set(first.zh))  # the same clips, nothing new
    for number in ("B123", "C456", "D789"):
        voice.render(announcement(Call(number, "45")), VoiceOptions())
    assert len(voice._clips) <= 8 and len(voice._made) <= 2


def test_trim_drops_the_silence_around_a_clip_and_keeps_a_short_edge() -> None:
    sound = array("h", [0] * 2000 + [5000] * 1000 + [0] * 3000).tobytes()
    trimmed = trim(sound)
    edge = round(0.015 * RATE)
    assert len(trimmed) == 2 * (1000 + 2 * edge)
    assert trim(silence(0.5)) == b""


def test_a_streamed_wav_with_a_bogus_length_is_read_to_its_end() -> None:
    made = wav(array("h", [1, 2, 3]).tobytes())
    streamed = made[:4] + b"\xff\xff\xff\x7f" + made[8:40] + b"\xff\xff\xff\x7f" + made[44:]
    assert pcm_of_wav(streamed) == array("h", [1, 2, 3]).tobytes()


def sox_stats(path: Path, start: float | None = None, length: float | None = None) -> dict[str, float]:
    """`sox … stats` of a file (or of a stretch of it) as numbers."""
    command = ["sox", str(path), "-n"]
    if start is not None:
        command += ["trim", f"{start}", f"{length}"]
    done = subprocess.run([*command, "stats"], capture_output=True, text=True, check=True)
    out = {}
    for line in done.stderr.splitlines():
        match = re.match(r"(\w[\w ]*?)\s{2,}(-?[\d.]+|-inf)", line)
        if match:
            out[match.group(1)] = float(match.group(2).replace("-inf", "-999"))
    return out


@pytest.fixture(scope="module")
def espeak() -> Voice:
    """The real voice (espeak-ng is installed by scripts/setup.sh)."""
    voice = Voice()
    assert voice.available, "espeak-ng is missing: run scripts/setup.sh"
    return voice


def test_real_speech_has_the_expected_duration_and_is_not_silent(espeak: Voice, tmp_path: Path) -> None:
    spoken = announcement(Call("A001", "3"))
    options = VoiceOptions()
    path = tmp_path / "A001.wav"
    path.write_bytes(espeak.render(spoken, options))
    with wave.open(str(path)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, RATE)
    soxi = subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True)
    assert float(soxi.stdout) == pytest.approx(espeak.duration(spoken, options), abs=0.01)
    one_pass = seconds(espeak.spoken(spoken.zh))
    assert 2.0 < one_pass < 8.0  # "请A零零一号到三号窗口办理" at a hall's pace
    whole = sox_stats(path)
    assert whole["Max level"] > 0.3 and whole["RMS lev dB"] > -30
    ring = seconds(chime())
    assert sox_stats(path, 0.0, ring)["RMS lev dB"] > -30  # the chime rings first
    speech = sox_stats(path, ring + LEAD_IN, one_pass)
    assert speech["RMS lev dB"] > -30
    pause = sox_stats(path, ring + LEAD_IN + one_pass + 0.05, PASS_PAUSE - 0.1)
    assert pause["Max level"] < 0.01  # silence between the two passes: no overlap, no bleed


def test_real_english_follows_when_asked(espeak: Voice) -> None:
    spoken = announcement(Call("B12", "7"))
    chinese = espeak.duration(spoken, VoiceOptions())
    both = espeak.duration(spoken, VoiceOptions(english=True))
    assert both - chinese > 1.5
    with wave.open(io.BytesIO(espeak.render(spoken, VoiceOptions(english=True)))) as reader:
        assert reader.getnframes() / RATE == pytest.approx(both, abs=0.01)
