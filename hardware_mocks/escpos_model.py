"""What a receipt printer printed: lines of styled text, codes, images — the decoder's output model."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Style:
    """How a run of text is printed."""

    bold: bool = False
    underline: int = 0
    width: int = 1
    height: int = 1
    invert: bool = False
    font: int = 0


@dataclass(frozen=True)
class Segment:
    """A run of text in one style."""

    text: str
    style: Style = Style()
    chinese: bool = False


@dataclass(frozen=True)
class TextLine:
    """One printed line (empty when it is a blank feed)."""

    segments: tuple[Segment, ...] = ()
    align: str = "left"

    @property
    def text(self) -> str:
        """The line's characters."""
        return "".join(s.text for s in self.segments)

    @property
    def height(self) -> int:
        """The tallest magnification on the line."""
        return max((s.style.height for s in self.segments), default=1)


@dataclass(frozen=True)
class QrCode:
    """A native QR code (GS ( k) and its payload."""

    data: str
    size: int = 3
    ec: str = "L"
    align: str = "left"


@dataclass(frozen=True)
class Barcode:
    """A 1D barcode (GS k) or a PDF417 symbol."""

    kind: str
    data: str
    align: str = "left"


@dataclass(frozen=True)
class Raster:
    """A bit image: ``bits`` rows of ``width`` dots, MSB first, 1 = black."""

    width: int
    height: int
    bits: bytes
    align: str = "left"

    def dot(self, x: int, y: int) -> bool:
        """Whether dot (x, y) is black."""
        row = (self.width + 7) // 8
        return bool(self.bits[y * row + x // 8] & (0x80 >> (x % 8)))


Element = TextLine | QrCode | Barcode | Raster


@dataclass
class Receipt:
    """Everything printed between two cuts."""

    elements: list[Element] = field(default_factory=list)
    cut: str = ""
    unknown: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        """The text lines, as printed."""
        return [e.text for e in self.elements if isinstance(e, TextLine)]

    @property
    def text(self) -> str:
        """The text, one line per printed line, blank feeds dropped at the ends."""
        return "\n".join(self.lines).strip("\n")

    @property
    def qr_codes(self) -> list[str]:
        """Payloads of the QR codes, in order."""
        return [e.data for e in self.elements if isinstance(e, QrCode)]

    def line_with(self, needle: str) -> TextLine:
        """The first line containing ``needle`` (KeyError when none)."""
        for element in self.elements:
            if isinstance(element, TextLine) and needle in element.text:
                return element
        raise KeyError(needle)


@dataclass(frozen=True)
class StatusRequest:
    """DLE EOT n: the host asks for status byte ``n`` (1 printer, 2 offline cause, 3 error, 4 paper)."""

    n: int


@dataclass(frozen=True)
class ReceiptDone:
    """A cut: one receipt is complete."""

    receipt: Receipt


Event = StatusRequest | ReceiptDone
