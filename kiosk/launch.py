"""Start the kiosk: Kivy is configured (window, input, home folder) before it is first imported."""

from __future__ import annotations

import logging
import os
import sys

from kiosk.config import KioskSettings
from kiosk.memory import fixed_mmap_threshold

log = logging.getLogger(__name__)


def skip_unused_imports() -> None:
    """Keep libraries from importing parts the kiosk never runs.

    httpx imports its command-line tool whenever rich, click and pygments happen to be installed
    (~5 MB); marked missing, httpx falls back to its stub and the kiosk's client is unchanged.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def prepare_kivy(settings: KioskSettings) -> None:
    """Environment and configuration Kivy reads when it loads (and the kiosk process's imports)."""
    skip_unused_imports()
    fixed_mmap_threshold()
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_HOME", str((settings.state_dir / "kivy").resolve()))
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    # python-escpos parses its printer database (YAML) at import unless it finds its own pickle of it,
    # which it otherwise writes to a fresh temporary folder on every start: keep it with the kiosk.
    escpos_dir = (settings.state_dir / "escpos").resolve()
    escpos_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(escpos_dir))
    os.environ.setdefault("KIVY_CLIPBOARD", "dummy")  # no copy and paste on a kiosk (and no xclip probing)
    # Software GL (Mesa llvmpipe, no GPU): its rasteriser threads keep ~60 MB of scene buffers each;
    # a mostly still touch screen draws fast enough on the main thread. GPU drivers ignore this.
    os.environ.setdefault("LP_NUM_THREADS", "0")
    from kivy.config import Config

    Config.set("graphics", "fullscreen", "auto" if settings.fullscreen else "0")
    Config.set("graphics", "width", str(settings.width))
    Config.set("graphics", "height", str(settings.height))
    Config.set("graphics", "resizable", "0" if settings.fullscreen else "1")
    Config.set("graphics", "multisamples", "0")  # flat colours and text: no anti-aliasing buffers needed
    Config.set("kivy", "exit_on_escape", "0" if settings.fullscreen else "1")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("input", "mouse", "mouse,disable_multitouch")


def run(settings: KioskSettings) -> None:
    """Show the kiosk until it is closed."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    prepare_kivy(settings)
    from kiosk.app import KioskApp
    from kiosk.wiring import build_parts

    app_holder: list[KioskApp] = []
    parts = build_parts(settings, play=lambda path: app_holder[0].play(path))
    app = KioskApp(parts)
    app_holder.append(app)
    log.info(
        "kiosk %s → %s, printer %s, QR codes → %s, ID card reader %s",
        settings.device,
        settings.server,
        settings.printer,
        settings.status_base,
        settings.idcard,
    )
    app.run()
