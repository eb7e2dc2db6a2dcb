"""Which data sources and licences a map's footer must name, read from the layers."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from jmgis.attribution import DATA_SOURCES

# (pattern in a ``source`` value, footer text).  Licences where the source requires one;
# one table with the GeoPackage's data_source table (jmgis.attribution).
SOURCE_NOTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (source.pattern, source.footer) for source in DATA_SOURCES
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
