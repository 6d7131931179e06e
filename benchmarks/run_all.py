"""Every benchmark in turn (ticket issue + kill -9, then live events), with a summary of missed targets.

    .venv/bin/python -m benchmarks.run_all [--seconds 15] [--kill-cycles 3] [--subscribers 250] [--rounds 200]

Exit status 1 when any figure missed its target.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks import issue, kiosk, live, report
from benchmarks.common import RESULTS, failures, format_value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="wrk duration for ticket issue")
    parser.add_argument("--kill-cycles", type=int, default=3, help="SIGKILL/restart cycles")
    parser.add_argument("--subscribers", type=int, default=250, help="websocket subscribers")
    parser.add_argument("--rounds", type=int, default=200, help="call-next rounds")
    args = parser.parse_args(argv)
    started = time.monotonic()
    issue.main(["--seconds", f"{args.seconds:g}", "--kill-cycles", str(args.kill_cycles)])
    live.main(["--subscribers", str(args.subscribers), "--rounds", str(args.rounds)])
    kiosk.main(["--taps", "30", "--starts", "3"])
    report.main(["--runs", "3"])
    missed = failures()
    print(f"\n== summary ({time.monotonic() - started:.0f} s, {len(RESULTS)} figures) ==")
    if not missed:
        print("all targets met")
        return 0
    print(f"{len(missed)} figure(s) missed their target:")
    for figure in missed:
        unit = f" {figure.unit}" if figure.unit else ""
        print(f"  {figure.name}: {format_value(figure.value)}{unit} (target {figure.target})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
