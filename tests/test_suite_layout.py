"""The test suite's own house rules: test modules share data builders through helper modules
and ``conftest.py`` fixtures, never by importing another test module (which runs that
module's tests' imports twice and ties unrelated modules together)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.update(f"tests.{node.module or alias.name}" for alias in node.names)
    return names


def test_no_test_module_imports_another_test_module():
    offenders = {}
    for path in sorted(TESTS.glob("test_*.py")):
        imported = {
            name
            for name in _imported_modules(path)
            if name.split(".")[0] == "tests"
            and len(name.split(".")) > 1
            and name.split(".")[1].startswith("test_")
        }
        if imported:
            offenders[path.name] = sorted(imported)
    assert not offenders, f"move the shared builders into a helper module: {offenders}"


def test_conftest_fixtures_are_not_imported():
    """Fixtures reach tests by name; importing ``tests.conftest`` would build them twice."""
    users = [
        path.name
        for path in sorted(TESTS.glob("test_*.py"))
        if any(name.startswith("tests.conftest") for name in _imported_modules(path))
    ]
    assert not users
