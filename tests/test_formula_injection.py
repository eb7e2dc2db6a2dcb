"""Names from data never run as formulas in the spreadsheets jmgis writes (OWASP "CSV
injection"): XLSX keeps them as text cells, CSV prefixes them with ``'``; numbers, negative
ones included, stay numbers."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from jmgis.io.shapefile import write_shapefiles
from jmgis.report import build_report
from jmgis.tabular import neutralise_cell, safe_csv
from tests.report_fixtures import fixture_inputs, fixture_townships

PAYLOADS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    codes = fixture_townships()["code"].astype(str).tolist()
    rename = dict(zip(codes[: len(PAYLOADS)], PAYLOADS, strict=True))
    inputs = fixture_inputs(rename=rename)
    # the last townships get slower in 2025, so that the report has negative minutes saved
    later = inputs.profiles[2025]
    columns = [c for c in later.columns if c.startswith("t_")]
    later.loc[later.index[-5:], columns] *= 1.5
    out = tmp_path_factory.mktemp("report")
    return build_report(out, inputs=inputs, map_files=[])


def _cells(path):
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_xlsx_has_no_formula_cell_and_keeps_the_names_as_typed(report):
    cells = _cells(report.xlsx)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    # XML parsers turn a bare CR into LF (openpyxl writes no _x000D_ escape), so that one
    # lead reads back as LF: still a text cell, never a formula.
    texts = {c.value.replace("\n", "\r") for c in cells if c.data_type == "s"}
    for payload in PAYLOADS:
        assert payload in texts, repr(payload)


def test_xlsx_numbers_stay_numeric_cells(report):
    numbers = [c.value for c in _cells(report.xlsx) if c.data_type == "n" and c.value is not None]
    assert numbers and all(isinstance(v, int | float) for v in numbers)
    # minutes saved by the slower townships
    assert any(v < 0 for v in numbers)


def _csv_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        # QUOTE_NONNUMERIC: unquoted fields come back as floats, quoted ones as text
        return list(csv.reader(handle, quoting=csv.QUOTE_NONNUMERIC))


def test_csv_neutralises_the_names(report):
    texts = set()
    for path in report.csv:
        for row in _csv_rows(path):
            for value in row:
                if isinstance(value, str) and value:
                    assert value[0] not in "=+-@\t\r" or _plain_number(value), (path, value)
                    texts.add(value)
    for payload in PAYLOADS:
        assert "'" + payload in texts, payload


def _plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_numbers_stay_numbers_negative_included(report):
    numbers = [
        v for p in report.csv for row in _csv_rows(p)[1:] for v in row if isinstance(v, float)
    ]
    assert numbers and any(v < 0 for v in numbers)


def test_safe_csv_quotes_text_and_leaves_numbers():
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "-3.5", "@cmd", "江门"],
            "minutes": [-3.5, 2.0, 0.0, 7.25],
            "n": [1, -2, 3, 4],
        }
    )
    buf = io.StringIO()
    safe_csv(frame, buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue()), quoting=csv.QUOTE_NONNUMERIC))
    assert rows[0] == ["name", "minutes", "n"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "-3.5", "'@cmd", "江门"]
    assert [r[1] for r in rows[1:]] == [-3.5, 2.0, 0.0, 7.25]
    assert [r[2] for r in rows[1:]] == [1.0, -2.0, 3.0, 4.0]


@pytest.mark.parametrize("value", [*PAYLOADS, "-", "=", "+86 750"])
def test_every_formula_lead_is_prefixed(value):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", [-3.5, 0, "-3.5", "+12", "1e-3", "江门=1", "a-b", None])
def test_numbers_and_other_text_are_unchanged(value):
    assert neutralise_cell(value) == value


def test_export_fields_csv_neutralises_column_names(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame({"code": ["1"], "=2+5": ["x"]}, geometry=[Point(113, 22.5)], crs=4490)
    written = write_shapefiles({"probe": frame}, tmp_path)
    fields = next(p for p in written if p.name.endswith(".csv"))
    with fields.open(encoding="utf-8-sig", newline="") as handle:
        values = [v for row in csv.reader(handle) for v in row]
    assert values and not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in values)
    assert "'=2+5" in values
