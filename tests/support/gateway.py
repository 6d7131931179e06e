"""The gateway emulator (hardware_mocks/gateway.py) on a free loopback port for a test module."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from hardware_mocks.gateway import GatewayEmulator, MockGateway


@contextlib.contextmanager
def running_gateway(secret: str) -> Iterator[MockGateway]:
    """The emulator on a free port, checking HallQ's signature with ``secret``."""
    server = MockGateway("127.0.0.1", 0, GatewayEmulator(secret))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
