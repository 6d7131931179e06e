"""The message catalogue: a checked data file, and every code the product uses is in it in both languages."""

from __future__ import annotations

import ast
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from queue_server import messages
from queue_server.contract import EventType
from queue_server.messages import CATALOGUE, CatalogueError, parse

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("queue_server", "kiosk", "display_board", "evaluator_device", "hallq", "hardware_mocks")
# Functions whose first argument is a message code (besides the DomainError family, found by walking).
MESSAGE_FUNCTIONS = {"render", "text", "t", "_pair", "_error", "_refusal", "speak", "prompt_parts"}
KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")
EVENT_TYPES = set(EventType.__args__)


def python_sources() -> list[tuple[Path, ast.Module]]:
    paths = [p for part in PARTS for p in (ROOT / part).rglob("*.py")]
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in paths]


def error_classes(sources: list[tuple[Path, ast.Module]]) -> set[str]:
    """DomainError and every class that derives from it, by name, anywhere in the product."""
    names, grew = {"DomainError"}, True
    classes = [n for _, tree in sources for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    while grew:
        found = {c.name for c in classes if any(ast.unparse(b).split(".")[-1] in names for b in c.bases)}
        grew = not found <= names
        names |= found
    return names


def code_of(node: ast.expr) -> tuple[str, bool] | None:
    """A literal code, or the literal head of an f-string (a prefix: True)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value), True
    return None


def codes_in_python() -> dict[tuple[str, bool], str]:
    sources = python_sources()
    errors = error_classes(sources)
    callers = errors | MESSAGE_FUNCTIONS
    found: dict[tuple[str, bool], str] = {}
    for path, tree in sources:
        if path.name == "messages.py":
            continue
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            used: list[ast.expr] = []
            if isinstance(node, ast.Call) and node.args:
                name = ast.unparse(node.func).split(".")[-1]
                if name in callers:
                    used.append(node.args[0])
            if isinstance(node, ast.Call):
                used += [k.value for k in node.keywords if k.arg == "code"]
            if isinstance(node, ast.ClassDef) and node.name in errors:
                used += [
                    s.value
                    for s in node.body
                    if isinstance(s, ast.Assign) and [ast.unparse(t) for t in s.targets] == ["code"]
                ]
            if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("CATALOGUE"):
                used.append(node.slice)
            for expr in used:
                code = code_of(expr)  # sqlalchemy's text("SELECT 1") is no message code
                if code and KEY.fullmatch(code[0].rstrip("._")):
                    found.setdefault((code[0], code[1] or code[0].endswith((".", "_"))), where)
    return found


def codes_in_pages() -> dict[tuple[str, bool], str]:
    """Codes in the consoles', board's and kiosk's pages and scripts: quoted keys of the catalogue's
    namespaces, except event types and what is compared or names a form field (``=== "x.y"``,
    ``case "x.y"``, ``name="x.y"``); a literal before ``+`` or ending in a dot is a prefix."""
    spaces = {key.split(".")[0] for key in CATALOGUE}
    found: dict[tuple[str, bool], str] = {}
    for part in PARTS:
        for path in (ROOT / part).rglob("*"):
            if path.suffix not in {".js", ".html", ".kv"}:
                continue
            where = str(path.relative_to(ROOT))
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip().startswith(("//", "/*", "*", "#")):
                    continue
                pattern = r"""(startsWith\(|===?\s*|case\s+|name=)?["'`]([a-z][a-z0-9_.]*)["'`](\s*\+)?"""
                for m in re.finditer(pattern, line):
                    key = m.group(2)
                    if m.group(1) or not KEY.fullmatch(key.rstrip("._")) or key in EVENT_TYPES:
                        continue
                    if key.split(".")[0] in spaces:
                        found.setdefault((key, bool(m.group(3)) or key.endswith((".", "_"))), where)
    return found


def test_every_message_code_used_in_the_product_is_in_the_catalogue_in_both_languages() -> None:
    used = {**codes_in_python(), **codes_in_pages()}
    assert len(used) > 900  # the scan sees the consoles, the kiosk and the server's errors
    missing = sorted(
        f"{code}{'…' if prefix else ''} ({where})"
        for (code, prefix), where in used.items()
        if not (any(k.startswith(code) for k in CATALOGUE) if prefix else code in CATALOGUE)
    )
    # DomainError's own default code: raised only through subclasses that name theirs; render falls
    # back to server.error for it
    assert missing == ["domain.error (queue_server/domain/errors.py)"]
    for code, _ in used:
        for zh, en in [CATALOGUE[k] for k in CATALOGUE if k == code or k.startswith(code)]:
            assert zh.strip() and isinstance(en, str), code


def test_the_catalogue_is_a_data_file_shipped_in_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["package-data"]["queue_server"]
    assert any(fnmatch("messages.toml", pattern) for pattern in shipped)
    assert (ROOT / "queue_server" / "messages.toml").is_file()
    assert len(CATALOGUE) > 1000 and messages.STATUS_NAMES["waiting"] == ("等候中", "waiting")


def test_a_message_without_its_english_is_refused_at_load() -> None:
    text = '[messages]\n"server.error" = { zh-CN = "出错了", en = "Error" }\n"a.b" = { zh-CN = "只有中文" }\n'
    with pytest.raises(CatalogueError, match=r"a\.b: needs both zh-CN \(not empty\) and en"):
        parse(text + "[words.status]\n")


def test_placeholders_must_match_between_the_languages_unless_the_entry_says_otherwise() -> None:
    head = '[messages]\n"server.error" = { zh-CN = "出错了", en = "Error" }\n'
    words = '[words.status]\nwaiting = { zh-CN = "等候中", en = "waiting" }\n'
    differ = '"w.busy" = { zh-CN = "{number} 号窗口忙", en = "Window {window} is busy" }\n'
    with pytest.raises(CatalogueError, match=r"w\.busy: zh-CN fills \['number'\] but en fills \['window'\]"):
        parse(head + differ + words)
    own = differ.replace(" }\n", ", own_fields = true }\n")
    catalogue, field_words = parse(head + own + words)
    assert catalogue["w.busy"] == ("{number} 号窗口忙", "Window {window} is busy")
    assert field_words["status"]["waiting"] == ("等候中", "waiting")
    stale = '"w.x" = { zh-CN = "{n} 个", en = "{n} of them", own_fields = true }\n'
    with pytest.raises(CatalogueError, match="says own_fields"):
        parse(head + stale + words)
    broken = '"w.y" = { zh-CN = "{n 个", en = "{n} of them" }\n'
    with pytest.raises(CatalogueError, match=r"w\.y: not a template"):
        parse(head + broken + words)


def test_a_catalogue_that_is_not_toml_says_so() -> None:
    with pytest.raises(CatalogueError, match="not valid TOML"):
        parse('[messages\n"a" = 1')
