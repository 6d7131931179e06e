"""The ESC/POS decoder reads back what python-escpos writes: text and its style, Chinese, codes, cuts."""

from __future__ import annotations

from escpos.printer import Dummy
from PIL import Image

from hardware_mocks.escpos_decoder import Decoder, decode, status_requests
from hardware_mocks.escpos_model import Barcode, QrCode, Raster, ReceiptDone

CHINESE_ON, CHINESE_OFF = b"\x1c&", b"\x1c."


def printer() -> Dummy:
    device = Dummy()
    device.profile.profile_data["media"]["width"]["pixels"] = 576
    return device


def chinese(device: Dummy, text: str) -> None:
    device._raw(CHINESE_ON + text.encode("gb18030") + CHINESE_OFF + b"\n")


def test_text_keeps_its_alignment_size_and_boldness() -> None:
    device = printer()
    device.hw("INIT")
    device.set(align="center", bold=True, custom_size=True, width=3, height=2)
    device.textln("A001")
    device.set(align="right", bold=False, custom_size=True, width=1, height=1)
    device.textln("right")
    device.cut()
    (receipt,) = decode(device.output)
    number, right = receipt.elements[0], receipt.elements[1]
    assert number.text == "A001" and number.align == "center"
    assert number.segments[0].style.bold and number.segments[0].style.width == 3
    assert number.segments[0].style.height == 2
    assert right.text == "right" and right.align == "right" and not right.segments[0].style.bold
    assert receipt.cut == "full"


def test_chinese_mode_decodes_gb18030_including_full_width_marks_and_four_byte_characters() -> None:
    device = printer()
    line = "《居民身份证》（原件），请扫码。𠀀"  # full-width marks and a 4-byte GB18030 character
    chinese(device, line)
    device.textln("ASCII after")
    (receipt,) = decode(device.output)
    assert receipt.lines == [line, "ASCII after"]
    assert receipt.elements[0].segments[0].chinese


def test_the_printers_own_encoder_switches_code_pages_for_latin_text() -> None:
    device = printer()
    device.textln("Café Straße")
    assert decode(device.output)[0].lines == ["Café Straße"]


def test_native_qr_codes_and_barcodes_come_back_with_their_payloads() -> None:
    device = printer()
    device.set(align="center")
    device.qr("http://hall/t/Abc-123?p=2 中文", native=True, size=6)
    device.barcode("{BA001", "CODE128", function_type="B")
    device.barcode("4006381333931", "EAN13", function_type="A")
    device.cut(mode="PART")
    (receipt,) = decode(device.output)
    qr = receipt.elements[0]
    assert qr == QrCode("http://hall/t/Abc-123?p=2 中文", size=6, ec="L", align="center")
    assert receipt.qr_codes == ["http://hall/t/Abc-123?p=2 中文"]
    codes = [e for e in receipt.elements if isinstance(e, Barcode)]
    assert [(c.kind, c.data) for c in codes] == [("CODE128", "A001"), ("EAN13", "4006381333931")]
    assert receipt.cut == "partial"


def test_images_in_raster_column_and_graphics_formats_keep_their_dots() -> None:
    image = Image.new("1", (16, 8), 1)
    image.putpixel((0, 0), 0)
    image.putpixel((15, 7), 0)
    for impl in ("bitImageRaster", "bitImageColumn", "graphics"):
        device = printer()
        device.image(image, impl=impl)
        rasters = [e for e in decode(device.output)[0].elements if isinstance(e, Raster)]
        assert rasters, impl
        first = rasters[0]
        assert first.dot(0, 0) and not first.dot(1, 0), impl
        assert first.width >= 16 and first.dot(15, 7), impl


def test_a_stream_cut_anywhere_decodes_the_same() -> None:
    device = printer()
    chinese(device, "明川市政务服务中心")
    device.set(align="center", custom_size=True, width=4, height=4)
    device.textln("B012")
    device.qr("http://x/t/tok", native=True)
    device.cut()
    data = device.output
    whole = decode(data)[0]
    for split in range(1, len(data)):
        decoder = Decoder()
        events = decoder.feed(data[:split]) + decoder.feed(data[split:])
        receipts = [e.receipt for e in events if isinstance(e, ReceiptDone)]
        assert receipts == [whole], split


def test_status_requests_are_reported_for_the_printer_to_answer() -> None:
    assert status_requests(b"\x10\x04\x01\x10\x04\x04hello\x10\x04\x02") == [1, 4, 2]


def test_a_receipt_ends_at_each_cut() -> None:
    device = printer()
    for number in ("A001", "A002"):
        device.textln(number)
        device.cut()
    device.textln("half")
    receipts = decode(device.output)
    assert [r.lines[0] for r in receipts] == ["A001", "A002", "half"]
    assert receipts[-1].cut == ""
