"""The house rules of the package, read from the source with ``ast`` (nothing is imported).

Parts depend one way (``docs/ARCHITECTURE.md``): each part may import only the parts
before it in :data:`ORDER` (and itself).  The old import paths that modules left behind
when they moved (stubs built with :func:`jmgis._compat.moved_module`) are exempt: they
forward by name, not by import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "jmgis"

#: The parts in dependency order; a top-level module of the package is part of ``base``.
ORDER: tuple[str, ...] = (
    "base",
    "admin",
    "transport",
    "catalog",
    "routing",
    "network",
    "access",
    "jiangmen",
    "maps",
    "io",
    "report",
    "pipeline",
    "cli",
)
#: Top-level modules that are not base: where they sit in the order.
TOP_LEVEL_PARTS = {"pipeline": "pipeline", "__main__": "cli", "__init__": "cli"}
#: Subpackages that belong to the base.
BASE_PACKAGES = {"crs"}


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    if len(rel.parts) == 1:
        return TOP_LEVEL_PARTS.get(rel.stem, "base")
    return "base" if rel.parts[0] in BASE_PACKAGES else rel.parts[0]


def _target_part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "jmgis":
        return None
    if len(parts) == 1:
        return "cli"  # the package's face re-exports everything
    if (PACKAGE / parts[1]).is_dir():
        return "base" if parts[1] in BASE_PACKAGES else parts[1]
    return TOP_LEVEL_PARTS.get(parts[1], "base")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "jmgis":
                found += [(node.lineno, f"jmgis.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def _is_stub(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return text.startswith('"""Deprecated: moved to') and "__getattr__ = moved_module(" in text


#: The QGIS plugin is package data that runs inside QGIS's own Python, where jmgis is not
#: importable (it calls jmgis in a subprocess): the package's rules do not apply to it.
PLUGIN = PACKAGE / "io" / "qgis" / "plugin"


def _modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if not _is_stub(p) and PLUGIN not in p.parents
    )


def test_every_part_is_in_the_declared_order() -> None:
    parts = {_part(p) for p in _modules()}
    assert parts <= set(ORDER), f"parts missing from ORDER: {sorted(parts - set(ORDER))}"


def test_parts_import_only_parts_before_them() -> None:
    rank = {name: i for i, name in enumerate(ORDER)}
    wrong = []
    for path in _modules():
        here = _part(path)
        for line, module in _imports(path):
            there = _target_part(module)
            if there is not None and rank[there] > rank[here]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({here}) imports {module}")
    assert not wrong, "imports against the declared order:\n" + "\n".join(wrong)


def test_no_cycle_between_modules_of_a_part() -> None:
    graph: dict[str, set[str]] = {}
    for path in _modules():
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        graph[name] = {m for _, m in _imports(path) if m.startswith("jmgis.")}
    # resolve "from jmgis.x import y" where y is a module
    for name, targets in graph.items():
        graph[name] = {t if t in graph else t.rsplit(".", 1)[0] for t in targets} - {name}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            # a package importing its own submodules (its face) is not a cycle
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_environment_is_read_in_one_module() -> None:
    readers = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        if "os.environ" in text or "getenv(" in text:
            readers.append(path.relative_to(PACKAGE).as_posix())
    assert readers == ["settings.py"], readers


@pytest.mark.parametrize("stub", sorted(p for p in PACKAGE.rglob("*.py") if _is_stub(p)))
def test_moved_modules_still_import_with_a_warning(stub: Path) -> None:
    import importlib

    name = ".".join(stub.relative_to(PACKAGE.parent).with_suffix("").parts)
    module = importlib.import_module(name)
    target = importlib.import_module(
        stub.read_text(encoding="utf-8").split('moved_module(__name__, "')[1].split('"')[0]
    )
    public = next(n for n in dir(target) if not n.startswith("_") and callable(getattr(target, n)))
    with pytest.warns(DeprecationWarning, match="moved to"):
        assert getattr(module, public) is getattr(target, public)


def test_error_classes_live_in_errors_py() -> None:
    elsewhere = []
    for path in _modules():
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id.endswith(("Error", "Exception"))
                for b in node.bases
            ):
                elsewhere.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert not elsewhere, elsewhere


def test_every_mode_names_a_builder_that_exists() -> None:
    import importlib

    from jmgis.vocab import MODES

    for info in MODES:
        module, name = info.builder.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name)), info


@pytest.mark.parametrize("package", ["jmgis", "jmgis.access", "jmgis.jiangmen", "jmgis.network"])
def test_lazy_packages_list_their_whole_api(package: str) -> None:
    import importlib

    module = importlib.import_module(package)
    listed = set(dir(module))
    assert set(module.__all__) <= listed
    for name in module.__all__:
        assert getattr(module, name) is not None, name
