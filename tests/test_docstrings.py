"""The public API documents its parameters and results (numpydoc), read with ``ast``.

Every public function and method of ``jmgis/**/*.py`` (its name and its module's path
do not start with ``_``; nested functions are not API) that takes two or more
parameters besides ``self``/``cls`` has a ``Parameters`` section naming each of them;
every such function that returns something other than ``None`` has a ``Returns`` (or
``Yields``) section.  Properties describe a value, not a call, and ``@overload`` stubs
repeat the signature of a documented function: both are exempt.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "jmgis"

_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_NAME = r"\*{0,2}[A-Za-z_]\w*"
_ENTRY = re.compile(rf"^(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)\s*(?::.*)?$")


def sections(doc: str) -> dict[str, list[str]]:
    """Split a numpydoc docstring into its sections.

    Parameters
    ----------
    doc : str
        The cleaned docstring (:func:`inspect.cleandoc` form).

    Returns
    -------
    dict of str to list of str
        Section title (``"Parameters"``, ``"Returns"`` …) to the lines of its body.
    """
    lines = doc.splitlines()
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and _UNDERLINE.match(lines[i + 1]):
            current = found.setdefault(line.strip(), [])
            i += 2
            continue
        if current is not None:
            current.append(line)
        i += 1
    return found


def documented_parameters(body: list[str]) -> set[str]:
    """Names of the entries of a ``Parameters`` section body.

    Parameters
    ----------
    body : list of str
        The lines under the section's underline.

    Returns
    -------
    set of str
        Every name an entry line lists (``a, b : int`` names two), without ``*``.
    """
    indents = [len(line) - len(line.lstrip()) for line in body if line.strip()]
    if not indents:
        return set()
    base = min(indents)
    names: set[str] = set()
    for line in body:
        if not line.strip() or len(line) - len(line.lstrip()) != base:
            continue
        match = _ENTRY.match(line.strip())
        if match:
            names |= {name.strip().lstrip("*") for name in match["names"].split(",")}
    return names


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> list[str]:
    args = node.args
    ordered = [*args.posonlyargs, *args.args]
    if method and ordered and not _is_static(node):
        ordered = ordered[1:]  # self / cls
    names = [a.arg for a in ordered] + [a.arg for a in args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def _decorators(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    out = set()
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Name):
            out.add(target.id)
        elif isinstance(target, ast.Attribute):
            out.add(target.attr)
    return out


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return "staticmethod" in _decorators(node)


def _returns_value(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function gives back something other than ``None``."""
    ann = node.returns
    if ann is not None:
        text = ast.unparse(ann).strip("'\"")
        return text not in {"None", "NoReturn", "Never", "typing.NoReturn"}
    # Unannotated: look for ``return <value>`` in the function's own body.
    stack: list[ast.AST] = list(node.body)
    while stack:
        child = stack.pop()
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if (
            isinstance(child, ast.Return)
            and child.value is not None
            and not (isinstance(child.value, ast.Constant) and child.value.value is None)
        ):
            return True
        stack.extend(ast.iter_child_nodes(child))
    return False


def _is_stub(text: str) -> bool:
    return text.startswith('"""Deprecated: moved to') and "__getattr__ = moved_module(" in text


def public_functions(
    package: Path,
) -> list[tuple[str, str, ast.FunctionDef | ast.AsyncFunctionDef, bool]]:
    """Every public function and method of the modules under a package folder.

    Parameters
    ----------
    package : pathlib.Path
        The package folder (``jmgis/``).

    Returns
    -------
    list of tuple
        ``(module, qualified name, function node, is a method)`` per public function.
    """
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent)
        if any(part.startswith("_") and part != "__init__.py" for part in rel.parts):
            continue
        if "/".join(rel.parts).startswith("jmgis/io/qgis/plugin/"):
            continue  # QGIS's own API, run in QGIS's Python (see pyproject's ruff ignores)
        text = path.read_text(encoding="utf-8")
        if _is_stub(text):
            continue
        module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(text)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if not node.name.startswith("_") and "overload" not in _decorators(node):
                    found.append((module, f"{module}.{node.name}", node, False))
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                for item in node.body:
                    if (
                        isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                        and not item.name.startswith("_")
                        and not {"property", "setter", "cached_property", "overload"}
                        & _decorators(item)
                    ):
                        found.append((module, f"{module}.{node.name}.{item.name}", item, True))
    return found


def problems(package: Path) -> list[str]:
    """What the public API of a package folder leaves undocumented (see :func:`module_problems`).

    Parameters
    ----------
    package : pathlib.Path
        The package folder.

    Returns
    -------
    list of str
        One line per problem: ``module.function: what is missing``.
    """
    return [line for _, line in module_problems(package)]


def module_problems(package: Path) -> list[tuple[str, str]]:
    """What the public API of a package folder leaves undocumented.

    Parameters
    ----------
    package : pathlib.Path
        The package folder.

    Returns
    -------
    list of tuple of str
        ``(module, "module.function: what is missing")`` per problem.
    """
    out = []
    for module, name, node, method in public_functions(package):
        params = _parameters(node, method)
        if len(params) < 2:
            continue
        doc = ast.get_docstring(node) or ""
        found = sections(doc)
        if "Parameters" not in found:
            out.append((module, f"{name}: no Parameters section (takes {', '.join(params)})"))
        else:
            missing = [p for p in params if p not in documented_parameters(found["Parameters"])]
            if missing:
                out.append((module, f"{name}: Parameters does not name {', '.join(missing)}"))
        if _returns_value(node) and not {"Returns", "Yields"} & found.keys():
            out.append((module, f"{name}: returns a value but has no Returns section"))
    return out


def test_public_functions_document_parameters_and_returns():
    found = problems(PACKAGE)
    assert not found, f"{len(found)} undocumented:\n" + "\n".join(found)


_GOOD = '''
def move(distance_m: float, speed_kmh: float) -> float:
    """Time to cover a distance.

    Parameters
    ----------
    distance_m : float
        Distance, metres.
    speed_kmh : float
        Speed, km/h.

    Returns
    -------
    float
        Seconds.
    """
    return distance_m / (speed_kmh / 3.6)
'''


@pytest.fixture
def fake_package(tmp_path: Path):
    def make(source: str) -> Path:
        pkg = tmp_path / "fakepkg"
        pkg.mkdir(exist_ok=True)
        (pkg / "mod.py").write_text(source, encoding="utf-8")
        return pkg

    return make


def test_checker_accepts_a_documented_function(fake_package):
    assert problems(fake_package(_GOOD)) == []


def test_checker_fails_on_a_missing_parameter(fake_package):
    source = _GOOD.replace("    speed_kmh : float\n        Speed, km/h.\n", "")
    found = problems(fake_package(source))
    assert found == ["fakepkg.mod.move: Parameters does not name speed_kmh"]


def test_checker_fails_on_missing_sections(fake_package):
    source = _GOOD.split("    Parameters")[0] + '    """\n    return distance_m / speed_kmh\n'
    found = problems(fake_package(source))
    assert any("no Parameters section" in line for line in found)
    assert any("no Returns section" in line for line in found)


def test_checker_covers_methods_and_skips_private_and_self(fake_package):
    source = (
        "class Graph:\n"
        "    def route(self, origin, target):\n"
        '        """Route."""\n'
        "    def _hidden(self, a, b):\n"
        "        pass\n"
        "    def one(self, a):\n"
        "        return a\n"
        "def _private(a, b):\n"
        "    return a\n"
    )
    assert problems(fake_package(source)) == [
        "fakepkg.mod.Graph.route: no Parameters section (takes origin, target)"
    ]
