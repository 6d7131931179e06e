"""Does the board's voice keep up at hall scale? Lag from a call to the start of its announcement.

    .venv/bin/python -m benchmarks.voice_lag [--minutes 60] [--seed 1]

The clips are the real ones: every call of the replay gets a ticket number and window of a
223-window hall, and each announcement the board would make is assembled by
``display_board.voice`` (espeak-ng clips, cached) and timed from its PCM: the full form's head
(chime, one pass) and tail (the second pass), the terse form ("A001号，3号窗口", once, briskly, no
chime) and terse batches of up to four calls, where each call's own words start at its offset in
the batch. The fetch of a WAV (the measured assembly p95 plus ``--fetch-ms`` for the request)
comes before it plays. The queue's rules are ``display_board.voice_queue`` itself, the module
whose cases the board's page is tested against (static/voice_queue.js). Calls arrive as a Poisson
stream:

- one zone board at 12 calls a minute (target: p95 of call → its announcement starts under 10 s;
  call → its own words start, later inside a batch, is reported beside it);
- a hall calling 30 a minute, spread over its 5 zone boards by each zone's share of the windows
  (each board announces its own zone's calls only; target as above, on the busiest board);
- for comparison, the earlier rules on the same clips: one call per announcement in the terse
  form when busy, no batches, the full form whole (chime, twice) when quiet; and every call in full.

This is a replay of the rules on measured clips, not a browser run: the board's own tests
(tests/display_board/test_board_browser.py) check in Chromium that the page follows the rules.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass

from benchmarks.common import failures, heading, percentile, report
from display_board.announce import Call, announcement
from display_board.voice import Voice, VoiceOptions
from display_board.voice_queue import BUSY_S, Pending, next_turn, tail_wanted

TARGET_S = 10.0
FULL = VoiceOptions(repeat=2, chime=True)
HEAD = VoiceOptions(repeat=1, chime=True)
TAIL = VoiceOptions(repeat=1, chime=False)
SHORT = VoiceOptions(repeat=1, chime=False, terse=True)
ZONE_SHARES = [45, 45, 44, 45, 44]  # windows per zone in the 223-window hall


@dataclass
class Speech:
    """Durations of announcements for the replay's calls, measured on the real clips."""

    voice: Voice
    calls: dict[str, Call]
    assembly: list[float]

    def _timed(self, numbers: list[str], options: VoiceOptions, terse: bool) -> tuple[float, list[float]]:
        spoken = tuple(announcement(self.calls[n], short=terse) for n in numbers)
        started = time.perf_counter()
        data = self.voice.render_many(spoken, options)
        self.assembly.append(time.perf_counter() - started)
        return (len(data) - 44) / 2 / 22_050, self.voice.call_starts(spoken, options)

    def full(self, number: str) -> float:
        return self._timed([number], FULL, False)[0]

    def head(self, number: str) -> float:
        return self._timed([number], HEAD, False)[0]

    def tail(self, number: str) -> float:
        return self._timed([number], TAIL, False)[0]

    def short(self, numbers: list[str]) -> tuple[float, list[float]]:
        return self._timed(numbers, SHORT, True)


def random_call(rng: random.Random) -> Call:
    return Call(
        number=f"{rng.choice('ABCDEFGHJK')}{rng.randint(1, 400):03d}", window=str(rng.randint(1, 223))
    )


def replay(
    arrivals: list[tuple[float, str]], speech: Speech, fetch_s: float
) -> tuple[list[float], list[float]]:
    """Lag of each call under display_board.voice_queue's rules: arrival → its announcement starts,
    and arrival → its own words start (later, for the second to fourth call of a batch)."""
    words: list[float] = []
    lags: list[float] = []
    queue: list[Pending] = []
    heard: list[float] = []
    i, now = 0, 0.0

    def hear_until(t: float) -> None:
        nonlocal i, queue
        while i < len(arrivals) and arrivals[i][0] <= t:
            at, number = arrivals[i]
            queue.append(Pending(number, speech.calls[number].window, queued_at=at))
            heard.append(at)
            i += 1

    while i < len(arrivals) or queue:
        if not queue:
            now = max(now, arrivals[i][0])
        hear_until(now)
        turn = next_turn(queue, heard[-20:], now)
        assert turn is not None
        queue = queue[len(turn.calls) :]
        starts = now + fetch_s
        numbers = [p.number for p in turn.calls]
        if turn.form == "full":
            lags.append(starts - turn.calls[0].queued_at)
            words.append(lags[-1])
            now = starts + speech.head(numbers[0])
            hear_until(now)
            if tail_wanted(queue, 2, False):  # the tail gives way to the next call at once
                tail_ends = now + fetch_s + speech.tail(numbers[0])
                now = min(tail_ends, arrivals[i][0]) if i < len(arrivals) else tail_ends
        else:
            length, offsets = speech.short(numbers)
            lags += [starts - p.queued_at for p in turn.calls]
            words += [starts + offset - p.queued_at for p, offset in zip(turn.calls, offsets, strict=True)]
            now = starts + length
    return lags, words


def replay_before(
    arrivals: list[tuple[float, str]], speech: Speech, fetch_s: float, shorten: bool
) -> list[float]:
    """The earlier rules: one call per announcement, terse when others wait or the board is busy,
    else the full form whole (chime, twice); ``shorten=False``: every call in full."""
    lags = []
    free_at = 0.0
    times = [at for at, _ in arrivals]
    for k, (arrived, number) in enumerate(arrivals):
        turn = max(arrived, free_at)
        waiting_behind = any(later <= turn for later in times[k + 1 :])
        busy = sum(1 for earlier in times[: k + 1] if turn - BUSY_S < earlier <= turn) > 1
        clip = speech.short([number])[0] if shorten and (waiting_behind or busy) else speech.full(number)
        starts = turn + fetch_s
        lags.append(starts - arrived)
        free_at = starts + clip
    return lags


def poisson(rate_per_min: float, minutes: float, rng: random.Random) -> list[float]:
    at, out = 0.0, list[float]()
    while True:
        at += rng.expovariate(rate_per_min / 60)
        if at > minutes * 60:
            return out
        out.append(at)


def lag_figures(name: str, lags: list[float], target: bool) -> None:
    p95 = percentile(lags, 95)
    report(f"{name}: calls", len(lags), "", None, None)
    report(f"{name}: lag p50", round(statistics.median(lags), 2), "s", None, None)
    report(
        f"{name}: lag p95",
        round(p95, 2),
        "s",
        f"< {TARGET_S:.0f}" if target else None,
        p95 < TARGET_S if target else None,
    )
    report(f"{name}: lag max", round(max(lags), 2), "s", None, None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--fetch-ms", type=float, default=50, help="request overhead on top of assembly")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    voice = Voice()
    if not voice.available:
        print("espeak-ng is not installed: no clips to measure")
        return 1
    heading("voice at hall scale: call → its announcement starts")
    calls: dict[str, Call] = {}

    def stream(rate_per_min: float) -> list[tuple[float, str]]:
        out: list[tuple[float, str]] = []
        for at in poisson(rate_per_min, args.minutes, rng):
            call = random_call(rng)
            number = f"{call.number}-{len(calls)}"  # distinct per call: the queue keys on the number
            calls[number] = call
            out.append((at, number))
        return out

    speech = Speech(voice, calls, [])
    one_board = stream(12)
    zones = [stream(30 * share / sum(ZONE_SHARES)) for share in ZONE_SHARES]
    for number in list(calls)[:40]:  # clips made, and the assembly timed on warm caches
        speech.full(number), speech.short([number])
    speech.assembly.clear()
    sample = list(calls)[:40]
    report(
        "full announcement (chime, twice)",
        round(statistics.median(speech.full(n) for n in sample), 2),
        "s",
        None,
        None,
    )
    report(
        "  its head (chime, once)",
        round(statistics.median(speech.head(n) for n in sample), 2),
        "s",
        None,
        None,
    )
    report(
        "short announcement (terse, once)",
        round(statistics.median(speech.short([n])[0] for n in sample), 2),
        "s",
        None,
        None,
    )
    report(
        "  a batch of 4, per call",
        round(statistics.median(speech.short(sample[k : k + 4])[0] / 4 for k in range(0, 40, 4)), 2),
        "s",
        None,
        None,
    )
    report(
        "assembly from cached clips, p95", round(percentile(speech.assembly, 95) * 1000, 1), "ms", None, None
    )
    fetch_s = percentile(speech.assembly, 95) + args.fetch_ms / 1000

    lags, words = replay(one_board, speech, fetch_s)
    lag_figures("one zone board, 12/min", lags, True)
    lag_figures("one zone board, 12/min, to its own words", words, False)
    worst_board: tuple[list[float], list[float]] = ([], [])
    for zone, (share, arrivals) in enumerate(zip(ZONE_SHARES, zones, strict=True)):
        lags, words = replay(arrivals, speech, fetch_s)
        if not worst_board[0] or percentile(lags, 95) > percentile(worst_board[0], 95):
            worst_board = (lags, words)
        rate = 30 * share / sum(ZONE_SHARES)
        report(
            f"  zone board {zone + 1} of 5 ({rate:.1f}/min): lag p95",
            round(percentile(lags, 95), 2),
            "s",
            None,
            None,
        )
    lag_figures("hall 30/min over 5 zone boards, busiest", worst_board[0], True)
    lag_figures("hall 30/min over 5 zone boards, busiest, to its own words", worst_board[1], False)
    lag_figures(
        "one board 12/min, earlier rules (no batch, full form whole)",
        replay_before(one_board, speech, fetch_s, True),
        False,
    )
    lag_figures(
        "one board 12/min, every call in full", replay_before(one_board, speech, fetch_s, False), False
    )
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
