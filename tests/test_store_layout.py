"""The store package keeps the shape its docstring and docs/ARCHITECTURE.md give it: its modules in
one order, each importing only modules above it and never a name from the package's __init__,
and every name the rest of the code imports from ``data_sources.store`` still there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import data_sources.store as store_package

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "data_sources" / "store"
ORDER = ["tables", "rows", "bulk", "results", "engine", "derived", "fold", "plans", "batches", "write", "roster"]


def _imports_from_store(path: Path) -> tuple[set[str], set[str]]:
    """(store modules a file imports, names it imports from the package itself)."""
    modules: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert not node.level, f"{path.name}: a relative import"
            if node.module == "data_sources.store":
                names.update(a.name for a in node.names)
            elif node.module and node.module.startswith("data_sources.store."):
                modules.add(node.module.removeprefix("data_sources.store."))
        elif isinstance(node, ast.Import):
            modules.update(
                a.name.removeprefix("data_sources.store.")
                for a in node.names
                if a.name.startswith("data_sources.store.")
            )
    return modules, names


def test_every_module_of_the_package_has_its_place_in_the_order() -> None:
    found = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert found == sorted(ORDER)
    doc = store_package.__doc__ or ""
    listed = [line.split()[0] for line in doc.splitlines() if line.startswith("    ") and line.split()]
    assert listed == ORDER


@pytest.mark.parametrize("module", ORDER)
def test_a_store_module_imports_only_the_modules_above_it(module: str) -> None:
    modules, names = _imports_from_store(PACKAGE / f"{module}.py")
    above = set(ORDER[: ORDER.index(module)])
    # ``from data_sources.store import tables`` names a module: allowed when it is above
    assert modules | names <= above, (module, (modules | names) - above)


def test_every_name_the_code_imports_from_the_store_is_there() -> None:
    """dashboard/, data_sources/, pages/, scripts/ and tests/ import these from
    ``data_sources.store``: each must be an attribute of the package."""
    wanted: dict[str, set[str]] = {}
    for folder in ("dashboard", "data_sources", "pages", "scripts", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if PACKAGE in path.parents:
                continue
            _modules, names = _imports_from_store(path)
            for name in names:
                wanted.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert {"Store", "metadata", "write_audit", "_aware", "ledger_rows"} <= wanted.keys()
    missing = {n: sorted(files) for n, files in wanted.items() if not hasattr(store_package, n)}
    assert missing == {}
    assert all(hasattr(store_package, n) for n in store_package.__all__)
