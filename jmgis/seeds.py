"""The plan documents (seeds) and ``file:line`` references into them.

The five documents are the specification of jmgis's data.  References are written
``<file>:<line>`` with the full file name; the short form ``000:1386`` (the document's
three-digit number) is accepted wherever a reference is read and expanded by
:func:`expand_ref`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from jmgis.errors import DataError
from jmgis.paths import seeds_dir

SEED_FILES: dict[str, str] = {
    "000": "000_6d1849548a3b7443.txt",
    "001": "001_945100733698d099.txt",
    "002": "002_9394dce41a311811.txt",
    "003": "003_ca6215b141ec9a21.txt",
    "004": "004_51a363e383b126b9.txt",
}

SEED_TITLES: dict[str, str] = {
    "000": "江门市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要",
    "001": "江门市蓬江区国民经济和社会发展第十四个五年规划和2035年远景目标纲要",
    "002": "江门市加快构建“三区并进”区域发展新格局（附件1 功能分区图表，附件2 重点任务分工表）",
    "003": "江门市西部发展区发展战略规划（2019—2035年）",
    "004": "江门高新区（江海区）新型城镇化“十四五”规划",
}

_REF = re.compile(r"^\s*(?P<file>[^:\s]+)\s*:\s*(?P<line>\d+)\s*$")


def parse_ref(ref: str) -> tuple[str, int]:
    """Split a reference into (full file name, 1-based line); raises ``ValueError``."""
    match = _REF.match(str(ref))
    if not match:
        raise DataError(f"not a file:line reference: {ref!r}", field="source")
    file, line = match["file"], int(match["line"])
    if file in SEED_FILES:
        file = SEED_FILES[file]
    elif file not in SEED_FILES.values():
        raise DataError(
            f"unknown plan document {file!r} in {ref!r}; known: {sorted(SEED_FILES)}",
            field="source",
        )
    if line < 1:
        raise DataError(f"line numbers start at 1: {ref!r}", field="source")
    return file, line


def expand_ref(ref: str) -> str:
    """``000:1386`` → ``000_6d1849548a3b7443.txt:1386`` (full references pass through)."""
    file, line = parse_ref(ref)
    return f"{file}:{line}"


@cache
def _read_lines(directory: str, name: str) -> tuple[str, ...]:
    return tuple((Path(directory) / name).read_text(encoding="utf-8").splitlines())


def seed_lines(file: str, directory: str | Path | None = None) -> tuple[str, ...]:
    """The lines (without newlines) of one plan document.

    Named by its full file name or its three-digit number.

    Raises
    ------
    FileNotFoundError
        When the seeds directory (``jmgis.paths.seeds_dir()`` unless ``directory`` is
        given) or the file is absent.

    Parameters
    ----------
    file : str
        The document's file name or three-digit number (``"007"``).
    directory : str, pathlib.Path or None
        The folder of plan documents (``jmgis.paths.seeds_dir()`` when ``None``).

    Returns
    -------
    tuple of str
        Its lines; line ``n`` is item ``n - 1``.
    """
    base = Path(directory) if directory is not None else seeds_dir()
    if base is None:
        raise FileNotFoundError(
            "the plan documents are not available: put them in ../shared/seeds beside the "
            "checkout or set JMGIS_SEEDS_DIR"
        )
    return _read_lines(str(base), SEED_FILES.get(file, file))


def seed_line(ref: str) -> str:
    """The text of the line a reference points at."""
    file, line = parse_ref(ref)
    lines = seed_lines(file)
    if line > len(lines):
        raise DataError(f"{ref}: {file} has only {len(lines)} lines", field="source")
    return lines[line - 1]
