"""Evaluator pads for ``hallq demo`` and the ``mock-pad``/``evaluator`` commands' option parsing."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


LINES = ("rs232", "rs485")


def parse_pad_lines(values: list[str], line: str) -> list[tuple[int, str, str]]:
    """``ADDR=WINDOW[:LINE]`` options → (address, window, line); ``line`` where a pad names none.

    Two pads on one address would both answer every poll, and two on one window would ask one
    question twice while another window has no pad: both are refused, as is an unknown line.
    """
    pads: list[tuple[int, str, str]] = []
    for value in values:
        address, sep, rest = value.partition("=")
        window, colon, own_line = rest.partition(":")
        if not sep or not address.strip().isdigit() or not window.strip():
            raise ValueError(f"--pad {value!r}: expected ADDR=WINDOW, e.g. 1=3 (or 1=3:rs485)")
        number = int(address)
        if not 1 <= number <= 247:
            raise ValueError(f"--pad {value!r}: the address must be 1..247")
        chosen = own_line.strip().lower() if colon else line
        if chosen not in LINES:
            raise ValueError(f"--pad {value!r}: the line is rs232 or rs485")
        if any(number == a for a, _, _ in pads):
            raise ValueError(f"--pad {value!r}: address {number} is given twice")
        if any(window.strip() == w for _, w, _ in pads):
            raise ValueError(f"--pad {value!r}: window {window.strip()} has two pads")
        pads.append((number, window.strip(), chosen))
    if not pads:
        raise ValueError("give at least one --pad ADDR=WINDOW")
    if len(pads) > 1 and any(chosen == "rs232" for _, _, chosen in pads) and line == "rs232":
        raise ValueError("several pads on one port form an RS-485 bus: add --line rs485")
    return pads


def check_baud(baud: int) -> None:
    """The line speeds PROTOCOL.md allows; ValueError for any other."""
    from evaluator_device.protocol import BAUD_RATES

    if baud not in BAUD_RATES:
        raise ValueError(f"--baud {baud}: use one of {', '.join(str(b) for b in BAUD_RATES)}")


def check_port(path: str) -> None:
    """The serial port must open now; ValueError with the reason (missing, no permission, busy)."""
    import serial

    try:
        serial.Serial(path, 9600, timeout=0).close()
    except (serial.SerialException, OSError) as error:
        raise ValueError(f"cannot open serial port {path}: {error}") from error


def parse_tokens(values: list[str], env: str = "") -> dict[str, str]:
    """``WINDOW=TOKEN`` options and a ``1=tok,2=tok`` environment value → tokens by window."""
    tokens: dict[str, str] = {}
    for value in [*(v for v in env.split(",") if v.strip()), *values]:
        window, sep, token = value.partition("=")
        if not sep or not token.strip():
            raise ValueError("evaluator tokens are given as WINDOW=TOKEN")
        tokens[window.strip()] = token.strip()
    return tokens


@dataclass
class DemoPads:
    """One emulated pad on a pty and one bridge per window, as child processes of ``hallq demo``."""

    server: str
    tokens: dict[str, str]  # window → evaluator token
    folder: Path = Path("var/pads")
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> list[str]:
        """Start the pads (they answer every question after a second) and their bridges."""
        command = [sys.executable, "-m", "hallq"]
        self.folder.mkdir(parents=True, exist_ok=True)
        said = []
        for window, token in self.tokens.items():
            link = self.folder / f"pad-{window}"
            link.unlink(missing_ok=True)
            self.children.append(
                subprocess.Popen([*command, "mock-pad", "--link", str(link), "--auto", "2,1,2,3,1,4"])
            )
            deadline = time.monotonic() + 10
            while not link.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            env = dict(os.environ, HALLQ_EVALUATOR_TOKENS=f"{window}={token}")  # not on the command line
            outbox = self.folder / f"outbox-{window}.db"
            self.children.append(
                subprocess.Popen(
                    [
                        *command,
                        "evaluator",
                        "--serial",
                        str(link),
                        "--pad",
                        f"1={window}",
                        "--server",
                        self.server,
                        "--outbox",
                        str(outbox),
                    ],
                    env=env,
                )
            )
            said.append(
                f"Evaluator pad:   window {window} on {link} (emulated, rates by itself), outbox {outbox}"
            )
        return said

    def stop(self) -> None:
        """Stop the children this object started."""
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
        self.children.clear()
