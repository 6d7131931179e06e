"""The benchmark's emulated pads in a process of their own, driven from the benchmark's workers.

The pads pace their bytes at the baud rate and answer polls within a frame time; sharing the
benchmark's process (its 32 worker threads, the bridge, httpx) they waited for the GIL, and the
figures measured the benchmark's own CPU starvation more than the bus. Here a
``multiprocessing`` manager process holds the pads (``hardware_mocks.evaluator_pad``) on their
pty; the workers call ``wait_asked`` and ``press`` through a proxy (one connection per thread).
``press`` returns the key press's ``time.monotonic()``, the same clock in every process on Linux,
so press → stored is still measured from the moment the pad recorded the key.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.managers import BaseManager
from typing import Any

from hardware_mocks.evaluator_pad import EmulatedPad, Faults, PadBus


class PadRack:
    """``count`` emulated pads on one pty: an RS-485 bus when several, else one pad."""

    def __init__(
        self,
        count: int,
        line: str,
        corrupt: float,
        drop: float,
        delay_ms: float,
        seed: int | None,
        version: int = 1,
    ) -> None:
        self.pads = [
            EmulatedPad(
                address=n + 1,
                baud=9600,
                line=line,
                faults=Faults(corrupt, drop, delay_ms, seed=None if seed is None else seed + n),
                version=version,
            )
            for n in range(count)
        ]
        self.bus = PadBus(self.pads) if count > 1 else None
        self._port = self.bus.open_pty() if self.bus else self.pads[0].open_pty()
        if self.bus:
            self.bus.start()
        else:
            self.pads[0].start()

    def port(self) -> str:
        """The host side of the line (for the bridge)."""
        return self._port

    def wait_asked(self, index: int, timeout: float) -> int | None:
        """The evaluation the pad is asked about, or None when no question came in ``timeout`` s."""
        asked = self.pads[index].wait_asked(timeout=timeout)
        return None if asked is None else asked.evaluation_id

    def press(self, index: int, level: int, reasons: tuple[int, ...]) -> float:
        """Press a level key; the monotonic time the pad recorded the press."""
        pad = self.pads[index]
        with pad.lock:
            pad.press(level, reasons)
            return pad.pending[-1].pressed

    def faults_seen(self) -> tuple[int, int]:
        """Bytes corrupted and frames dropped by the pads' fault injection."""
        return (
            sum(pad.stats.bytes_corrupted for pad in self.pads),
            sum(pad.stats.frames_dropped for pad in self.pads),
        )

    def stop(self) -> None:
        """Stop the pads and close the line."""
        if self.bus:
            self.bus.stop()
        else:
            self.pads[0].stop()


class RackManager(BaseManager):
    """The pads' process."""


RackManager.register("PadRack", PadRack)


def start_rack(count: int, line: str, faults: Faults, version: int = 1) -> tuple[RackManager, Any]:
    """A new pads' process (spawned: no threads of the benchmark carried over) and its rack proxy;
    the pads speak protocol ``version`` (1, or 2: PROTOCOL.md section 11)."""
    manager = RackManager(ctx=multiprocessing.get_context("spawn"))
    manager.start()
    rack = manager.PadRack(  # type: ignore[attr-defined]
        count, line, faults.corrupt, faults.drop, faults.delay_ms, faults.seed, version
    )
    return manager, rack
