"""References into the plan documents (the seeds): ``file:line``, and checks against them.

A reference names a seed file and a 1-based line: ``000_6d1849548a3b7443.txt:1386``.  In
hand-edited YAML the short form ``000:1386`` (the three-digit document number) is accepted
and expanded on load with :func:`expand_ref`.

The seeds hard-wrap their text and put a blank line between the wrapped pieces, so a name
can start at the end of the cited line and finish on the next non-blank line; the check
(:func:`line_mentions`) accepts a name that *starts* on the cited line and runs on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jmgis.errors import DataError
from jmgis.seeds import SEED_TITLES, seed_lines
from jmgis.seeds import parse_ref as _parse

# The document list and the reference syntax live in jmgis.seeds (shared with admin).
PLAN_TITLES = SEED_TITLES

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, order=True)
class SourceRef:
    """One reference: a seed file name and a 1-based line number."""

    file: str
    line: int

    @property
    def plan(self) -> str:
        """The three-digit document number (``"000"`` …)."""
        return self.file[:3]

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def parse_ref(ref: object) -> SourceRef:
    """Parse ``file:line`` or the short form ``000:1386``.

    Raises
    ------
    ValueError
        When the text is not ``file:line``, the document number is unknown or the line is
        not a positive integer.
    """
    if not isinstance(ref, str):
        raise DataError(f"a source reference must be text 'file:line', got {ref!r}", field="source")
    name, line = _parse(ref)
    return SourceRef(name, line)


def expand_ref(ref: str) -> str:
    """``'000:1386'`` → ``'000_6d1849548a3b7443.txt:1386'`` (full references pass unchanged)."""
    return str(parse_ref(ref))


def line_text(ref: str | SourceRef, directory: str | Path | None = None) -> str:
    """The text of the cited line; ``IndexError`` when the file is shorter.

    Parameters
    ----------
    ref : str or SourceRef
        A ``file:line`` reference.
    directory : str, pathlib.Path or None
        The folder of plan documents (``jmgis.paths.seeds_dir()`` when ``None``).

    Returns
    -------
    str
        The line, without its newline.
    """
    sref = ref if isinstance(ref, SourceRef) else parse_ref(ref)
    lines = seed_lines(sref.file, directory)
    if sref.line > len(lines):
        raise IndexError(f"{sref}: the file has only {len(lines)} lines")
    return lines[sref.line - 1]


def context(
    ref: str | SourceRef, directory: str | Path | None = None, *, span: int = 1
) -> list[tuple[int, str]]:
    """The cited line with ``span`` non-blank lines before and after: ``[(line_no, text)]``.

    Parameters
    ----------
    ref : str or SourceRef
        A ``file:line`` reference.
    directory : str, pathlib.Path or None
        The folder of plan documents (``jmgis.paths.seeds_dir()`` when ``None``).
    span : int
        Non-blank lines of context on each side.

    Returns
    -------
    list of tuple of (int, str)
        Line number (1-based) and text, in file order.
    """
    sref = ref if isinstance(ref, SourceRef) else parse_ref(ref)
    lines = seed_lines(sref.file, directory)
    picked = [(sref.line, lines[sref.line - 1])] if sref.line <= len(lines) else []
    before: list[tuple[int, str]] = []
    i = sref.line - 2
    while i >= 0 and len(before) < span:
        if lines[i].strip():
            before.append((i + 1, lines[i]))
        i -= 1
    after: list[tuple[int, str]] = []
    i = sref.line
    while i < len(lines) and len(after) < span:
        if lines[i].strip():
            after.append((i + 1, lines[i]))
        i += 1
    return [*reversed(before), *picked, *after]


def _squeeze(text: str) -> str:
    return _SPACES.sub("", text)


def line_mentions(
    ref: str | SourceRef, needles: list[str], directory: str | Path | None = None
) -> str | None:
    """The first of ``needles`` that the cited line mentions, or ``None``.

    Whitespace is ignored, and a needle may start on the cited line and continue on the
    next non-blank line (the seeds hard-wrap their text).

    Parameters
    ----------
    ref : str or SourceRef
        A ``file:line`` reference.
    needles : list of str
        Texts to look for (the row's name, aliases, quotes).
    directory : str, pathlib.Path or None
        The folder of plan documents (``jmgis.paths.seeds_dir()`` when ``None``).

    Returns
    -------
    str or None
        The needle found.
    """
    sref = ref if isinstance(ref, SourceRef) else parse_ref(ref)
    lines = seed_lines(sref.file, directory)
    if sref.line > len(lines):
        return None
    here = _squeeze(lines[sref.line - 1])
    following = ""
    for nxt in lines[sref.line : sref.line + 4]:
        if nxt.strip():
            following = _squeeze(nxt)
            break
    joined = here + following
    for needle in needles:
        wanted = _squeeze(needle)
        if not wanted:
            continue
        # the needle must start on the cited line itself, not on the continuation line
        if 0 <= joined.find(wanted) < len(here):
            return needle
    return None
