"""ESC/POS decoder: the bytes a receipt printer receives → a receipt model (pure, no I/O).

What arrives on the wire (one stream; a receipt ends at a cut)::

    text ............ printable bytes; code page ESC t n, or GB18030 (1/2/4 bytes a char) in
                      Chinese mode between FS & (1C 26) and FS . (1C 2E)
    LF 0A ........... print the line and feed          CR 0D ignored, HT 09 a tab
    ESC 1B c [args] . @ init | a n align | E n bold | ! n mode | - n underline | t n code page
                      d n feed lines | J n feed dots | * m nL nH … column image | 3 n spacing …
    GS  1D c [args] . ! n size | B n invert | V m [n] cut | k m … barcode | v 0 m xL xH yL yH …
                      raster | ( k pL pH cn fn … QR/PDF417 | ( L pL pH m fn … graphics
    FS  1C c [args] . & Chinese on | . off | ! n Chinese mode | C n code system
    DLE 10 EOT n .... real-time status request: the printer answers one byte at once

Control bytes (< 0x20) never occur inside a GB18030 character, so a text run always ends on a
character boundary and is decoded when the line (or a style) changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final

from hardware_mocks.escpos_images import barcode, column_image, raster_image
from hardware_mocks.escpos_model import (
    Barcode,
    Event,
    QrCode,
    Raster,
    Receipt,
    ReceiptDone,
    Segment,
    StatusRequest,
    Style,
    TextLine,
)

ESC: Final = 0x1B
GS: Final = 0x1D
FS: Final = 0x1C
DLE: Final = 0x10
LF: Final = 0x0A

CODE_PAGES: Final[dict[int, str]] = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
}
# ESC commands with a fixed number of argument bytes.
ESC_ARGS: Final[dict[int, int]] = {
    **dict.fromkeys(b"@2<iSLm", 0),
    **dict.fromkeys(b"aEG!-MtR3dJe{V rU=T", 1),
    **dict.fromkeys(b"$\\", 2),
    ord("p"): 3,
    ord("W"): 8,
}
GS_ARGS: Final[dict[int, int]] = {
    **dict.fromkeys(b"!BbHhwfarI|^", 1),
    **dict.fromkeys(b"LWP$\\", 2),
}
FS_ARGS: Final[dict[int, int]] = {
    **dict.fromkeys(b"&.", 0),
    **dict.fromkeys(b"!CW-", 1),
    **dict.fromkeys(b"Sp", 2),
}


@dataclass
class _Run:
    raw: bytearray
    style: Style
    chinese: bool
    codec: str


class Decoder:
    """A streaming ESC/POS decoder: ``feed`` bytes as they arrive, get events back."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._receipt = Receipt()
        self._reset()

    def _reset(self) -> None:
        self._style = Style()
        self._align = "left"
        self._chinese = False
        self._codec = "cp437"
        self._runs: list[_Run] = []
        self._qr: dict[str, object] = {"size": 3, "ec": "L", "data": b""}
        self._graphic: Raster | None = None
        self._column_image = False

    @property
    def pending(self) -> Receipt:
        """What has been printed since the last cut (lines not yet fed are left out)."""
        return self._receipt

    def feed(self, data: bytes) -> list[Event]:
        """Consume ``data``; a command split across calls waits for the rest."""
        self._buffer.extend(data)
        events: list[Event] = []
        pos = 0
        buffer = self._buffer
        while pos < len(buffer):
            used = self._step(buffer, pos, events)
            if used == 0:
                break
            pos += used
        del buffer[:pos]
        return events

    # ------------------------------------------------------------ dispatch

    def _step(self, buf: bytearray, pos: int, events: list[Event]) -> int:
        byte = buf[pos]
        if byte >= 0x20:
            end = pos
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            self._text(bytes(buf[pos:end]))
            return end - pos
        if byte == LF:
            self._line_feed()
            return 1
        if byte == 0x09:
            self._text(b"    ")
            return 1
        if byte in (0x0D, 0x00, 0x0C):
            return 1
        if byte == 0x18:  # CAN: drop the line buffer
            self._runs.clear()
            return 1
        if pos + 1 >= len(buf):
            return 0
        if byte == ESC:
            return self._esc(buf, pos)
        if byte == GS:
            return self._gs(buf, pos, events)
        if byte == FS:
            return self._fs(buf, pos)
        if byte == DLE:
            return self._dle(buf, pos, events)
        self._receipt.unknown.append(f"{byte:02x}")
        return 1

    # ------------------------------------------------------------ text

    def _text(self, raw: bytes) -> None:
        codec = "gb18030" if self._chinese else self._codec
        last = self._runs[-1] if self._runs else None
        if last and last.style == self._style and last.chinese == self._chinese and last.codec == codec:
            last.raw.extend(raw)
        else:
            self._runs.append(_Run(bytearray(raw), self._style, self._chinese, codec))

    def _line_feed(self) -> None:
        if not self._runs and self._column_image:
            self._column_image = False  # the LF that ends a row of a column-format image
            return
        segments = tuple(
            Segment(bytes(run.raw).decode(run.codec, errors="replace"), run.style, run.chinese)
            for run in self._runs
            if run.raw
        )
        self._receipt.elements.append(TextLine(segments, self._align))
        self._runs = []

    def _flush_partial_line(self) -> None:
        if self._runs:
            self._line_feed()

    def _set_style(self, **changes: object) -> None:
        self._style = replace(self._style, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------ ESC

    def _esc(self, buf: bytearray, pos: int) -> int:
        cmd = buf[pos + 1]
        if cmd == ord("*"):
            return self._esc_image(buf, pos)
        if cmd == ord("D"):  # tab stops, NUL-terminated
            end = buf.find(b"\x00", pos + 2)
            return 0 if end < 0 else end - pos + 1
        if cmd == ord("c"):
            return 4 if pos + 3 < len(buf) else 0
        count = ESC_ARGS.get(cmd)
        if count is None:
            self._receipt.unknown.append(f"ESC {cmd:02x}")
            return 2
        if pos + 2 + count > len(buf):
            return 0
        n = buf[pos + 2] if count else 0
        if cmd == ord("@"):
            self._flush_partial_line()
            self._reset()
        elif cmd == ord("a"):
            self._align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(
                n, "left"
            )
        elif cmd in (ord("E"), ord("G")):
            self._set_style(bold=bool(n & 1))
        elif cmd == ord("-"):
            self._set_style(underline=n % 48 if n >= 48 else n)
        elif cmd == ord("!"):
            self._set_style(
                font=n & 1,
                bold=bool(n & 0x08),
                height=2 if n & 0x10 else 1,
                width=2 if n & 0x20 else 1,
                underline=1 if n & 0x80 else 0,
            )
        elif cmd == ord("M"):
            self._set_style(font=n % 48 if n >= 48 else n)
        elif cmd == ord("t"):
            self._codec = CODE_PAGES.get(n, "cp437")
        elif cmd == ord("d"):
            self._flush_partial_line()
            for _ in range(n):
                self._line_feed()
        elif cmd == ord("J"):
            self._flush_partial_line()
        return 2 + count

    def _esc_image(self, buf: bytearray, pos: int) -> int:
        found = column_image(buf, pos)
        if found is None:
            return 0
        size, raster = found
        self._flush_partial_line()
        self._receipt.elements.append(replace(raster, align=self._align))
        self._column_image = True
        return size

    # ------------------------------------------------------------ GS

    def _gs(self, buf: bytearray, pos: int, events: list[Event]) -> int:
        cmd = buf[pos + 1]
        if cmd == ord("V"):
            return self._cut(buf, pos, events)
        if cmd == ord("k"):
            return self._barcode(buf, pos)
        if cmd == ord("v"):
            return self._raster(buf, pos)
        if cmd == ord("("):
            return self._gs_paren(buf, pos)
        count = GS_ARGS.get(cmd)
        if count is None:
            self._receipt.unknown.append(f"GS {cmd:02x}")
            return 2
        if pos + 2 + count > len(buf):
            return 0
        n = buf[pos + 2] if count else 0
        if cmd == ord("!"):
            self._set_style(width=(n >> 4) + 1, height=(n & 0x0F) + 1)
        elif cmd == ord("B"):
            self._set_style(invert=bool(n & 1))
        return 2 + count

    def _cut(self, buf: bytearray, pos: int, events: list[Event]) -> int:
        if pos + 2 >= len(buf):
            return 0
        mode = buf[pos + 2]
        size = 4 if mode >= 65 else 3
        if pos + size > len(buf):
            return 0
        self._flush_partial_line()
        self._receipt.cut = "partial" if mode in (1, 49, 66) else "full"
        events.append(ReceiptDone(self._receipt))
        self._receipt = Receipt()
        return size

    def _barcode(self, buf: bytearray, pos: int) -> int:
        return self._place(barcode(buf, pos))

    def _raster(self, buf: bytearray, pos: int) -> int:
        return self._place(raster_image(buf, pos))

    def _place(self, found: tuple[int, Any] | None) -> int:
        """Put a decoded barcode or image on the receipt at the current alignment; bytes used."""
        if found is None:
            return 0
        size, element = found
        self._flush_partial_line()
        self._receipt.elements.append(replace(element, align=self._align))
        return size

    def _gs_paren(self, buf: bytearray, pos: int) -> int:
        if pos + 5 > len(buf):
            return 0
        kind = buf[pos + 2]
        length = buf[pos + 3] | buf[pos + 4] << 8
        end = pos + 5 + length
        if end > len(buf):
            return 0
        body = bytes(buf[pos + 5 : end])
        if kind == ord("k") and len(body) >= 2:
            self._symbol(body)
        elif kind == ord("L") and len(body) >= 2:
            self._graphics(body)
        return end - pos

    def _symbol(self, body: bytes) -> None:
        cn, fn = body[0], body[1]
        if cn == 0x31:  # QR code
            if fn == 0x43 and len(body) > 2:
                self._qr["size"] = body[2]
            elif fn == 0x45 and len(body) > 2:
                self._qr["ec"] = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(body[2], "L")
            elif fn == 0x50:
                self._qr["data"] = body[3:]
            elif fn == 0x51:
                data = bytes(self._qr["data"])  # type: ignore[call-overload]
                self._flush_partial_line()
                self._receipt.elements.append(
                    QrCode(
                        data.decode("utf-8", errors="replace"),
                        int(self._qr["size"]),  # type: ignore[call-overload]
                        str(self._qr["ec"]),
                        self._align,
                    )
                )
        elif cn == 0x30 and fn == 0x50:  # PDF417 store
            self._flush_partial_line()
            self._receipt.elements.append(
                Barcode("PDF417", body[3:].decode("utf-8", errors="replace"), self._align)
            )

    def _graphics(self, body: bytes) -> None:
        fn = body[1]
        if fn == 0x70 and len(body) >= 10:  # store raster: m fn a bx by c xL xH yL yH d…
            width = body[6] | body[7] << 8
            height = body[8] | body[9] << 8
            self._graphic = Raster(width, height, body[10:], self._align)
        elif fn == 0x32 and self._graphic is not None:
            self._flush_partial_line()
            self._receipt.elements.append(replace(self._graphic, align=self._align))

    # ------------------------------------------------------------ FS, DLE

    def _fs(self, buf: bytearray, pos: int) -> int:
        cmd = buf[pos + 1]
        count = FS_ARGS.get(cmd)
        if count is None:
            self._receipt.unknown.append(f"FS {cmd:02x}")
            return 2
        if pos + 2 + count > len(buf):
            return 0
        if cmd == ord("&"):
            self._chinese = True
        elif cmd == ord("."):
            self._chinese = False
        elif cmd == ord("!"):
            n = buf[pos + 2]
            self._set_style(width=2 if n & 0x04 else 1, height=2 if n & 0x08 else 1)
        return 2 + count

    def _dle(self, buf: bytearray, pos: int, events: list[Event]) -> int:
        cmd = buf[pos + 1]
        if cmd == 0x04:  # EOT n
            if pos + 2 >= len(buf):
                return 0
            events.append(StatusRequest(buf[pos + 2]))
            return 3
        if cmd == 0x05:  # ENQ n
            return 3 if pos + 2 < len(buf) else 0
        if cmd == 0x14:  # DC4 fn m t
            return 5 if pos + 4 < len(buf) else 0
        self._receipt.unknown.append(f"DLE {cmd:02x}")
        return 2


def decode(data: bytes) -> list[Receipt]:
    """Every receipt in ``data`` (what follows the last cut is returned as an uncut receipt)."""
    decoder = Decoder()
    receipts = [e.receipt for e in decoder.feed(data) if isinstance(e, ReceiptDone)]
    if decoder.pending.elements:
        receipts.append(decoder.pending)
    return receipts


def status_requests(data: bytes) -> list[int]:
    """The DLE EOT status bytes requested in ``data``, in order."""
    return [e.n for e in Decoder().feed(data) if isinstance(e, StatusRequest)]
