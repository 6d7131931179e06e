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


def every_import_of(path: Path, root: Path = ROOT) -> set[str]:
    """The modules ``path`` imports, relative imports resolved against its package under ``root``."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return names


def test_every_import_is_seen_relative_ones_included(tmp_path: Path) -> None:
    probe = tmp_path / "queue_server" / "services" / "evaluations" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("import sqlalchemy.sql\nfrom ...adapters import tables\nfrom . import ports\n")
    found = every_import_of(probe, tmp_path)
    assert "sqlalchemy.sql" in found
    assert "queue_server.adapters.tables" in found
    assert "queue_server.services.evaluations.ports" in found


def test_services_speak_only_to_ports() -> None:
    """Every service module reaches storage through ``uow.stores`` alone: no SQLAlchemy, no adapter."""
    modules = list((ROOT / "queue_server" / "services").rglob("*.py"))
    assert len(modules) > 40  # the walk sees the service layer
    for path in modules:
        for module in every_import_of(path):
            assert not module.startswith(("sqlalchemy", "queue_server.adapters")), (
                f"{path.relative_to(ROOT)} imports {module}"
            )


def test_the_runtime_is_handed_its_database_by_the_one_composition_root() -> None:
    """``queue_server.runtime`` knows the database as a port; only ``hallq.bootstrap`` builds the SQL one."""
    assert not {m for m in every_import_of(ROOT / "queue_server" / "runtime.py") if "adapters" in m}
    builders = [
        path.relative_to(ROOT).as_posix()
        for folder in ("queue_server", "hallq")
        for path in (ROOT / folder).rglob("*.py")
        if "queue_server.adapters.database" in every_import_of(path)
    ]
    assert builders == ["hallq/bootstrap.py"]


def kiosk_import_graph() -> dict[str, set[str]]:
    """Module → the kiosk modules it imports: every import counted, under ``TYPE_CHECKING`` or inside a
    function too (a cycle hidden there is still a cycle a reader must untangle), relative ones resolved."""
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in (ROOT / "kiosk").rglob("*.py")
    }
    return {
        module: {name for name in every_import_of(path) if name in modules and name != module}
        for module, path in modules.items()
    }


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
