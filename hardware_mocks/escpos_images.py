"""ESC/POS commands that carry a payload of their own size: bit images and 1D barcodes (pure parsing).

Each parser takes the buffer and the position of the command's first byte and returns
``(bytes consumed, element)``, or None while the command is not complete yet::

    ESC * m nL nH d…            column image: n columns of 1 (m 0/1) or 3 (m 32/33) bytes, MSB at top
    GS v 0 m xL xH yL yH d…     raster image: x bytes a row, y rows, MSB first
    GS k m d… NUL               barcode, function A (m 0–6)
    GS k m n d…                 barcode, function B (m 65–73), n data bytes
"""

from __future__ import annotations

from typing import Final

from hardware_mocks.escpos_model import Barcode, Raster

BARCODE_KINDS: Final[dict[int, str]] = {
    0: "UPC-A",
    1: "UPC-E",
    2: "EAN13",
    3: "EAN8",
    4: "CODE39",
    5: "ITF",
    6: "CODABAR",
    72: "CODE93",
    73: "CODE128",
}


def column_image(buf: bytearray, pos: int) -> tuple[int, Raster] | None:
    """ESC * — one band of a column-format bit image, turned into rows."""
    if pos + 5 > len(buf):
        return None
    mode, width = buf[pos + 2], buf[pos + 3] | buf[pos + 4] << 8
    rows = 3 if mode in (32, 33) else 1
    end = pos + 5 + width * rows
    if end > len(buf):
        return None
    columns = buf[pos + 5 : end]
    height = rows * 8
    row_bytes = (width + 7) // 8
    bits = bytearray(row_bytes * height)
    for x in range(width):
        for r in range(rows):
            byte = columns[x * rows + r]
            for bit in range(8):
                if byte & (0x80 >> bit):
                    bits[(r * 8 + bit) * row_bytes + x // 8] |= 0x80 >> (x % 8)
    return end - pos, Raster(width, height, bytes(bits))


def raster_image(buf: bytearray, pos: int) -> tuple[int, Raster] | None:
    """GS v 0 — a raster bit image."""
    if pos + 8 > len(buf):
        return None
    width_bytes = buf[pos + 4] | buf[pos + 5] << 8
    height = buf[pos + 6] | buf[pos + 7] << 8
    end = pos + 8 + width_bytes * height
    if end > len(buf):
        return None
    return end - pos, Raster(width_bytes * 8, height, bytes(buf[pos + 8 : end]))


def barcode(buf: bytearray, pos: int) -> tuple[int, Barcode] | None:
    """GS k — a 1D barcode and its human-readable payload."""
    if pos + 2 >= len(buf):
        return None
    m = buf[pos + 2]
    if m <= 6:
        end = buf.find(b"\x00", pos + 3)
        if end < 0:
            return None
        data, size = bytes(buf[pos + 3 : end]), end - pos + 1
    else:
        if pos + 3 >= len(buf):
            return None
        n = buf[pos + 3]
        if pos + 4 + n > len(buf):
            return None
        data, size = bytes(buf[pos + 4 : pos + 4 + n]), 4 + n
        m = m - 65 if m < 72 else m
    text = data.decode("ascii", errors="replace")
    kind = BARCODE_KINDS.get(m, f"barcode-{m}")
    if kind == "CODE128" and text[:1] == "{" and len(text) > 1:
        text = text[2:].replace("{{", "{")  # drop the code-set selector ({A {B {C)
    return size, Barcode(kind, text)
