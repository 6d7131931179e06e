"""Large print, high contrast, English, voice, big buttons, and back to the start when left alone."""

from __future__ import annotations

import time
from typing import Any

from kivy.metrics import mm

from tests.kiosk.conftest import Kiosk, seen


def buttons(widget: Any) -> list[Any]:
    """Every visible, enabled button under ``widget``."""
    from kivy.uix.behaviors import ButtonBehavior

    found = []
    for child in widget.walk(restrict=True):
        if (
            isinstance(child, ButtonBehavior)
            and not child.disabled
            and child.opacity > 0
            and child.height > 0
        ):
            found.append(child)
    return found


def test_large_print_enlarges_every_screen_and_keeps_buttons_at_least_15_mm(kiosk: Kiosk) -> None:
    start = kiosk.screen("start")
    heading = start.ids.heading
    normal = heading.font_size
    kiosk.tap(kiosk.app.root.ids.large_print)
    assert kiosk.app.large and heading.font_size == normal * 1.35
    kiosk.pump(frames=5)
    kiosk.shot("20-start-large-print")
    kiosk.tap(kiosk.service_button("GJ001"))
    guide = kiosk.wait_screen("guide")
    kiosk.shot("21-guide-large-print")
    kiosk.tap(guide.ids.options)
    take = kiosk.wait_screen("take")
    kiosk.shot("22-take-large-print")
    for screen in (kiosk.app.root, take):
        small = [b for b in buttons(screen) if b.height < mm(15) - 0.5]
        assert not small, [(getattr(b, "text", b), b.height) for b in small]
    kiosk.tap(kiosk.app.root.ids.large_print)
    assert not kiosk.app.large


def test_every_button_on_every_screen_is_at_least_15_mm_high(kiosk: Kiosk) -> None:
    for name in ("start", "reprint", "checkin"):
        kiosk.app.go(name)
        kiosk.pump(frames=4)
        small = [b for b in buttons(kiosk.app.root) if b.height < mm(15) - 0.5]
        assert not small, (name, [(getattr(b, "text", b), b.height) for b in small])


def test_high_contrast_and_english(kiosk: Kiosk) -> None:
    root = kiosk.app.root
    kiosk.tap(root.ids.contrast)
    assert kiosk.app.contrast and tuple(kiosk.app.bg) == (0, 0, 0, 1)
    kiosk.shot("23-start-high-contrast")
    kiosk.tap(root.ids.language)
    assert kiosk.app.lang == "en"
    start = kiosk.screen("start")
    assert start.ids.heading.text == "Choose the service you need"
    assert start.row("RS001")["title"] == "Urban and Rural Residents' Basic Pension Insurance Enrollment"
    kiosk.shot("24-start-english-contrast")
    kiosk.tap(root.ids.contrast)
    kiosk.tap(kiosk.service_button("RS001"))
    guide = kiosk.wait_screen("guide")
    assert seen(guide.ids.body.children[-1].text) == "Who can apply"
    kiosk.shot("25-guide-english")
    kiosk.tap(root.ids.language)
    assert kiosk.app.lang == "zh" and seen(guide.ids.body.children[-1].text) == "受理条件"


def test_each_screen_speaks_its_prompt(kiosk: Kiosk) -> None:
    voice = kiosk.app.parts.voice
    before = len(voice.spoken)
    kiosk.app.go("checkin")
    kiosk.pump(lambda: len(voice.spoken) > before, timeout=20)
    clip = voice.spoken[-1]
    assert clip.suffix == ".wav" and clip.stat().st_size > 20_000


def test_the_kiosk_returns_to_the_start_screen_when_left_alone(kiosk: Kiosk) -> None:
    kiosk.tap(kiosk.app.root.ids.large_print)
    kiosk.tap(kiosk.service_button("SW001"))
    kiosk.wait_screen("guide")
    settings = kiosk.app.settings
    idle = settings.idle_seconds
    settings.idle_seconds = 1.5
    try:
        started = time.monotonic()
        kiosk.pump(lambda: kiosk.current == "start", timeout=10)
        assert time.monotonic() - started >= 1.0
        assert not kiosk.app.large  # ready for the next citizen
    finally:
        settings.idle_seconds = idle
