"""Draw a decoded receipt as the paper would look: a PNG at the printer's dot resolution."""

from __future__ import annotations

import functools
import logging
import unicodedata
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from hardware_mocks.escpos_model import Barcode, QrCode, Raster, Receipt, Style, TextLine

log = logging.getLogger(__name__)

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DOTS_PER_MM = 8  # 203 dpi, as nearly every thermal receipt printer
PAPER_DOTS = {58: 384, 80: 576}
LINE_DOTS = 24  # font A is 12 × 24 dots
CELL_DOTS = 12
MARGIN = 8


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if CJK_FONT.exists():
        return ImageFont.truetype(str(CJK_FONT), size)
    log.warning("CJK font %s missing: Chinese will not render", CJK_FONT)
    return ImageFont.load_default()


def _place(width: int, paper: int, align: str) -> int:
    if align == "center":
        return max(0, (paper - width) // 2)
    if align == "right":
        return max(0, paper - width)
    return 0


def _cells(ch: str, chinese: bool) -> int:
    """Grid cells a character takes: in Chinese mode every double-byte (GB18030) character is a
    24 × 24 glyph, punctuation such as … — “ ” included; elsewhere only wide characters take two."""
    if chinese and not ch.isascii():
        return 2
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _segment(text: str, style: Style, chinese: bool = False) -> Image.Image:
    """A run of text on the printer's grid: 12 × 24 dots a character, 24 × 24 for Chinese, magnified."""
    font = _font(LINE_DOTS * style.height - 2 * style.height)
    cells = [(ch, CELL_DOTS * style.height * _cells(ch, chinese)) for ch in text]
    part = Image.new("L", (max(1, sum(w for _, w in cells)), LINE_DOTS * style.height), 255)
    draw = ImageDraw.Draw(part)
    x = 0
    for ch, width in cells:
        left = x + (width - font.getlength(ch)) / 2
        draw.text((left, 0), ch, font=font, fill=0, stroke_width=1 if style.bold else 0, stroke_fill=0)
        x += width
    if style.width != style.height:
        part = part.resize((max(1, part.width * style.width // style.height), part.height))
    if style.underline:
        ImageDraw.Draw(part).line((0, part.height - 2, part.width, part.height - 2), fill=0)
    if style.invert:
        part = part.point(lambda v: 255 - v)
    return part


def _text_line(line: TextLine, paper: int) -> Image.Image:
    parts = [_segment(segment.text, segment.style, segment.chinese) for segment in line.segments]
    height = LINE_DOTS * line.height + 6
    width = sum(p.width for p in parts)
    image = Image.new("L", (paper, height), 255)
    x = _place(width, paper, line.align)
    for part in parts:
        image.paste(part, (x, height - part.height - 3))
        x += part.width
    return image


def _qr(code: QrCode, paper: int) -> Image.Image:
    maker = qrcode.QRCode(
        border=2,
        box_size=max(1, code.size),
        error_correction={
            "L": qrcode.constants.ERROR_CORRECT_L,
            "M": qrcode.constants.ERROR_CORRECT_M,
            "Q": qrcode.constants.ERROR_CORRECT_Q,
            "H": qrcode.constants.ERROR_CORRECT_H,
        }[code.ec],
    )
    maker.add_data(code.data.encode("utf-8"))
    symbol = maker.make_image().get_image().convert("L")
    image = Image.new("L", (paper, symbol.height), 255)
    image.paste(symbol, (_place(symbol.width, paper, code.align), 0))
    return image


def _raster(raster: Raster, paper: int) -> Image.Image:
    bitmap = Image.frombytes("1", (raster.width, raster.height), raster.bits, "raw", "1;I").convert("L")
    image = Image.new("L", (paper, raster.height), 255)
    image.paste(bitmap, (_place(raster.width, paper, raster.align), 0))
    return image


def _barcode(code: Barcode, paper: int) -> Image.Image:
    """Bars as a plain pattern of the payload's bits, and the human-readable line beneath."""
    bars = "".join(f"{b:08b}" for b in code.data.encode("ascii", errors="replace"))
    module = 2
    width = min(paper, len(bars) * module + 20)
    image = Image.new("L", (paper, 90), 255)
    draw = ImageDraw.Draw(image)
    left = _place(width, paper, code.align) + 10
    for i, bit in enumerate(bars[: (paper - 20) // module]):
        if bit == "1":
            draw.rectangle((left + i * module, 0, left + i * module + module - 1, 60), fill=0)
    draw.text((left, 64), f"{code.kind} {code.data}", font=_font(20), fill=0)
    return image


def render(receipt: Receipt, paper_mm: int = 80) -> Image.Image:
    """The receipt as a greyscale image ``paper_mm`` wide at 8 dots/mm."""
    paper = PAPER_DOTS.get(paper_mm, paper_mm * DOTS_PER_MM)
    blocks: list[Image.Image] = []
    for element in receipt.elements:
        if isinstance(element, TextLine):
            blocks.append(_text_line(element, paper))
        elif isinstance(element, QrCode):
            blocks.append(_qr(element, paper))
        elif isinstance(element, Raster):
            blocks.append(_raster(element, paper))
        else:
            blocks.append(_barcode(element, paper))
    height = sum(b.height for b in blocks) + 2 * MARGIN
    page = Image.new("L", (paper + 2 * MARGIN, max(height, 2 * MARGIN + 1)), 255)
    y = MARGIN
    for block in blocks:
        page.paste(block, (MARGIN, y))
        y += block.height
    if receipt.cut:
        draw = ImageDraw.Draw(page)
        for x in range(0, page.width, 12):
            draw.line((x, page.height - 1, x + 6, page.height - 1), fill=0)
    return page


def save(receipt: Receipt, stem: Path, paper_mm: int = 80) -> tuple[Path, Path]:
    """Write ``stem``.txt (the text and QR payloads) and ``stem``.png; return both paths."""
    text_path, png_path = stem.with_suffix(".txt"), stem.with_suffix(".png")
    lines = [receipt.text, *(f"[QR] {data}" for data in receipt.qr_codes)]
    text_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    render(receipt, paper_mm).save(png_path)
    return text_path, png_path
