"""The board knows the server only through the wire contract and the message catalogue."""

from __future__ import annotations

import subprocess
import sys

from tests.test_architecture import ROOT, imports_of

ALLOWED = set(sys.stdlib_module_names) | {"display_board", "fastapi", "pypinyin", "qrcode"}
SERVER_MODULES = {"queue_server.contract", "queue_server.messages"}


def test_the_board_imports_only_the_contract_the_catalogue_and_its_own_libraries() -> None:
    for path, names in imports_of(ROOT / "display_board").items():
        for name in names:
            top = name.split(".")[0]
            assert top in ALLOWED or name in SERVER_MODULES, f"{path.name} imports {name}"


def test_the_announcement_builder_loads_without_the_web_stack_or_pinyin_until_it_speaks() -> None:
    code = (
        "import sys, display_board.announce, display_board.voice; "
        "print(','.join(m for m in ('fastapi', 'sqlalchemy', 'pypinyin') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
