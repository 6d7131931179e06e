"""The house rules of dependencies, checked by walking the imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(folder: Path) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
    return found


def test_the_domain_core_imports_only_the_standard_library_and_itself() -> None:
    allowed = set(sys.stdlib_module_names) | {"queue_server"}
    for path, names in imports_of(ROOT / "queue_server" / "domain").items():
        for name in names:
            top = name.split(".")[0]
            assert top in allowed, f"{path.name} imports {name}"
            if top == "queue_server":
                assert name.startswith("queue_server.domain"), f"{path.name} reaches out to {name}"


def test_the_queue_server_never_imports_the_other_parts() -> None:
    for path, names in imports_of(ROOT / "queue_server").items():
        for name in names:
            top = name.split(".")[0]
            assert top not in {"hallq", "kiosk", "display_board", "evaluator_device", "hardware_mocks"}, (
                f"{path} imports {name}"
            )


def test_the_wire_contract_loads_without_fastapi_or_sqlalchemy() -> None:
    code = (
        "import sys, queue_server.contract, queue_server.messages; "
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'starlette') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_importing_the_server_creates_nothing() -> None:
    code = (
        "import threading, queue_server.api.app, queue_server.runtime, hallq.cli; "
        "print(threading.active_count())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "1"


# Service packages converted to the stores' ports: they speak to ``uow.stores`` only.
PORTED: set[str] = {
    "desk",
    "hall",
    "operations",
}


def imported_modules(source: str, package: str) -> set[str]:
    """Every module a file of ``package`` imports, its relative imports resolved against the package
    (``from ..adapters import tables`` counts as ``…adapters`` and ``…adapters.tables``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add(node.module or "")
                continue
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = f"{base}.{node.module}" if node.module else base
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_ported_services_speak_only_to_ports() -> None:
    for package in sorted(PORTED):
        folder = ROOT / "queue_server" / "services" / package
        assert folder.is_dir(), f"no service package {package}"
        for path in folder.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "uow.repo" not in text, f"{path} still reaches the catch-all repository"
            dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
            for name in imported_modules(text, dotted):
                assert not name.startswith(("sqlalchemy", "queue_server.adapters")), f"{path} imports {name}"


def test_relative_imports_count_as_what_they_name() -> None:
    source = "from ...adapters import tables as t\nfrom ..hall import views\nfrom . import ports\n"

    found = imported_modules(source, "queue_server.services.desk")

    assert {"queue_server.adapters", "queue_server.adapters.tables"} <= found
    assert {"queue_server.services.hall.views", "queue_server.services.desk.ports"} <= found
