"""Spoken prompts: catalogue templates cut at their fields, clips made once by espeak-ng and joined."""

from __future__ import annotations

import time
import wave
from pathlib import Path

from kiosk.pinyin import PinyinCache
from kiosk.voice import Spell, Voice, _speakable, prompt_parts


def test_a_prompt_is_its_template_cut_at_the_fields() -> None:
    parts = prompt_parts("kiosk.voice.ticket", "zh", number=Spell("A001"))
    assert parts == ["取号成功，您的号码是", Spell("A001"), "。请取走号票，留意叫号。"]
    assert prompt_parts("kiosk.voice.guide", "en", service="Passport")[1] == "Passport"


def test_pinyin_is_made_speakable() -> None:
    assert _speakable("qing3 A ling2 ， dao4 3 hao4 。") == "qing3 A ling2 , dao4 san1 hao4 ."


def test_a_ticket_prompt_becomes_one_wav_from_cached_clips(tmp_path: Path) -> None:
    played: list[Path] = []
    voice = Voice(tmp_path / "clips", PinyinCache(tmp_path / "pinyin.json"), played.append)
    parts = prompt_parts("kiosk.voice.ticket", "zh", number=Spell("B012"))
    joined = voice.compose(parts, "zh")
    assert joined is not None
    with wave.open(str(joined)) as clip:
        seconds = clip.getnframes() / clip.getframerate()
    assert 3 < seconds < 15
    clips = sorted((tmp_path / "clips").glob("*.wav"))
    assert len(clips) == 2 + 1 + 3 + 1  # two phrases, B, the digits 0 1 2, and the joined prompt
    assert voice.compose(parts, "zh") == joined  # cached


def test_say_plays_in_the_background_and_nothing_when_disabled(tmp_path: Path) -> None:
    played: list[Path] = []
    voice = Voice(tmp_path / "clips", PinyinCache(), played.append)
    voice.say(["Welcome"], "en")
    for _ in range(200):
        if played:
            break
        time.sleep(0.02)
    assert played and played[0].exists()
    quiet = Voice(tmp_path / "clips", PinyinCache(), played.append, enabled=False)
    quiet.say(["Welcome"], "en")
    assert len(played) == 1
    voice.stop()
