"""The evaluator parts' boundaries, the written spec's examples, the outbox and the command-line options."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from evaluator_device.outbox import Outbox, StoredRating
from evaluator_device.protocol import Framer, decode, encode
from hallq.pads import check_baud, parse_pad_lines, parse_tokens
from tests.test_architecture import imports_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_bridge_imports_only_the_wire_contract_and_its_own_libraries() -> None:
    allowed = set(sys.stdlib_module_names) | {"evaluator_device", "serial", "httpx", "websockets"}
    for path, names in imports_of(ROOT / "evaluator_device").items():
        for name in names:
            if name.startswith("queue_server"):
                wire = ("queue_server", "queue_server.contract", "queue_server.messages")
                # the pad codec's level byte is the domain's one rating scale, and only the codec's
                scale = ("queue_server.domain.rating",) if path.name == "protocol.py" else ()
                assert name in wire + scale, (path, name)
            else:
                assert name.split(".")[0] in allowed, (path, name)


def test_the_pad_emulator_imports_only_the_codec_it_imitates() -> None:
    names = imports_of(ROOT / "hardware_mocks")[ROOT / "hardware_mocks" / "evaluator_pad.py"]
    for name in names:
        assert name.split(".")[0] in sys.stdlib_module_names or name == "evaluator_device", name
    assert "evaluator_device" in names or any(n.startswith("evaluator_device") for n in names)


def test_every_byte_example_in_the_spec_is_a_valid_frame_the_codec_reproduces() -> None:
    text = (ROOT / "evaluator_device" / "PROTOCOL.md").read_text(encoding="utf-8")
    section = text.split("## 4.")[1].split("## 5.")[0]
    frames = [bytes.fromhex(m) for m in re.findall(r"a5 5a(?: [0-9a-f]{2})+$", section, re.MULTILINE)]
    assert len(frames) >= 15
    for wire in frames:
        (frame,) = Framer().feed(wire)
        assert encode(frame.address, frame.seq, decode(frame)) == wire


def test_every_byte_sequence_in_the_spec_is_a_valid_frame() -> None:
    text = (ROOT / "evaluator_device" / "PROTOCOL.md").read_text(encoding="utf-8")
    lines = re.findall(r"a5 5a(?: [0-9a-f]{2})+", text)
    assert len(lines) >= 28  # section 4, the RS-485 exchange of section 6 and the NAK/age examples
    for hexed in lines:
        wire = bytes.fromhex(hexed)
        (frame,) = Framer().feed(wire)
        assert encode(frame.address, frame.seq, decode(frame)) == wire or frame.command == 0x85


def test_the_spec_states_the_rules_the_code_keeps() -> None:
    from evaluator_device import link, master
    from evaluator_device import protocol as p

    text = " ".join((ROOT / "evaluator_device" / "PROTOCOL.md").read_text(encoding="utf-8").split())
    assert f"within **{p.REPLY_TIMEOUT_S * 1000:.0f} ms**" in text
    assert f"({link.REPLY_WAIT * 1000:.0f} ms after the last byte" in text
    assert f"for {master.OFFLINE_SECONDS:.0f} s and at least {master.OFFLINE_MISSES} frames" in text
    assert f"IDENTIFY every {master.UNSUPPORTED_POLL_SECONDS:.0f} s" in text
    assert f"repeated at once, {['once', 'twice'][master.REPOLLS - 1]} at most" in text
    assert "frame timeout's silence after them" in text  # a garbled answer ends the exchange early
    assert "0 .. 86 400 000 (24 h)" in text and p.MAX_AGE_MS == 86_400_000 and p.AGE_UNKNOWN == 0xFFFFFFFF
    for baud in p.BAUD_RATES:
        assert f"| {baud} |" in text


def test_the_outbox_keeps_one_rating_per_evaluation_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    rating = StoredRating(7, "1", "satisfied", [], datetime(2026, 3, 2, 1, tzinfo=UTC))
    box = Outbox(path)
    assert box.add(rating) and not box.add(rating)
    box.asked(7, "1", 1)
    box.close()
    box = Outbox(path)
    question = box.question(7, 1)
    assert [r.evaluation_id for r in box.undelivered()] == [7] and question is not None and question[0] == "1"
    box.delivered(7, "recorded")
    assert box.undelivered() == [] and box.counts() == {"waiting": 0, "delivered": 1}
    box.close()


def test_pad_and_token_options() -> None:
    assert parse_pad_lines(["1=3", "2=A12"], "rs485") == [(1, "3", "rs485"), (2, "A12", "rs485")]
    for bad in ("3", "0=1", "x=1", "300=1"):
        with pytest.raises(ValueError):
            parse_pad_lines([bad], "rs485")
    assert parse_tokens(["2=b"], env="1=a, 2=old") == {"1": "a", "2": "b"}


def test_the_bridge_refuses_to_start_without_a_token_for_each_window() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hallq", "evaluator", "--serial", "/dev/null", "--pad", "1=3"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HALLQ_EVALUATOR_TOKENS": ""},
        timeout=60,
    )
    assert done.returncode == 2 and "no evaluator token" in done.stderr


def run_bridge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallq", "evaluator", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HALLQ_EVALUATOR_TOKENS": "3=a,4=b", "COLUMNS": "200"},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--serial", "/dev/does-not-exist", "--pad", "1=3"], "cannot open serial port /dev/does-not-exist"),
        (["--serial", "/dev/null", "--pad", "1=3", "--pad", "1=4"], "address 1 is given twice"),
        (["--serial", "/dev/null", "--pad", "1=3", "--pad", "2=3"], "window 3 has two pads"),
        (["--serial", "/dev/null", "--pad", "1=3", "--baud", "12345"], "--baud 12345: use one of 9600"),
        (["--serial", "/dev/null", "--pad", "1=3", "--line", "rs422"], "rs232 or rs485"),
        (["--serial", "/dev/null", "--pad", "1=3", "--pad", "2=4", "--line", "rs232"], "RS-485 bus"),
    ],
)
def test_the_bridge_refuses_a_bad_set_up_with_exit_code_2(args: list[str], said: str) -> None:
    done = run_bridge(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert said in " ".join((done.stdout + done.stderr).split())


def test_pad_lines_per_pad_and_by_default() -> None:
    assert parse_pad_lines(["1=3", "2=4:rs232"], "rs485") == [(1, "3", "rs485"), (2, "4", "rs232")]
    assert parse_pad_lines(["1=3"], "rs232") == [(1, "3", "rs232")]
    for bad in (["1=3:rs9"], ["1=3", "1=4"], ["1=3", "2=3"], []):
        with pytest.raises(ValueError):
            parse_pad_lines(bad, "rs485")
    with pytest.raises(ValueError):
        check_baud(12345)
    check_baud(115200)


def test_a_port_that_cannot_be_opened_is_logged_as_a_warning_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from evaluator_device.bridge import Bridge, PadConfig

    bridge = Bridge(
        "http://127.0.0.1:9", str(tmp_path / "ttyGONE"), [PadConfig(1, "3", "t")], tmp_path / "o.db"
    )
    with caplog.at_level(logging.WARNING, logger="evaluator_device.link"):
        bridge.link.start()
        try:
            deadline = time.monotonic() + 10
            while bridge.pads[1].report is None and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            bridge.link.stop()
            bridge.outbox.close()
    assert bridge.pads[1].report is not None
    state, detail = bridge.pads[1].report
    assert state == "offline" and detail.startswith(f"cannot open {tmp_path / 'ttyGONE'}")
    assert any(
        r.levelno == logging.WARNING and "cannot open serial port" in r.message for r in caplog.records
    )
