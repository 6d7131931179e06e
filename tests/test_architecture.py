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


def kiosk_import_graph() -> dict[str, set[str]]:
    """Module → the kiosk modules it imports: every import counted, under ``TYPE_CHECKING`` or inside a
    function too (a cycle hidden there is still a cycle a reader must untangle), relative ones resolved."""
    folder = ROOT / "kiosk"
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in folder.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            targets.update(name for name in names if name in modules and name != module)
        graph[module] = targets
    return graph


def import_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def walk(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := walk(target)) is not None:
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := walk(module)) is not None:
            return cycle
    return None


def test_the_kiosks_modules_import_one_way() -> None:
    graph = kiosk_import_graph()
    assert {"kiosk.app", "kiosk.errands", "kiosk.watch"} <= graph.keys()
    assert "kiosk.errands" in graph["kiosk.app"]  # the walk sees the imports it should
    cycle = import_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert import_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert import_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
