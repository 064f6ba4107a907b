"""The shape of ``dashboard/ui/``: every module is in the order ``dashboard/ui/__init__.py``
states and imports only modules before it (no circle), pages and the entry import from the
module that owns a name (no catch-all ``dashboard.ui``), and metrics are called by function,
never looked up by a name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import dashboard.ui

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "dashboard" / "ui"


def stated_order() -> list[str]:
    doc = dashboard.ui.__doc__ or ""
    tail = doc.split("in this order (no circle):", 1)[1]
    return re.findall(r"[a-z_]+", tail.split(".")[0])


def ui_imports(path: Path) -> set[str]:
    """The dashboard.ui modules a file imports (``from dashboard.ui.x import …`` or
    ``from dashboard.ui import x, y``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("dashboard.ui."):
                found.add(node.module.split(".")[2])
            elif node.module == "dashboard.ui":
                found.update(alias.name for alias in node.names)
            elif node.module == "dashboard":
                found.update("dashboard.ui" for alias in node.names if alias.name == "ui")
        if isinstance(node, ast.Import):
            found.update("dashboard.ui" for alias in node.names if alias.name == "dashboard.ui")
    return found


def test_every_module_imports_only_those_before_it() -> None:
    order = stated_order()
    assert sorted(order) == sorted(p.stem for p in UI.glob("*.py") if p.stem != "__init__")
    for i, name in enumerate(order):
        later = ui_imports(UI / f"{name}.py") - set(order[:i])
        assert not later, f"dashboard/ui/{name}.py imports {sorted(later)}, which come after it"


def test_pages_import_from_the_owning_module() -> None:
    modules = set(stated_order())
    for path in [*sorted((ROOT / "pages").glob("*.py")), ROOT / "dashboard" / "app.py"]:
        assert ui_imports(path) <= modules, path  # "dashboard.ui" itself: the catch-all


def test_no_metric_is_called_by_name() -> None:
    for path in [*UI.glob("*.py"), *(ROOT / "pages").glob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
                target = node.args[0]
                assert not (isinstance(target, ast.Name) and target.id == "metrics"), f"{path}:{node.lineno}"
