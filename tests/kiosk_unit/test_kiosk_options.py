"""``hallq kiosk`` refuses bad options before any window opens, in one plain line; its help reads right."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.idcard_reader import CardReader


def hallq(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallq", *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--printer", "lpt://x"], "printer: 'lpt://x' is not one of network://…"),
        (
            ["--public-url", "hall.example.cn"],
            "status_url_base: 'hall.example.cn' is not an http:// or https://",
        ),
        (["--paper", "70"], "paper_mm:"),
        (["--printer-font", "big5"], "printer_font:"),
        (["--idcard", "usb://1234"], "idcard: 'usb://1234' is not one of serial://…"),
    ],
)
def test_a_bad_option_is_one_clear_line_and_no_window(option: list[str], said: str, tmp_path: Path) -> None:
    done = hallq("kiosk", *option, "--state-dir", str(tmp_path))
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert said in out and "Traceback" not in out
    assert len([line for line in out.splitlines() if line.strip()]) <= 3, out


def test_a_config_file_that_is_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[kiosk\nserver = 1", encoding="utf-8")
    done = hallq("kiosk", "--config", str(config))
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    assert str(config) in done.stdout + done.stderr


def test_the_help_names_the_kiosk_table_and_the_new_options() -> None:
    done = hallq("kiosk", "--help", env={"COLUMNS": "200", "PATH": ""})
    assert "[kiosk]" in done.stdout
    for option in ("--public-url", "--printer-font", "--idcard"):
        assert option in done.stdout


def test_mock_idcard_plays_a_script_and_answers_on_its_pty(tmp_path: Path) -> None:
    link = tmp_path / "idcard"
    script = tmp_path / "script.txt"
    script.write_text("put 440524188001010014\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "hallq", "mock-idcard", "--link", str(link), "--script", str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "card on the reader" in line:
                break
        assert link.exists(), lines
        deadline = time.monotonic() + 10
        card = None
        reader = CardReader(f"serial://{link}", timeout=1)
        while card is None and time.monotonic() < deadline:
            card = reader.read()
        reader.close()
        assert card is not None and card.id_number == "440524188001010014"
    finally:
        process.terminate()
        process.wait(10)
