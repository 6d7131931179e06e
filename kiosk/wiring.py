"""The kiosk's composition root: its settings turned into a client, a printer, a desk, a voice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.client import HallClient
from kiosk.config import KioskSettings
from kiosk.desk import Desk, PaperSettings
from kiosk.hall import HallView
from kiosk.idcard_reader import CardReader
from kiosk.pinyin import PinyinCache
from kiosk.printer import PrinterSpec, TicketPrinter
from kiosk.voice import Voice


@dataclass
class KioskParts:
    """Everything the screens talk to."""

    settings: KioskSettings
    client: HallClient
    desk: Desk
    hall: HallView
    pinyin: PinyinCache
    voice: Voice
    card_reader: CardReader | None = None

    def close(self) -> None:
        """Stop background work and close connections."""
        self.voice.stop()
        self.client.close()


def build_parts(settings: KioskSettings, play: Callable[[Path], None]) -> KioskParts:
    """Wire the kiosk from its settings; ``play`` plays a WAV file (the app's sound output)."""
    client = HallClient(
        settings.server,
        settings.token,
        timeout=settings.request_timeout,
        retry_seconds=settings.retry_seconds,
    )
    spec = PrinterSpec.parse(settings.printer)
    printer = (
        None
        if spec.kind == "none"
        else TicketPrinter(
            spec,
            paper_mm=settings.paper_mm,
            chinese=settings.chinese,
            qr=settings.qr,
            timeout=settings.printer_timeout,
            font=settings.printer_font,
        )
    )
    paper = PaperSettings(
        status_base=settings.status_base, paper_mm=settings.paper_mm, materials=settings.materials_on_paper
    )
    desk = Desk(client, printer, device=settings.device, paper=paper)
    pinyin = PinyinCache(settings.state_dir / "pinyin.json")
    voice = Voice(settings.state_dir / "voice", pinyin, play, enabled=settings.voice)
    reader = None if settings.idcard in ("", "none") else CardReader(settings.idcard)
    return KioskParts(settings, client, desk, HallView(), pinyin, voice, reader)
