"""The words staff and citizens read, checked in the one message catalogue (no browser needed)."""

from __future__ import annotations

from queue_server.contract import Outcome, PriorityClass
from queue_server.messages import CATALOGUE


def test_each_priority_class_has_one_name_on_the_kiosk_the_guide_and_the_clerk_console() -> None:
    for value in PriorityClass:
        kiosk = CATALOGUE[f"kiosk.priority.{value.value}"][0]
        guide = CATALOGUE[f"guide.class.{value.value}"][0]
        clerk = CATALOGUE[f"clerk.priority.{value.value}"][0]
        assert kiosk == guide, value
        # the console adds 优先 to a class's name, never another name ("绿色通道" for 重点项目)
        assert value is PriorityClass.OTHER or clerk.startswith(guide), (value, clerk, guide)


def test_every_outcome_has_its_own_words_for_the_citizen_the_window_screen_and_the_clerk() -> None:
    for outcome in Outcome:
        for prefix in (
            "ticket_page.state.",
            "ticket_page.outcome.",
            "window_screen.outcome.",
            "clerk.done.conclude.",
        ):
            assert prefix + outcome.value in CATALOGUE, prefix + outcome.value
    # only 即办件 is "办结" on the spot; 补正 / 不予受理 / 转办 never say so
    for outcome in ("correction", "refused", "referred"):
        assert "办结" not in CATALOGUE[f"ticket_page.outcome.{outcome}"][0]
        assert "办结" not in CATALOGUE[f"clerk.done.conclude.{outcome}"][0]
