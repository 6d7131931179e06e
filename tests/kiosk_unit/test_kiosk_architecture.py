"""The kiosk and the emulator import only what the house rules allow."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.test_architecture import ROOT, imports_of

THIRD_PARTY_KIOSK = {
    "kivy",
    "escpos",
    "PIL",
    "serial",  # pyserial: the ID card reader (pinned in the kiosk extra)
    "qrcode",
    "httpx",
    "websockets",
    "pydantic",
    "pydantic_settings",
    "pypinyin",
}
THIRD_PARTY_MOCKS = {"PIL", "qrcode"}
# Pure domain modules (standard library only) the kiosk shares with the server.
PURE_SHARED = ("queue_server.domain.search",)


def server_imports(folder: Path) -> dict[Path, set[str]]:
    """Every module imported, with ``from queue_server import x`` counted as queue_server.x."""
    found: dict[Path, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "queue_server":
                    names.update(f"queue_server.{alias.name}" for alias in node.names)
                else:
                    names.add(node.module)
        found[path] = names
    return found


def test_the_kiosk_uses_only_the_wire_contract_and_the_message_catalogue_of_the_server() -> None:
    allowed = set(sys.stdlib_module_names) | THIRD_PARTY_KIOSK | {"kiosk"}
    for path, names in server_imports(ROOT / "kiosk").items():
        for name in names:
            top = name.split(".")[0]
            if top == "queue_server":
                assert name in ("queue_server.contract", "queue_server.messages", *PURE_SHARED), (
                    f"{path.name} imports {name}"
                )
            else:
                assert top in allowed, f"{path.name} imports {name}"
    assert "pypinyin" in imports_of(ROOT / "kiosk")[ROOT / "kiosk" / "pinyin_worker.py"]


def test_the_printer_emulator_imports_only_the_codecs_it_imitates() -> None:
    allowed = set(sys.stdlib_module_names) | THIRD_PARTY_MOCKS | {"hardware_mocks"}
    printer_files = {"escpos_decoder.py", "escpos_images.py", "escpos_model.py", "escpos_render.py"}
    printer_files.add("printer_server.py")
    for path, names in imports_of(ROOT / "hardware_mocks").items():
        if path.name not in printer_files:
            continue
        for name in names:
            assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_importing_the_kiosks_logic_loads_neither_kivy_nor_pypinyin_nor_the_server() -> None:
    code = (
        "import sys, threading, kiosk.desk, kiosk.layout, kiosk.printer, kiosk.voice, kiosk.launch; "
        "import kiosk.pinyin, queue_server.domain.search; "
        "bad = [m for m in ('kivy', 'pypinyin', 'fastapi', 'sqlalchemy') if m in sys.modules]; "
        "print(','.join(bad), threading.active_count())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["1"]
