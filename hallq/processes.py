"""The demo's device processes: the printer emulator and a kiosk window beside the server."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


def has_display() -> bool:
    """Whether a window can be shown here (an X or Wayland display, or SDL told where to draw)."""
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"))


@dataclass
class DemoDevices:
    """``hallq mock-printer`` and ``hallq kiosk`` as child processes of ``hallq demo``."""

    server: str
    kiosk_token: str
    printer_port: int = 9100
    receipts: Path = Path("var/receipts")
    state_dir: Path = Path("var/kiosk")
    kiosk: bool = True
    gateway_port: int = 9180
    gateway_secret: str = ""
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> list[str]:
        """Start what this machine can run; return lines saying what was started (or why not)."""
        command = [sys.executable, "-m", "hallq"]
        self.children.append(
            subprocess.Popen(
                [*command, "mock-printer", "--port", str(self.printer_port), "--out", str(self.receipts)]
            )
        )
        said = [f"Mock printer:    127.0.0.1:{self.printer_port}, receipts (text + PNG) in {self.receipts}/"]
        gateway_env = dict(os.environ, HALLQ_GATEWAY_SECRET=self.gateway_secret)
        self.children.append(
            subprocess.Popen(
                [*command, "mock-gateway", "--port", str(self.gateway_port), "--record", "var/gateway.jsonl"],
                env=gateway_env,
            )
        )
        said.append(
            f"Mock gateway:    http://127.0.0.1:{self.gateway_port} (SMS and 好差评), var/gateway.jsonl"
        )
        if not self.kiosk:
            return said
        if not has_display():
            said.append(
                "Kiosk window:    no display here (no DISPLAY/WAYLAND_DISPLAY): not started; "
                "run `hallq kiosk` on a machine with a screen"
            )
            return said
        env = dict(os.environ, HALLQ_KIOSK_TOKEN=self.kiosk_token)  # not on the command line (ps shows it)
        self.children.append(
            subprocess.Popen(
                [
                    *command,
                    "kiosk",
                    "--server",
                    self.server,
                    "--printer",
                    f"network://127.0.0.1:{self.printer_port}",
                    "--windowed",
                    "--state-dir",
                    str(self.state_dir),
                ],
                env=env,
            )
        )
        said.append(f"Kiosk window:    started (pid {self.children[-1].pid}), printing to the mock printer")
        return said

    def stop(self) -> None:
        """Stop the children."""
        for child in reversed(self.children):
            if child.poll() is None:
                child.terminate()
        for child in self.children:
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
        self.children.clear()
