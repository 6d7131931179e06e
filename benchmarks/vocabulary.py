"""What the vocabulary costs a process at start: importing the wire contract, reading and checking the
message catalogue (messages.toml) and the default rubric (rubric_default.toml), each in a fresh
interpreter (so nothing is cached but Python's own bytecode). CPU time of the process, not wall time,
so a busy machine slows the figures less.

The kiosk, the board, the bridge and the server all import the contract and the catalogue before
anything else: the target is that the catalogue's read and check add at most 50 ms to a start.

    .venv/bin/python -m benchmarks.vocabulary [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from benchmarks.common import ROOT, heading, report

TARGET_MS = 50.0
PROBE = """
import time
t0 = time.process_time()
import pydantic, tomllib
t1 = time.process_time()
import queue_server.contract
t2 = time.process_time()
import queue_server.messages
t3 = time.process_time()
from queue_server.domain.rubric import default_rubric
default_rubric()
t4 = time.process_time()
print((t2 - t1) * 1000, (t3 - t2) * 1000, (t4 - t3) * 1000)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    heading("vocabulary at process start (fresh interpreter per run, median)")
    command = [sys.executable, "-c", PROBE]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)  # bytecode written once
    runs = []
    for _ in range(args.runs):
        done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
        runs.append([float(x) for x in done.stdout.split()])
    contract, messages, rubric = (statistics.median(column) for column in zip(*runs, strict=True))
    report("contract import (pydantic loaded)", contract, "ms CPU", None, None)
    target = f"<= {TARGET_MS:.0f} ms"
    report("message catalogue read + check", messages, "ms CPU", target, messages <= TARGET_MS)
    report("default rubric read + check", rubric, "ms CPU", None, None)
    sys.exit(0 if messages <= TARGET_MS else 1)


if __name__ == "__main__":
    main()
