"""CSV (UTF-8 with BOM, so Excel opens the Chinese correctly) and XLSX writers.

No cell runs as a formula in a spreadsheet (:mod:`jmgis.tabular`), and with
``SOURCE_DATE_EPOCH`` set the XLSX bytes do not depend on the clock (:mod:`jmgis.buildtime`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter as OpenpyxlWriter

from jmgis.atomic import atomic_write_bytes
from jmgis.buildtime import build_time, normalise_zip
from jmgis.report.labels import column_label
from jmgis.report.tables import Table
from jmgis.tabular import safe_csv, text_cells_as_text

ABOUT_SHEET = "说明"


def write_csv(tables: Sequence[Table], directory: str | Path) -> list[Path]:
    """``directory/<key>.csv`` per table; returns the paths.

    Parameters
    ----------
    tables : Sequence of Table
        The tables.
    directory : str or pathlib.Path
        The folder (created if missing).

    Returns
    -------
    list of pathlib.Path
        The CSVs written (UTF-8 with BOM).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in tables:
        path = directory / f"{table.key}.csv"
        safe_csv(table.frame, path)
        paths.append(path)
    return paths


def _about(tables: Sequence[Table]) -> pd.DataFrame:
    rows = []
    for table in tables:
        for col in table.frame.columns:
            rows.append(
                {
                    "sheet": table.key,
                    "title": table.title,
                    "title_en": table.title_en,
                    "column": col,
                    "label": column_label(str(col)),
                }
            )
    return pd.DataFrame(rows)


def write_xlsx(tables: Sequence[Table], path: str | Path) -> Path:
    """One sheet per table (named by its key), and a first sheet ``说明``.

    ``说明`` gives the title of every sheet and the Chinese label of every column.

    Each table sheet has two header rows: the Chinese label of every column (row 1, what a
    reader sees) and its ASCII key (row 2, the CSV's header, what formulas and scripts
    refer to); the data starts in row 3.

    Parameters
    ----------
    tables : Sequence of Table
        The tables.
    path : str or pathlib.Path
        The workbook (written atomically).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = [t.key for t in tables]
    too_long = [k for k in keys if len(k) > 31]
    if too_long or len(set(keys)) != len(keys):
        raise ValueError(f"sheet names must be unique and ≤ 31 characters: {keys}")
    # The sheets are laid out through pandas, but saved below with openpyxl's writer
    # directly: its save_workbook would stamp the current time as ``modified``.
    writer = pd.ExcelWriter(io.BytesIO(), engine="openpyxl")
    _about(tables).to_excel(writer, sheet_name=ABOUT_SHEET, index=False)
    for table in tables:
        table.frame.to_excel(writer, sheet_name=table.key, index=False, startrow=1)
        sheet = writer.sheets[table.key]
        sheet.freeze_panes = "A3"
        for i, col in enumerate(table.frame.columns):
            label = column_label(str(col))
            sheet.cell(1, i + 1, label).font = Font(bold=True)
            width = (
                max(len(str(col)), 2 * len(label), *(len(str(v)) for v in table.frame[col]))
                if len(table.frame)
                else len(str(col))
            )
            sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(
                max(8, width + 2), 60
            )
    text_cells_as_text(writer.book)
    _stamp(writer.book)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        OpenpyxlWriter(writer.book, archive).save()
    atomic_write_bytes(path, normalise_zip(buffer.getvalue()))
    return path


def _stamp(book: Any) -> None:
    """Core properties (created, modified) from the build clock."""
    when = build_time().replace(tzinfo=None, microsecond=0)
    book.properties.created = when
    book.properties.modified = when
    book.properties.creator = "jmgis"
