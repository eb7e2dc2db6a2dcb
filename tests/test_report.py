"""The accessibility report: HTML, CSV and XLSX agree; the page is self-contained and safe.

The inputs are the FIXTURES of ``tests/report_fixtures.py`` (synthetic minutes on the real
townships), so these tests do not depend on the accessibility engine.
"""

from __future__ import annotations

import base64
import csv
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from jmgis.errors import DataError
from jmgis.report import build_report, build_tables
from jmgis.report.labels import UNREACHABLE
from tests.report_fixtures import fixture_inputs


class _Tables(HTMLParser):
    """Every ``<table data-key=…>`` of a page as a list of rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-key" in attrs:
            self._key = attrs["data-key"]
            self.tables[self._key] = []
        elif tag == "tr" and self._key:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._key].append(self._row)
            self._row = None
        elif tag == "table":
            self._key = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def norm(value: object) -> object:
    """A cell as a number when it is one (so 12.0, '12.0' and 12 compare equal)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        return text


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    maps = out / "maps"
    maps.mkdir()
    (maps / "access.html").write_text("<html>fixture map</html>", encoding="utf-8")
    result = build_report(
        out, year=2025, compare=2020, inputs=fixture_inputs(), map_files=[maps / "access.html"]
    )
    return result


def test_writes_html_xlsx_and_one_csv_per_table(report):
    assert report.html.name == "report.html" and report.html.stat().st_size > 0
    keys = {p.stem for p in report.csv}
    assert {"zone_overview", "worst_served", "scenario_zone", "scenario_township"} <= keys
    assert {f"townships_{z}" for z in ("core", "bay", "eco")} <= keys
    assert {f"access_{z}" for z in ("core", "bay", "eco")} <= keys
    book = openpyxl.load_workbook(report.xlsx, read_only=True)
    assert keys <= set(book.sheetnames)


def test_csv_is_utf8_with_bom(report):
    for path in report.csv:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path
    text = (report.html.parent / "tables" / "townships_core.csv").read_text("utf-8-sig")
    assert "蓬江区" in text


def assert_tables_agree(result) -> None:
    """Every HTML table equals its CSV file and its XLSX sheet, cell by cell."""
    page = html_tables(result.html)
    book = openpyxl.load_workbook(result.xlsx, read_only=True)
    assert set(page) == {p.stem for p in result.csv}
    for path in result.csv:
        with open(path, encoding="utf-8-sig", newline="") as f:
            csv_rows = list(csv.reader(f))
        xlsx_rows = [list(r) for r in book[path.stem].iter_rows(values_only=True)]
        html_rows = page[path.stem]
        assert len(html_rows) == len(csv_rows) == len(xlsx_rows) - 1, path.stem
        # Headers: the CSV carries the column keys; XLSX the Chinese labels the HTML shows
        # (row 1) above the keys (row 2).
        assert csv_rows[0] == [str(c) for c in xlsx_rows[1]]
        assert [norm(v) for v in html_rows[0]] == [norm(v) for v in xlsx_rows[0]], path.stem
        for i, (h, c, x) in enumerate(zip(html_rows[1:], csv_rows[1:], xlsx_rows[2:])):
            assert [norm(v) for v in h] == [norm(v) for v in c], (path.stem, i)
            assert [norm(v) for v in x] == [norm(v) for v in c], (path.stem, i)


def assert_self_contained(path: Path) -> list[str]:
    """Nothing in the page loads from elsewhere; returns the relative links."""
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert "url(" not in text.split("</style>")[0]
    # URLs may appear only as the text of a cited source, never as an address to load
    assert not re.search(r"""(src|href|action|srcset)\s*=\s*["']?(https?:|ftp:|//)""", text)
    srcs = re.findall(r'src="([^"]*)"', text)
    assert srcs, "the report has charts"
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    hrefs = re.findall(r'href="([^"#][^"]*)"', text)
    assert all((path.parent / h).exists() for h in hrefs)
    return hrefs


def test_html_tables_equal_csv_and_xlsx(report):
    assert_tables_agree(report)


def test_page_is_self_contained(report):
    text = report.html.read_text(encoding="utf-8")
    assert not re.search(r"https?://", text)  # the fixture cites no web page
    assert assert_self_contained(report.html) == ["maps/access.html"]


def test_zone_shares_follow_from_the_township_tables(report):
    """Population and the share within 60 minutes, recomputed from the township tables."""
    tables = report.html.parent / "tables"
    overview = pd.read_csv(tables / "zone_overview.csv", encoding="utf-8-sig")
    for zone in ("core", "bay", "eco"):
        towns = pd.read_csv(tables / f"townships_{zone}.csv", encoding="utf-8-sig")
        row = overview[overview["zone_code"] == zone].iloc[0]
        assert row["townships"] == len(towns)
        assert row["population"] == towns["population"].sum()
        minutes = pd.to_numeric(towns["t_city_gov_min"], errors="coerce")
        within = towns.loc[minutes <= 60, "population"].sum() / towns["population"].sum()
        # The township table shows minutes rounded to 0.1; a seat within 0.05 of the
        # threshold could fall either side, which the fixture does not produce.
        assert row["city_gov_pct_60"] == pytest.approx(100 * within, abs=0.05)
    total = overview[overview["zone_code"] == "all"].iloc[0]
    assert total["townships"] == 73


def test_unreachable_is_shown_and_counted(report):
    tables = report.html.parent / "tables"
    inputs = fixture_inputs()
    before = inputs.profiles[2020].set_index("code")["t_port_min"]
    lost = before[np.isinf(before)].index
    towns = pd.concat(
        pd.read_csv(tables / f"townships_{z}.csv", encoding="utf-8-sig", dtype={"code": str})
        for z in ("core", "bay", "eco")
    )
    assert not (towns["t_port_min"] == UNREACHABLE).any()  # reachable in 2025
    scen = pd.read_csv(tables / "scenario_township.csv", encoding="utf-8-sig", dtype={"code": str})
    port = scen[scen["target"] == "port"].set_index("code")
    assert set(port.loc[port["min_2020"] == UNREACHABLE].index) == set(lost)
    assert (port.loc[list(lost), "saved_min"] == "新增可达").all()


def test_scenario_rows_carry_the_change_and_its_projects(report):
    tables = report.html.parent / "tables"
    scen = pd.read_csv(tables / "scenario_township.csv", encoding="utf-8-sig", dtype={"code": str})
    numeric = scen[pd.to_numeric(scen["saved_min"], errors="coerce").notna()]
    before = pd.to_numeric(numeric["min_2020"])
    after = pd.to_numeric(numeric["min_2025"])
    saved = pd.to_numeric(numeric["saved_min"])
    assert (abs(before - after - saved) <= 0.11).all()
    assert (saved != 0).all()
    inputs = fixture_inputs()
    attributed = set(inputs.changes["code"])
    assert set(numeric["code"]) <= attributed  # only the faster half changed
    assert (numeric["projects"] == "fixture_project_a").all()


def test_worst_served_ranks_unreachable_and_longest_first(report):
    tables = report.html.parent / "tables"
    worst = pd.read_csv(tables / "worst_served.csv", encoding="utf-8-sig")
    assert list(worst["rank"]) == list(range(1, len(worst) + 1))
    values = [math.inf if v == UNREACHABLE else float(v) for v in worst["headline_mean_min"]]
    assert values == sorted(values, reverse=True)
    every = pd.concat(
        pd.read_csv(tables / f"townships_{z}.csv", encoding="utf-8-sig")
        for z in ("core", "bay", "eco")
    )
    headline = every[["t_city_gov_min", "t_hsr_station_min", "t_guangzhou_min"]].mean(axis=1)
    assert values[-1] >= headline.nlargest(len(worst)).min() - 0.1


def test_values_from_data_are_escaped(tmp_path):
    evil = '<script>alert("x")</script>&"\''
    inputs = fixture_inputs(rename={"440703002": evil})
    result = build_report(tmp_path, inputs=inputs, map_files=[])
    text = result.html.read_text(encoding="utf-8")
    assert "<script" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#x27;" in text
    assert "<b>甲</b>" not in text  # the fixture project name
    cells = [c for rows in html_tables(result.html).values() for r in rows for c in r]
    assert evil in cells  # and it reads back as the same text


def test_zone_selection(tmp_path):
    result = build_report(tmp_path, zones="core,生态发展区", compare=None, inputs=fixture_inputs())
    keys = {p.stem for p in result.csv}
    assert keys == {
        "zone_overview",
        "access_core",
        "townships_core",
        "access_eco",
        "townships_eco",
        "worst_served",
    }
    overview = pd.read_csv(result.csv[0], encoding="utf-8-sig")
    assert list(overview["zone_code"]) == ["core", "eco", "all"]


def test_bad_inputs_name_the_feature(tmp_path):
    inputs = fixture_inputs()
    inputs.population.iloc[3] = np.nan
    with pytest.raises(DataError, match=inputs.population.index[3]):
        inputs.validate()
    inputs = fixture_inputs()
    inputs.profiles[2025] = inputs.profiles[2025].iloc[1:]
    with pytest.raises(DataError, match="missing from the profile"):
        build_report(tmp_path, inputs=inputs)
    assert not (tmp_path / "report.html").exists()
    inputs = fixture_inputs()
    inputs.profiles[2020].loc[5, "t_city_gov_min"] = np.nan
    with pytest.raises(DataError, match="t_city_gov_min"):
        inputs.validate()
    with pytest.raises(DataError, match="unknown zone"):
        build_tables(fixture_inputs(), 2025, zones="core,harbour")


def test_charts_fall_back_to_english_without_a_cjk_font(monkeypatch, tmp_path):
    from jmgis.report import charts

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="CJK font"):
        result = build_report(tmp_path, inputs=fixture_inputs(), map_files=[])
    assert result.html.read_text(encoding="utf-8").count("data:image/png;base64,") >= 3


@pytest.mark.slow
def test_report_of_the_real_profile(tmp_path):
    """The report of the bundled data: tables agree, nothing external, every zone there."""
    from jmgis.report.inputs import load_inputs

    inputs = load_inputs(2025, 2020)
    result = build_report(tmp_path, year=2025, compare=2020, inputs=inputs, map_files=[])
    assert_tables_agree(result)
    assert assert_self_contained(result.html) == []
    overview = pd.read_csv(tmp_path / "tables" / "zone_overview.csv", encoding="utf-8-sig")
    assert list(overview["townships"]) == [36, 16, 21, 73]
    assert overview["population"].iloc[-1] == round(inputs.population.sum())
    projects = pd.read_csv(tmp_path / "tables" / "scenario_township.csv", encoding="utf-8-sig")
    assert projects["projects"].notna().any()  # changes are attributed to projects


def test_maps_are_written_beside_and_linked(tmp_path):
    """With layers, the report writes the access and scenario maps of its own years."""
    from jmgis import admin

    inputs = fixture_inputs()
    result = build_report(tmp_path, inputs=inputs, layers=admin.layers())
    links = assert_self_contained(result.html)
    assert "maps/access.html" in links and "maps/scenario.html" in links
    assert {p.name for p in result.maps} >= {"access.html", "scenario.html", "zones.html"}
    access_page = (tmp_path / "maps" / "access.html").read_text(encoding="utf-8")
    assert "2025" in access_page and inputs.townships["code"].iloc[0] in access_page


def test_single_file_embeds_the_maps_so_the_page_stands_alone(tmp_path):
    import html as html_module
    import re

    maps = tmp_path / "maps"
    maps.mkdir()
    page = '<html><body><p data-x="1">地图 "江门" & <b>x</b></p></body></html>'
    (maps / "access.html").write_text(page, encoding="utf-8")
    result = build_report(
        tmp_path / "r", inputs=fixture_inputs(), map_files=[maps / "access.html"], single_file=True
    )
    text = result.html.read_text(encoding="utf-8")
    assert 'href="../maps/access.html"' not in text
    frames = re.findall(r'<iframe class="jm-map"[^>]*srcdoc="([^"]*)"', text)
    assert [html_module.unescape(f) for f in frames] == [page]


def test_chart_labels_that_would_overlap_are_wrapped_or_slanted():
    import matplotlib
    from matplotlib.figure import Figure

    from jmgis.fonts import font_settings
    from jmgis.report.charts import fit_xlabels, label_overlaps

    stack = matplotlib.rc_context(font_settings())
    stack.__enter__()
    fig = Figure(figsize=(4, 2))
    ax = fig.subplots()
    names = [f"江门站至广州南站高速铁路{i}号线" for i in range(8)]
    ax.bar(range(len(names)), range(len(names)))
    ax.set_xticks(range(len(names)), names)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    assert label_overlaps(fig, ax) > 0  # the case the fix is for
    fit_xlabels(fig, ax)
    assert label_overlaps(fig, ax) == 0
    stack.__exit__(None, None, None)


def test_report_cli_passes_single_file(monkeypatch, tmp_path):
    from jmgis import cli, report

    seen = {}

    def fake_build_report(out, **kwargs):
        seen.update(kwargs)
        raise SystemExit(0)

    monkeypatch.setattr(report, "build_report", fake_build_report)
    args = cli.build_parser().parse_args(
        ["report", "--no-maps", "--single-file", "--out", str(tmp_path)]
    )
    with pytest.raises(SystemExit):
        args.func(args)
    assert seen["single_file"] is True
