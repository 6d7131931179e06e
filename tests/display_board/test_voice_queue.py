"""The board's voice queue rules, case by case (the same cases run on the page's JS copy in Chromium).

The cases live in voice_queue_cases.json so the Python rules (replayed by the lag benchmark) and
static/voice_queue.js (run by the board) cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from display_board.voice_queue import Pending, enqueue, next_turn, tail_wanted, void

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "voice_queue_cases.json").read_text())[
    "cases"
]

# What a case's outcome looks like, computed by the page's copy of the rules (times in ms there).
JS_OUTCOME = """c => {
  const rules = window.HallQ.voiceQueue;
  const pending = ([number, window, recall], i) => ({number, window, recall: !!recall, queuedAt: i});
  const queue = (c.queue || []).map(pending);
  const listed = (out) => ({
    queue: out.queue.map(p => [p.number, p.window, p.recall]),
    dropped: out.dropped.map(p => p.number),
  });
  if (c.op === 'next_turn') {
    const turn = rules.nextTurn(queue, c.heard.map(s => s * 1000), c.now * 1000);
    return turn && {calls: turn.calls.map(p => p.number), form: turn.form};
  }
  if (c.op === 'enqueue') return listed(rules.enqueue(queue, pending(c.call, 1000)));
  if (c.op === 'void') return listed(rules.voidCall(queue, c.number));
  return rules.tailWanted(queue, c.repeat, c.english);
}"""


def python_outcome(case: dict[str, Any]) -> Any:
    """A case's outcome by display_board.voice_queue, in the shape the JS runner returns."""
    queue = [
        Pending(p[0], p[1], bool(p[2]) if len(p) > 2 else False, float(i))
        for i, p in enumerate(case["queue"])
    ]

    def listed(result: tuple[list[Pending], list[Pending]]) -> dict[str, Any]:
        kept, dropped = result
        return {
            "queue": [[p.number, p.window, p.recall] for p in kept],
            "dropped": [p.number for p in dropped],
        }

    if case["op"] == "next_turn":
        turn = next_turn(queue, case["heard"], case["now"])
        return turn and {"calls": [p.number for p in turn.calls], "form": turn.form}
    if case["op"] == "enqueue":
        number, window, recall = case["call"]
        return listed(enqueue(queue, Pending(number, window, recall, 1000.0)))
    if case["op"] == "void":
        return listed(void(queue, case["number"]))
    return tail_wanted(queue, case["repeat"], case["english"])


def matches(expect: Any, outcome: Any) -> bool:
    """Whether an outcome is what the case expects (``queue_length``/``first``/``last`` for long queues)."""
    if isinstance(expect, dict) and "queue_length" in expect:
        queue = outcome["queue"]
        return (
            len(queue) == expect["queue_length"]
            and queue[0] == expect["first"]
            and queue[-1] == expect["last"]
            and outcome["dropped"] == expect["dropped"]
        )
    return bool(expect == outcome)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_voice_queue_rules(case: dict[str, Any]) -> None:
    assert matches(case["expect"], python_outcome(case)), python_outcome(case)


def test_a_recall_keeps_the_place_and_wait_of_the_call_it_repeats() -> None:
    queue = [Pending("A001", "3", queued_at=1.0), Pending("B002", "5", queued_at=2.0)]
    kept, dropped = enqueue(queue, Pending("A001", "3", recall=True, queued_at=9.0))
    assert kept[0] == Pending("A001", "3", recall=True, queued_at=1.0) and dropped == [queue[0]]


def test_a_queue_of_hundreds_of_standing_calls_loses_none() -> None:
    queue: list[Pending] = []
    for n in range(300):
        queue, dropped = enqueue(queue, Pending(f"A{n:03d}", str(n % 223 + 1)))
        assert not dropped
    spoken = []
    while queue:
        turn = next_turn(queue, [0.0, 1.0], 2.0)
        assert turn is not None and turn.form == "short"
        spoken += [p.number for p in turn.calls]
        queue = queue[len(turn.calls) :]
    assert spoken == [f"A{n:03d}" for n in range(300)]
