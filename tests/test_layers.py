"""Imports go one way: each package may import only the packages below it (README, "Layout").

A small AST walk over every module, so a new upward import, a cycle between two apps, or a migration
that imports live code fails here and not months later in a circular-import traceback."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the project packages it may import (its own is always allowed). Lowest first.
ALLOWED: dict[str, set[str]] = {
    "jakamo": set(),
    "common": {"jakamo"},
    "sandbox": {"jakamo", "common"},
    "mappings": {"jakamo", "common"},
    "exchange": {"jakamo", "common", "mappings"},
    "orders": {"jakamo", "common", "mappings", "exchange"},
    "shipments": {"jakamo", "common", "mappings", "exchange", "orders"},
    "gateway": {"jakamo", "common", "mappings", "exchange", "orders", "shipments"},
    "operations": {"jakamo", "common", "mappings", "exchange", "orders", "shipments"},
    "jakamo_portal": {"jakamo", "common", "mappings", "exchange", "orders", "shipments", "gateway", "operations"}
    | {"sandbox"},
}
PROJECT = set(ALLOWED)
# Within orders and shipments the two sides stand apart; what both need lives beside them.
SIDES = {"orders.purchase": "orders.sales", "orders.sales": "orders.purchase"}
# A migration names the classes of its custom fields; nothing else of the project.
MIGRATION_MAY_IMPORT = {"mappings.crypto", "mappings.crypto.EncryptedTextField"}


def _modules():
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # "from orders import sales" names a module too.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_every_project_package_has_a_place_in_the_layers():
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in ("tests", "bench")}
    assert packages == PROJECT, f"give {sorted(packages - PROJECT)} a place in ALLOWED (and the README's layout)"


def test_imports_go_one_way():
    wrong = []
    for package, path in _modules():
        if "migrations" in path.parts:
            continue
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top in PROJECT and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name} ({package} is below {top})")
    assert not wrong, "\n".join(wrong)


def test_the_protocol_library_does_not_use_django():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for package, path in _modules()
        if package == "jakamo"
        for line, name in _imports(path)
        if name.split(".")[0] == "django"
    ]
    assert not wrong, "\n".join(wrong)


def test_buyer_and_supplier_sides_do_not_import_each_other():
    wrong = []
    for _package, path in _modules():
        module = _module_name(path)
        for side, other in SIDES.items():
            if module == side or module.startswith(side + "."):
                wrong += [
                    f"{path.relative_to(ROOT)}:{line} imports {name}"
                    for line, name in _imports(path)
                    if name == other or name.startswith(other + ".")
                ]
    assert not wrong, "\n".join(wrong)


def test_migrations_import_no_live_code():
    # A migration runs against the models as they were; live code changes under it.
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for _package, path in _modules()
        if "migrations" in path.parts
        for line, name in _imports(path)
        if name.split(".")[0] in PROJECT and name not in MIGRATION_MAY_IMPORT
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", sorted(p for p in PROJECT if (ROOT / p / "migrations").is_dir()))
def test_one_migration_per_app(package):
    migrations = sorted(p.name for p in (ROOT / package / "migrations").glob("0*.py"))
    assert migrations == ["0001_initial.py"], migrations


def test_no_test_module_imports_another():
    # Shared actors are fixtures in conftest.py; shared plain helpers live in these modules.
    shared = {
        "tests.helpers",
        "tests.reference",
        "tests.strategies",
        "tests.machines",
        "tests.gateway.erp_connector",
        "tests.browser.a11y",  # the accessibility pass every browser journey runs
    }
    wrong = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for line, name in _imports(path):
            if name.startswith("tests.") and not any(name == s or name.startswith(s + ".") for s in shared):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_walk_sees_an_upward_import(tmp_path):
    # The check itself: an import the rules forbid is found, inside a function too.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from orders.models import PurchaseOrder\n")
    assert (2, "orders.models") in _imports(module)
