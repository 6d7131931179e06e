"""Who may act where: a clerk acts at the one window they are bound to, never at any window."""

from __future__ import annotations

import pytest

from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Forbidden


def test_a_clerk_bound_to_a_window_acts_there_only() -> None:
    clerk = Actor(hall_id=1, role="clerk", window="3")
    clerk.require(Permission.OPERATE_WINDOW, window="3")
    with pytest.raises(Forbidden) as refused:
        clerk.require(Permission.OPERATE_WINDOW, window="4")
    assert refused.value.code == "auth.wrong_window"


def test_a_clerk_bound_to_no_window_acts_at_none() -> None:
    unbound = Actor(hall_id=1, role="clerk", window=None)
    for window in ("1", "2", "A12"):
        with pytest.raises(Forbidden) as refused:
            unbound.require(Permission.OPERATE_WINDOW, window=window)
        assert refused.value.code == "auth.window_required"


def test_a_manager_acts_at_every_window() -> None:
    Actor(hall_id=1, role="manager").require(Permission.OPERATE_WINDOW, window="4")
