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


def test_an_in_process_run_leaves_no_logging_or_quiet_state_behind():
    import logging

    from jmgis import cli
    from tests.cli_isolation import restored_cli_state

    before = logging.getLogger("jmgis").level, dict(cli._state)
    with restored_cli_state():
        assert cli.main(["-q", "report", "--year", "1999"]) == 2
        assert logging.getLogger("jmgis").level == logging.WARNING and cli._state["quiet"]
    assert (logging.getLogger("jmgis").level, dict(cli._state)) == before


def test_pointing_jmgis_at_another_data_folder_empties_the_file_caches(monkeypatch, tmp_path):
    from jmgis import admin
    from jmgis.admin import boundaries
    from tests.cli_isolation import restored_cli_state

    admin.load_city()
    assert boundaries._read.cache_info().currsize > 0
    with restored_cli_state():
        monkeypatch.setenv("JMGIS_DATA_DIR", str(tmp_path))
    assert boundaries._read.cache_info().currsize == 0


def test_the_settings_fixture_keeps_outputs_and_caches_in_the_test_folder(settings, tmp_path):
    for path in (settings.out_dir, settings.maps_path, settings.cache_dir):
        assert path.is_relative_to(tmp_path), path
    # the pinned map assets are still looked up where they are cached, not downloaded again
    assert not settings.assets_path.is_relative_to(tmp_path)
