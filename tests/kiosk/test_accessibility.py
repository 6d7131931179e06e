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


def assert_one_line(label: Any) -> None:
    """The label's text sits on one line, whole, inside the window."""
    assert label.texture_size[1] < 1.6 * label.font_size, (label.text, label.texture_size)
    assert (
        label.width >= label.texture_size[0]
        and label.to_window(label.right, 0)[0] <= label.get_root_window().width
    )


def test_large_print_enlarges_every_screen_and_keeps_buttons_at_least_15_mm(kiosk: Kiosk) -> None:
    start = kiosk.screen("start")
    heading = start.ids.heading
    normal = heading.font_size
    kiosk.tap(kiosk.app.root.ids.large_print)
    assert kiosk.app.large and heading.font_size == normal * 1.35
    kiosk.pump(frames=5)
    assert_one_line(kiosk.app.root.ids.clock)  # the date and time never wrap under the hall's name
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
    kiosk.tap(root.ids.large_print)
    kiosk.pump(frames=5)
    assert_one_line(root.ids.clock)
    kiosk.tap(root.ids.large_print)
    kiosk.shot("24-start-english-contrast")
    kiosk.tap(root.ids.contrast)
    kiosk.tap(kiosk.service_button("RS001"))
    guide = kiosk.wait_screen("guide")
    assert seen(guide.ids.body.children[-1].source) == "Who can apply"
    kiosk.shot("25-guide-english")
    kiosk.tap(root.ids.language)
    assert kiosk.app.lang == "zh" and seen(guide.ids.body.children[-1].source) == "受理条件"


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
        kiosk.app.idle.last_touch = started  # the last touch, now (on a loaded machine the guide was slow)
        kiosk.pump(lambda: kiosk.current == "start", timeout=10)
        assert time.monotonic() - started >= 1.0
        assert not kiosk.app.large  # ready for the next citizen
    finally:
        settings.idle_seconds = idle


def test_screen_text_never_starts_a_line_with_a_closing_mark_nor_ends_one_with_an_opening_mark(
    kiosk: Kiosk,
) -> None:
    from kiosk.layout import NO_LINE_END, NO_LINE_START
    from kiosk.screens.widgets import Paragraph

    source = "按实际租金提取的提供，按定额提取的免交；已婚的提供（结婚证）、户口簿。" * 3
    for width in range(180, 480, 9):  # at many widths Kivy alone would put "，" or "、" first on a line
        paragraph = Paragraph(text=source, size_hint_x=None, width=width)
        paragraph.texture_update()
        shown = ["".join(word.text for word in line.words) for line in paragraph._label._cached_lines]
        assert seen("".join(shown)) == source and paragraph.source == source
        assert not [line for line in shown if line[:1] in NO_LINE_START], (width, shown)
        assert not [line for line in shown if line[-1:] in NO_LINE_END], (width, shown)
        assert max(paragraph._label.get_extents(line)[0] for line in shown) <= width
