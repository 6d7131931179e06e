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


def parse_pads(values: list[str]) -> list[tuple[int, str]]:
    """``ADDR=WINDOW`` options → (address, window) pairs; ValueError on a malformed one."""
    pads = []
    for value in values:
        address, sep, window = value.partition("=")
        if not sep or not address.strip().isdigit() or not window.strip():
            raise ValueError(f"--pad {value!r}: expected ADDR=WINDOW, e.g. 1=3")
        number = int(address)
        if not 1 <= number <= 247:
            raise ValueError(f"--pad {value!r}: the address must be 1..247")
        pads.append((number, window.strip()))
    return pads


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
