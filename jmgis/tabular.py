"""Tables written for spreadsheets: no cell of data may run as a formula.

Excel, LibreOffice and Google Sheets evaluate a CSV field or an XLSX text that starts with
``=``, ``+``, ``-`` or ``@`` as a formula (and tab or carriage return may hide such a
lead), so a place name like ``=HYPERLINK("http://x","y")`` from a user's file would become
a live link or command in a planner's spreadsheet (OWASP "CSV injection").  Every CSV jmgis
writes goes through :func:`safe_csv` (or :func:`safe_csv_rows`), every XLSX through
:func:`text_cells_as_text`.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

# The leads OWASP lists: formula starts, and tab / CR that spreadsheets strip before them.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

# A plain number written as text ("-3.5", "+86") is not a formula in any spreadsheet.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet could evaluate as a formula.

    Parameters
    ----------
    value
        A cell value.

    Returns
    -------
    bool
        ``True`` for a ``str`` that starts with one of :data:`FORMULA_LEADS` and is not a
        plain decimal number; numbers and other types are never formula-like.
    """
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_LEADS)
        and not _PLAIN_NUMBER.fullmatch(value)
    )


def neutralise_cell(value: Any) -> Any:
    """``value`` made safe for a CSV cell, as OWASP recommends.

    Parameters
    ----------
    value
        A cell value.

    Returns
    -------
    object
        Formula-like text (:func:`is_formula_like`) with a single quote ``'`` prepended, so
        that a spreadsheet shows it as text (``=1+1`` → ``'=1+1``); anything else unchanged
        (numbers, including negative numbers, stay numbers).
    """
    return "'" + value if is_formula_like(value) else value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell neutralised.

    :func:`neutralise_cell` is applied to every text cell and to the column names; numeric columns
    are left as they are.

    Parameters
    ----------
    frame
        The table.

    Returns
    -------
    pandas.DataFrame
        The neutralised copy.
    """
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(neutralise_cell, na_action="ignore")
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def _atomic_write(path: Path, write: Any, encoding: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding=encoding, newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def safe_csv(
    frame: pd.DataFrame, target: str | Path | IO[str], *, encoding: str = "utf-8-sig"
) -> Path | None:
    """Write ``frame`` as CSV with no cell a spreadsheet would run as a formula.

    Text cells are neutralised (:func:`neutralise_frame`) and quoted, numbers are written
    unquoted so that a spreadsheet still reads them as numbers.  A file is written to a
    temporary name in its folder and renamed into place, so a reader never sees half of it.

    Parameters
    ----------
    frame
        The table; the index is not written.
    target
        A file path, or an open text stream (e.g. ``sys.stdout``).
    encoding
        Of a file; the default ``utf-8-sig`` (with BOM) makes Excel on Chinese Windows read
        UTF-8 instead of GBK.

    Returns
    -------
    Path or None
        The path written, ``None`` for a stream.
    """
    safe = neutralise_frame(frame)

    def write(handle: IO[str]) -> None:
        safe.to_csv(handle, index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")

    if hasattr(target, "write"):
        write(target)  # type: ignore[arg-type]
        return None
    return _atomic_write(Path(target), write, encoding)


def safe_csv_rows(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    path: str | Path,
    *,
    encoding: str = "utf-8-sig",
) -> Path:
    """:func:`safe_csv` for rows given as mappings (column → value).

    Parameters
    ----------
    rows
        The rows; missing keys are empty cells.
    columns
        The columns, in order.
    path
        The file to write.
    encoding
        See :func:`safe_csv`.

    Returns
    -------
    Path
        ``path``.
    """
    frame = pd.DataFrame(list(rows), columns=list(columns))
    written = safe_csv(frame, path, encoding=encoding)
    assert written is not None
    return written


def text_cells_as_text(workbook: Any) -> int:
    """Make every formula cell of an openpyxl ``workbook`` a text cell, in place.

    openpyxl stores any string that starts with ``=`` as a formula; jmgis writes no
    formulas, so each such cell is data and is turned back into text (its text kept as
    typed).  Other leads (``+``, ``-``, ``@``, tab, CR) are already text cells in XLSX,
    and numbers stay numeric cells.

    Parameters
    ----------
    workbook
        An ``openpyxl.Workbook`` about to be saved.

    Returns
    -------
    int
        How many cells were changed.
    """
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed
