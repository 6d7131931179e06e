"""Does the board's voice keep up at hall scale? Lag from a call to the start of its announcement.

    .venv/bin/python -m benchmarks.voice_lag [--minutes 60] [--seed 1]

The clips are the real ones: each announcement is assembled by ``display_board.voice`` (espeak-ng
clips, cached) for ticket numbers and windows of a 223-window hall, in the full form (chime, the
sentence twice) and the short form (the terse "A001号，3号窗口" once, briskly, no chime); their
durations and the assembly times are measured. The queue discipline is then replayed on those
durations — a port of ``display_board/static/announcer.js``: one announcement at a time in call
order; at its turn an announcement is short when others wait behind it or two calls came within
30 s, full otherwise; the fetch of its WAV (the measured assembly time plus ``--fetch-ms`` for the
request) comes before it plays. Calls arrive as a Poisson stream:

- one zone board at 12 calls a minute (target: every call's announcement starts within 10 s);
- a hall calling 30 a minute, spread over its 5 zone boards by each zone's share of the windows
  (each board announces its own zone's calls only; target as above, on the busiest board);
- for comparison, one board speaking every call in full (the earlier behaviour) at 12 a minute.

This is a replay of the policy on measured clips, not a browser run: the board's own test
(tests/display_board/test_board_browser.py) checks in Chromium that the page follows the policy.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

from benchmarks.common import failures, heading, percentile, report
from display_board.announce import Call, announcement
from display_board.voice import Voice, VoiceOptions

TARGET_S = 10.0
BUSY_S = 30.0  # announcer.js BUSY_MS: two calls heard within it and the board speaks tersely
FULL = VoiceOptions(repeat=2, chime=True)
SHORT = VoiceOptions(repeat=1, chime=False, terse=True)
ZONE_SHARES = [45, 45, 44, 45, 44]  # windows per zone in the 223-window hall


def measure(voice: Voice, samples: int, rng: random.Random) -> tuple[list[float], list[float], list[float]]:
    """Durations of full and short announcements, and assembly seconds, for random calls."""
    full, short, assembly = [], [], []
    for _ in range(samples):
        call = Call(
            number=f"{rng.choice('ABCDEFGHJK')}{rng.randint(1, 400):03d}", window=str(rng.randint(1, 223))
        )
        for options, out, terse in ((FULL, full, False), (SHORT, short, True)):
            spoken = announcement(call, short=terse)
            started = time.perf_counter()
            voice.render(spoken, options)
            assembly.append(time.perf_counter() - started)
            out.append(voice.duration(spoken, options))
    return full, short, assembly


def replay(
    arrivals: list[float],
    full: Callable[[], float],
    short: Callable[[], float],
    fetch_s: float,
    shorten: bool,
) -> list[float]:
    """Lag of each call (arrival → its announcement starts) under the board's queue discipline."""
    lags = []
    free_at = 0.0
    for i, arrived in enumerate(arrivals):
        turn = max(arrived, free_at)
        waiting_behind = sum(1 for later in arrivals[i + 1 :] if later <= turn)
        busy = sum(1 for earlier in arrivals[: i + 1] if turn - BUSY_S < earlier <= turn) > 1
        clip = short() if shorten and (waiting_behind or busy) else full()
        starts = turn + fetch_s
        lags.append(starts - arrived)
        free_at = starts + clip
    return lags


def poisson(rate_per_min: float, minutes: float, rng: random.Random) -> list[float]:
    at, out = 0.0, []
    while True:
        at += rng.expovariate(rate_per_min / 60)
        if at > minutes * 60:
            return out
        out.append(at)


def lag_figures(name: str, lags: list[float], target: bool) -> None:
    worst = max(lags)
    report(f"{name}: calls", len(lags), "", None, None)
    report(f"{name}: lag p50", round(statistics.median(lags), 2), "s", None, None)
    report(f"{name}: lag p95", round(percentile(lags, 95), 2), "s", None, None)
    report(
        f"{name}: lag max",
        round(worst, 2),
        "s",
        f"< {TARGET_S:.0f}" if target else None,
        worst < TARGET_S if target else None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--samples", type=int, default=40, help="calls whose clips are measured")
    parser.add_argument("--fetch-ms", type=float, default=50, help="request overhead on top of assembly")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    voice = Voice()
    if not voice.available:
        print("espeak-ng is not installed: no clips to measure")
        return 1
    heading("voice at hall scale: call → announcement starts")
    full, short, assembly = measure(voice, args.samples, rng)
    report("full announcement (chime, twice)", round(statistics.median(full), 2), "s", None, None)
    report("short announcement (terse, once)", round(statistics.median(short), 2), "s", None, None)
    report("assembly from cached clips, p95", round(percentile(assembly, 95) * 1000, 1), "ms", None, None)
    fetch_s = percentile(assembly, 95) + args.fetch_ms / 1000
    pick_full = lambda: rng.choice(full)  # noqa: E731
    pick_short = lambda: rng.choice(short)  # noqa: E731

    lag_figures(
        "one zone board, 12/min",
        replay(poisson(12, args.minutes, rng), pick_full, pick_short, fetch_s, True),
        True,
    )
    worst_board: list[float] = []
    total = sum(ZONE_SHARES)
    for zone, share in enumerate(ZONE_SHARES):
        lags = replay(poisson(30 * share / total, args.minutes, rng), pick_full, pick_short, fetch_s, True)
        if not worst_board or max(lags) > max(worst_board):
            worst_board = lags
        report(
            f"  zone board {zone + 1} of 5 ({30 * share / total:.1f}/min): lag max",
            round(max(lags), 2),
            "s",
            None,
            None,
        )
    lag_figures("hall 30/min over 5 zone boards, busiest", worst_board, True)
    lag_figures(
        "one board, every call in full, 12/min (before)",
        replay(poisson(12, args.minutes, rng), pick_full, pick_short, fetch_s, False),
        False,
    )
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
