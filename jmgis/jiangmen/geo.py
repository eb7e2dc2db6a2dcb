"""The Jiangmen profile and zone summaries as GeoDataFrames, ready to map and to merge.

``jm.profile(year)`` and ``jm.zone_summary(profile)`` (and ``jmgis.jiangmen.profile`` …)
are the functions of this module: the tables of
:mod:`jmgis.jiangmen.township_access` with the township (zone, county, city) geometry
and Chinese names joined, and times rounded to 0.1 minute for display.  The build keeps
using the plain tables of :mod:`jmgis.jiangmen.township_access` (its layers and CSVs are
registered column by column).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from jmgis.jiangmen import township_access as _tables

__all__ = ["profile", "round_minutes", "zone_summary"]

#: Township columns joined to the profile (besides the geometry).
TOWNSHIP_COLUMNS = ("county_name", "zone_code", "zone_name", "geometry_quality")


def round_minutes(frame: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """``frame`` with its minute columns (``*_min``) rounded to ``digits`` decimals.

    ``inf`` (unreachable) stays ``inf``; float noise such as ``3.1e-13`` becomes ``0.0``.

    Parameters
    ----------
    frame
        A table with ``t_<target>_min`` / ``mean_min`` / ``median_min`` columns (minutes).
    digits
        Decimals kept (default 1: 0.1 minute).

    Returns
    -------
    pandas.DataFrame
        A copy of the same type.
    """
    out = frame.copy()
    for column in out.columns:
        if str(column).endswith("_min") and pd.api.types.is_float_dtype(out[column]):
            out[column] = np.round(out[column].to_numpy(dtype=float), digits) + 0.0
    return out


def profile(year: int, *, G: nx.Graph | None = None, rounded: bool = True) -> gpd.GeoDataFrame:
    """Minutes from each township seat to every target, with the township polygons.

    Parameters
    ----------
    year
        Scenario year (2020–2035).
    G
        The network (default: the shared Jiangmen graph of ``year``).
    rounded
        Round the minutes to 0.1 (``False``: the engine's floats).

    Returns
    -------
    geopandas.GeoDataFrame
        73 rows (EPSG:4490): ``code``, ``name``, ``year``, ``t_<target>_min`` (minutes,
        ``inf`` = unreachable) as :func:`jmgis.jiangmen.township_access.profile`, then
        ``county_name``, ``zone_code``, ``zone_name``, ``geometry_quality`` and the
        township geometry.  ``.explore(column="t_city_gov_min")`` maps it.
    """
    from jmgis.admin import load_townships

    table = _tables.profile(year, G=G)
    towns = load_townships()[["code", *TOWNSHIP_COLUMNS, "geometry"]]
    towns = towns.assign(code=towns["code"].astype(str))
    merged = table.assign(code=table["code"].astype(str)).merge(towns, on="code", how="left")
    out = gpd.GeoDataFrame(merged, geometry="geometry", crs=towns.crs)
    return round_minutes(out) if rounded else out


def _group_shapes(by: str) -> gpd.GeoDataFrame:
    from jmgis.admin import load_city, load_counties, load_zones

    loader = {"zone": load_zones, "county": load_counties, "city": load_city}[by]
    shapes = loader()
    shapes = shapes.reset_index() if "code" not in shapes.columns else shapes
    return shapes[["code", "geometry"]].assign(code=lambda f: f["code"].astype(str))


def zone_summary(
    table: pd.DataFrame,
    population: pd.DataFrame | None = None,
    *,
    by: str = "zone",
    bands_min: Sequence[float] = _tables.DEFAULT_BANDS_MIN,
    rounded: bool = True,
) -> gpd.GeoDataFrame:
    """Population-weighted summary of a profile by zone, county or city, with geometry.

    Parameters
    ----------
    table
        A profile (:func:`profile`, one or more years concatenated).
    population
        Township population (default :func:`jmgis.jiangmen.load_population`).
    by
        ``zone`` (三区), ``county`` or ``city``.
    bands_min
        The ``share_within_<T>`` bands (minutes).
    rounded
        Minutes to 0.1 and shares to 0.001.

    Returns
    -------
    geopandas.GeoDataFrame
        The long table of :func:`jmgis.jiangmen.township_access.zone_summary` (one row per
        year × group × target) with each group's polygon (EPSG:4490).
    """
    plain = pd.DataFrame(table.drop(columns="geometry", errors="ignore"))
    summary = _tables.zone_summary(plain, population, by=by, bands_min=bands_min)
    shapes = _group_shapes(by)
    merged = summary.assign(group_code=summary["group_code"].astype(str)).merge(
        shapes.rename(columns={"code": "group_code"}), on="group_code", how="left"
    )
    out = gpd.GeoDataFrame(merged, geometry="geometry", crs=shapes.crs)
    if rounded:
        out = round_minutes(out)
        for column in [c for c in out.columns if str(c).startswith("share_within_")]:
            out[column] = out[column].astype(float).round(3)
    return out
