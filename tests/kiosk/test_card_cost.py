"""A card on the reader costs the kiosk the same few frames each time, however many came before.

Every frame of the kiosk's full screen is tens of ms of the UI thread's CPU on software GL, and
the card's reader thread waits for the same interpreter: frames drawn while nothing changes for the
citizen slow every card after them. Frames are counted here (the window's flips), not timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hardware_mocks.idcard_reader import sample_card
from tests.kiosk.conftest import Kiosk
from tests.kiosk.test_idcard import signed_in

CARDS = 3
HOLDER = "230102197703070017"  # made up, with a valid check digit; no other test's


@pytest.fixture
def flips(kiosk: Kiosk) -> Iterator[list[int]]:
    """How many frames the window has drawn since the test began (one counter in a list)."""
    from kivy.core.window import Window

    drawn = [0]

    def count(*_: Any) -> None:
        drawn[0] += 1

    Window.bind(on_flip=count)
    yield drawn
    Window.unbind(on_flip=count)


def still(kiosk: Kiosk) -> bool:
    """Nothing of the start screen's list is moving or about to: no scroll bar fade pending or running
    (Kivy's ScrollView fades its bar half a second after each relayout)."""
    from kivy.animation import Animation

    scroll = kiosk.screen("start").ids.scroll
    fade = getattr(scroll, "_bind_inactive_bar_color_ev", None)
    if fade is not None and fade.is_triggered:
        return False
    return not any(v["widget"] is scroll for a in Animation._instances for v in a._widgets.values())


def frames_until_still(kiosk: Kiosk, flips: list[int]) -> int:
    """Frames drawn from now until the start screen is still (held for a few turns of the loop)."""
    before = flips[0]
    for _ in range(3):
        kiosk.pump(lambda: still(kiosk), timeout=30)
        kiosk.pump(frames=3)
    return flips[0] - before


def test_after_each_card_and_each_reset_the_start_screen_draws_nothing_more(
    kiosk: Kiosk, flips: list[int]
) -> None:
    frames_until_still(kiosk, flips)  # whatever the last test left moving
    after: list[tuple[int, int]] = []
    for _ in range(CARDS):
        kiosk.reader.put(sample_card(id_number=HOLDER))
        signed_in(kiosk)  # the greeting and the holder's list drawn
        greeted = frames_until_still(kiosk, flips)
        kiosk.reader.remove()
        cards = kiosk.app.watch.cards
        kiosk.pump(lambda cards=cards: not cards.card_on, timeout=15)
        kiosk.app.reset()  # 退出: the next citizen's start screen
        kiosk.pump(frames=4)
        after.append((greeted, frames_until_still(kiosk, flips)))
    # nothing the citizen sees changes once the list is drawn: no frame (one at most, for the clock)
    assert all(greeted <= 1 and reset <= 1 for greeted, reset in after), after
