"""Scripted accessibility reports: one self-contained HTML page, CSV tables and a workbook.

>>> from jmgis.report import build_report
>>> build_report("out/report", year=2025, compare=2020)   # doctest: +SKIP

writes ``report.html`` (Chinese, opens offline: CSS inline, charts as PNG ``data:`` URIs,
relative links to the maps), ``tables/*.csv`` (UTF-8 with BOM) and ``report.xlsx`` (one
sheet per table).  All three print the same :class:`~jmgis.report.tables.Table` values.
"""

from __future__ import annotations

from jmgis.report.build import ReportResult, build_report
from jmgis.report.inputs import ReportInputs, load_inputs
from jmgis.report.tables import ReportTables, Table, build_tables

__all__ = [
    "ReportInputs",
    "ReportResult",
    "ReportTables",
    "Table",
    "build_report",
    "build_tables",
    "load_inputs",
]
