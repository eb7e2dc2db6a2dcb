"""Accessibility maps.

Townships by travel time (planners' breaks 15/30/45/60/90 min), isochrones, the travel-time
raster as an image overlay, and the scenario change map.

The township table (``access_township``, written by :mod:`jmgis.jiangmen.outputs`) has one
row per township and scenario year: ``code``, ``year`` and time columns in minutes,
``t_<target>_min`` (``inf`` = unreachable); the map shows ``t_city_gov_min`` first (see
:data:`VALUE_COLUMNS`) and offers the others in a drop-down.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from jmgis import style
from jmgis.errors import DataError
from jmgis.layers import registry
from jmgis.maps.basemap import (
    SURROUNDINGS,
    add_county_lines,
    add_offline_base,
    datum_for,
    fit_to,
    new_map,
)
from jmgis.maps.display import layer_name
from jmgis.maps.features import ValueSelector, add_styled_layer, geojson_children
from jmgis.maps.furniture import Legend, LegendEntry, add_controls, add_footer, add_title
from jmgis.maps.sources import footer_sources

if TYPE_CHECKING:
    from jmgis.access.raster import Grid

#: Columns tried, in order, for the headline township travel time in minutes
#: (``t_city_gov_min``: to the city government, jmgis.jiangmen.township_access).
VALUE_COLUMNS = ("t_city_gov_min", "minutes", "time_min", "nearest_min", "mean_min")
_TARGET_COLUMN = re.compile(r"^t_(?P<target>\w+)_min$")
TOWNSHIP_FIELDS = ("name", "county_name", "zone_name")


def value_column(table: pd.DataFrame, value: str | None = None) -> str:
    """The travel-time column of ``table`` (``value`` if given, else the first known one).

    Parameters
    ----------
    table : pandas.DataFrame
        Travel times by township and year (``t_<target>_min``, minutes).
    value : str or None
        The travel-time column shown.

    Returns
    -------
    str
        The column name.
    """
    if value is not None:
        if value not in table.columns:
            raise DataError(f"no column {value!r} in the accessibility table", field=value)
        return value
    for name in VALUE_COLUMNS:
        if name in table.columns:
            return name
    raise DataError(
        f"the accessibility table has none of the time columns {VALUE_COLUMNS}; "
        f"it has {list(table.columns)}",
        field="minutes",
    )


def target_columns(table: pd.DataFrame) -> list[str]:
    """All ``t_<target>_min`` time columns of the table, in table order."""
    return [c for c in table.columns if _TARGET_COLUMN.match(str(c))]


def column_label(column: str) -> str:
    """Chinese label of a time column: the registry alias without its unit (至市政府)."""
    spec = registry().get("access_township")
    alias = spec.aliases.get(column) if spec else None
    if not alias:
        return "出行时间"
    return re.sub(r"（分钟）$", "", alias)


def _years(table: pd.DataFrame) -> list[int]:
    if "year" not in table.columns:
        raise DataError("the accessibility table has no 'year' column", field="year")
    return sorted(int(y) for y in table["year"].dropna().unique())


def township_minutes(
    townships: gpd.GeoDataFrame, table: pd.DataFrame, year: int, value: str
) -> gpd.GeoDataFrame:
    """Townships with the ``minutes`` of ``year`` (NaN where the table has no row).

    Parameters
    ----------
    townships : geopandas.GeoDataFrame
        The township polygons (``code``, ``zone_code``).
    table : pandas.DataFrame
        Travel times by township and year (``t_<target>_min``, minutes).
    year : int
        Scenario year shown.
    value : str
        The travel-time column shown.

    Returns
    -------
    geopandas.GeoDataFrame
        The townships with a ``minutes`` column.
    """
    rows = table[table["year"].astype(int) == int(year)]
    duplicated = rows["code"][rows["code"].duplicated()]
    if len(duplicated):
        raise DataError(
            f"two rows for township {duplicated.iloc[0]} in year {year}",
            feature=duplicated.iloc[0],
            field="code",
        )
    unknown = set(rows["code"].astype(str)) - set(townships["code"].astype(str))
    if unknown:
        raise DataError(
            f"unknown township code(s) {sorted(unknown)[:5]} in the accessibility table",
            feature=sorted(unknown)[0],
            field="code",
        )
    minutes = rows.set_index(rows["code"].astype(str))[value].astype(float)
    out = townships.copy()
    out["minutes"] = out["code"].astype(str).map(minutes).to_numpy(float)
    out.loc[~np.isfinite(out["minutes"]), "minutes"] = np.nan
    return out


def access_entries() -> list[LegendEntry]:
    """The legend rows of the travel-time classes, plus no data/unreachable."""
    rows = [LegendEntry(label, color) for label, color in style.access_classes()]
    rows.append(LegendEntry("无数据/不可达", style.ACCESS_NODATA_COLOR))
    return rows


def add_access_selector(
    m: folium.Map,
    townships: gpd.GeoDataFrame,
    table: pd.DataFrame,
    *,
    year: int,
    value: str,
    label: str,
    datum: str = "wgs84",
) -> folium.FeatureGroup:
    """Townships coloured by minutes, with a drop-down of what the minutes are.

    ``value`` in every scenario year, and the table's other destinations (``t_<target>_min``) in
    ``year``.  One layer and one legend (the breaks are the same for all).

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    townships : geopandas.GeoDataFrame
        The township polygons (``code``, ``zone_code``).
    table : pandas.DataFrame
        Travel times by township and year (``t_<target>_min``, minutes).
    year : int
        Scenario year shown.
    value : str
        The travel-time column shown.
    label : str
        The legend title of the minutes.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    options = [(y, value, f"{y}年 {label}") for y in _years(table)]
    options += [
        (year, column, f"{year}年 {column_label(column)}")
        for column in target_columns(table)
        if column != value
    ]
    default = next(i for i, (y, c, _l) in enumerate(options) if y == year and c == value)
    shown = townships.copy()
    extra: dict[str, list] = {}
    for i, (y, column, _label) in enumerate(options):
        minutes = township_minutes(townships, table, y, column)["minutes"].to_numpy()
        extra[f"m{i}"] = list(minutes)
        extra[f"c{i}"] = [style.access_color(v) for v in minutes]
        if i == default:
            shown["minutes"] = minutes
    extra["what"] = [options[default][2]] * len(shown)
    group = add_styled_layer(
        m,
        shown,
        name="镇街出行时间",
        layer="township",
        style_of=lambda row: {"color": style.access_color(row["minutes"]), "fill_opacity": 0.75},
        tooltip=["name", "county_name", "zone_name", "what", "minutes"],
        popup=["name", "code", "county_name", "what", "minutes"],
        extra=extra,
        datum=datum,
        class_name="jm-access",
        fill=True,
        highlight=False,
    )
    Legend(group, "出行时间", access_entries()).add_to(m)
    geojson = geojson_children(group)[0]
    ValueSelector(
        geojson, [o[2] for o in options], default, field="minutes", title="年份与目的地"
    ).add_to(m)
    return group


def add_isochrones(
    m: folium.Map, isochrones: gpd.GeoDataFrame, *, year: int | None, datum: str = "wgs84"
) -> list[folium.FeatureGroup]:
    """Isochrone bands.

    One unticked layer per origin (largest band first, so the inner bands stay visible); one
    legend for all.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    isochrones : geopandas.GeoDataFrame
        The isochrone layer (``origin``, ``band_min``).
    year : int or None
        Scenario year shown.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    list[folium.FeatureGroup]
        The layers added to ``m``.
    """
    iso = isochrones
    if year is not None and "year" in iso.columns:
        iso = iso[iso["year"].astype(int) == int(year)]
    iso = iso[iso.geometry.notna() & ~iso.geometry.is_empty]
    if iso.empty:
        return []
    bands = sorted(iso["band_min"].astype(float).unique())
    entries = [LegendEntry(f"≤ {b:g} 分钟", style.access_color(b), opacity=0.5) for b in bands]
    origins = iso["origin_name"] if "origin_name" in iso.columns else pd.Series("", index=iso.index)
    groups = []
    for origin in dict.fromkeys(origins.astype(str)):
        part = iso[origins.astype(str) == origin].sort_values("band_min", ascending=False)
        groups.append(
            add_styled_layer(
                m,
                part,
                name=f"等时圈：{origin}" if origin else "等时圈",
                style_of=lambda row: {
                    "color": style.access_color(float(row["band_min"])),
                    "fill_opacity": 0.35,
                },
                tooltip=["origin_name", "band_min"],
                popup=["origin_name", "band_min", "area_km2", "note", "source"],
                datum=datum,
                show=False,
                class_name="jm-isochrone",
                fill=True,
                simplify_deg=0.0005,
            )
        )
    Legend(groups, "等时圈", entries).add_to(m)
    return groups


def raster_rgba(minutes: np.ndarray, nodata: float | None = None) -> np.ndarray:
    """Colour a minutes image with the access breaks.

    NaN and ``nodata`` (outside the land) are transparent; ``inf`` (land too far from the
    network, or no path) is grey, not "> 90 min": it is unknown, not slow.

    Parameters
    ----------
    minutes : numpy.ndarray
        Travel times (minutes), any shape.
    nodata : float or None
        Value of cells without data (drawn transparent).

    Returns
    -------
    numpy.ndarray
        ``(…, 4)`` uint8 RGBA image.
    """
    rgba = np.zeros((*minutes.shape, 4), dtype=np.uint8)
    valid = ~np.isnan(minutes)
    if nodata is not None:
        valid &= minutes != nodata
    valid &= minutes >= 0
    unreachable = valid & np.isinf(minutes)
    grey = [int(style.ACCESS_NODATA_COLOR[i : i + 2], 16) for i in (1, 3, 5)]
    rgba[unreachable] = [*grey, 160]
    valid &= ~unreachable
    lower = -np.inf
    colours = [*style.ACCESS_COLORS, style.ACCESS_BEYOND_COLOR]
    uppers = [*style.ACCESS_BREAKS_MIN, np.inf]
    for upper, colour in zip(uppers, colours, strict=True):
        band = valid & (minutes > lower) & (minutes <= upper)
        rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        rgba[band] = [*rgb, 200]
        lower = upper
    return rgba


def add_raster(
    m: folium.Map,
    raster: str | Path | tuple[np.ndarray, Grid],
    *,
    datum: str = "wgs84",
    name: str = "出行时间栅格",
) -> folium.FeatureGroup:
    """The travel-time raster (GeoTIFF path or ``(image, grid)``) as an image overlay.

    The image is warped to Web Mercator so it lines up with the vector layers; with the
    Gaode basemap its bounds are shifted by the GCJ-02 offset at the image centre (the
    offset varies by < 50 m across Jiangmen, under one 250 m cell).

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    raster : str or Path or tuple[numpy.ndarray, Grid]
        A GeoTIFF of minutes, or ``(image, grid)`` from
        :func:`jmgis.access.travel_time_raster`.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    name : str
        The layer name in the layer control.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    if isinstance(raster, str | Path):
        with rasterio.open(raster) as src:
            image = src.read(1).astype(np.float32)
            transform, crs, nodata = src.transform, src.crs, src.nodata
    else:
        image, grid = raster
        image = np.asarray(image, dtype=np.float32)
        transform, crs, nodata = grid.transform, grid.crs, -9999.0
    height, width = image.shape
    left, top = transform.c, transform.f
    right, bottom = left + transform.a * width, top + transform.e * height
    dst_crs = "EPSG:3857"
    dst_transform, dst_w, dst_h = calculate_default_transform(
        crs, dst_crs, width, height, left, bottom, right, top
    )
    warped = np.full((dst_h, dst_w), np.nan, dtype=np.float32)
    source = np.where(image == nodata, np.nan, image) if nodata is not None else image
    reproject(
        source,
        warped,
        src_transform=transform,
        src_crs=crs,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        resampling=Resampling.nearest,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    w, s, e, n = transform_bounds(
        dst_crs,
        "EPSG:4326",
        dst_transform.c,
        dst_transform.f + dst_transform.e * dst_h,
        dst_transform.c + dst_transform.a * dst_w,
        dst_transform.f,
    )
    if datum == "gcj02":
        from jmgis.crs import wgs84_to_gcj02

        cx, cy = (w + e) / 2, (s + n) / 2
        gx, gy = wgs84_to_gcj02(cx, cy)
        dx, dy = float(gx) - cx, float(gy) - cy
        w, e, s, n = w + dx, e + dx, s + dy, n + dy
    # Leaflet draws every SVG vector (z-index 200 inside the overlay pane) above image
    # overlays, and the offline base is an opaque SVG: the raster needs its own pane.
    folium.map.CustomPane("jm-raster", z_index=450, pointer_events=False).add_to(m)
    group = folium.FeatureGroup(name=layer_name(name), show=False)
    folium.raster_layers.ImageOverlay(
        raster_rgba(warped),
        bounds=[[s, w], [n, e]],
        mercator_project=False,
        opacity=0.8,
        interactive=False,
        class_name="jm-raster",
        pane="jm-raster",
    ).add_to(group)
    group.add_to(m)
    entries = access_entries()[:-1]
    entries.append(LegendEntry("离路网过远/不可达", style.ACCESS_NODATA_COLOR))
    Legend(group, name, entries).add_to(m)
    return group


def access_map(
    layers: Mapping[str, pd.DataFrame],
    *,
    year: int | None = None,
    value: str | None = None,
    label: str | None = None,
    raster: str | Path | tuple[np.ndarray, Grid] | None = None,
    raster_name: str | None = None,
    basemap: str = "none",
    title: str | None = None,
    review_no: str | None = None,
) -> folium.Map:
    """Townships by travel time for each scenario year, isochrones and the raster.

    Parameters
    ----------
    layers
        ``township`` and ``access_township`` (code, year, minutes); optional
        ``isochrone`` (origin_name, band_min[, year]), ``county``, ``city``.
    year
        The year shown first (default the last year of the table).
    value
        Time column of ``access_township`` (default the first of VALUE_COLUMNS).
    raster
        Travel-time raster in minutes: a GeoTIFF path or ``(image, grid)``.
    label : str or None
        The legend title of the minutes (derived from ``value`` when ``None``).
    raster_name : str or None
        Layer name of the raster.
    basemap : str
        The basemap (see :data:`jmgis.vocab.BASEMAPS`).
    title : str or None
        The map title (a default per map when ``None``).
    review_no : str or None
        The map review number (审图号) to print, if any.

    Returns
    -------
    folium.Map
        The map.
    """
    townships, table = layers["township"], layers["access_township"]
    value = value_column(table, value)
    label = label or column_label(value)
    years = _years(table)
    shown = int(year) if year is not None else years[-1]
    if shown not in years:
        raise DataError(f"no accessibility rows for {shown}; years: {years}", field="year")
    datum = datum_for(basemap)
    m = new_map(basemap)
    counties, city = layers.get("county"), layers.get("city")
    if basemap == "none":
        add_offline_base(m, city, counties, datum=datum, surroundings=layers.get(SURROUNDINGS))
    add_access_selector(m, townships, table, year=shown, value=value, label=label, datum=datum)
    iso = layers.get("isochrone")
    if iso is not None and len(iso):
        add_isochrones(m, iso, year=shown, datum=datum)
    if raster is not None:
        add_raster(m, raster, datum=datum, name=raster_name or "出行时间栅格")
    if counties is not None and len(counties):
        add_county_lines(m, counties, datum=datum)
    add_title(
        m,
        title or "江门市镇街出行时间",
        "示意图 · 右上角选择年份与目的地 · 分级：15/30/45/60/90 分钟",
    )
    add_footer(
        m, footer_sources([townships, counties, city, table]), review_no=review_no, datum=datum
    )
    add_controls(m)
    fit_to(m, townships, datum=datum)
    return m


def scenario_map(
    layers: Mapping[str, pd.DataFrame],
    *,
    year_from: int | None = None,
    year_to: int | None = None,
    value: str | None = None,
    basemap: str = "none",
    title: str | None = None,
    review_no: str | None = None,
) -> folium.Map:
    """Minutes saved per township between two scenario years (positive = faster).

    Defaults: the first and the last year of ``access_township``.

    Parameters
    ----------
    layers : Mapping[str, pandas.DataFrame]
        Layers by name (EPSG:4490).
    year_from : int or None
        The earlier year (default the first in the table).
    year_to : int or None
        The later year (default the last).
    value : str or None
        The travel-time column shown.
    basemap : str
        The basemap name (see :data:`jmgis.vocab.BASEMAPS`).
    title : str or None
        The map title.
    review_no : str or None
        The map review number (审图号) to print, if any.

    Returns
    -------
    folium.Map
        The map.
    """
    townships, table = layers["township"], layers["access_township"]
    value = value_column(table, value)
    years = _years(table)
    y0 = int(year_from) if year_from is not None else years[0]
    y1 = int(year_to) if year_to is not None else years[-1]
    for y in (y0, y1):
        if y not in years:
            raise DataError(f"no accessibility rows for {y}; years: {years}", field="year")
    if y0 == y1:
        raise DataError(f"the scenario map compares two different years, got {y0} twice")
    before = township_minutes(townships, table, y0, value)["minutes"].to_numpy()
    after = township_minutes(townships, table, y1, value)["minutes"].to_numpy()
    shown = townships.copy()
    shown["minutes_from"] = before
    shown["minutes_to"] = after
    shown["minutes_saved"] = before - after
    causes = _change_causes(layers.get("access_change"), value, y0, y1)
    for column in ("projects", "features"):
        texts = causes.get(column, {})
        shown[column] = [texts.get(code, "") for code in shown["code"].astype(str)]
    datum = datum_for(basemap)
    m = new_map(basemap)
    counties, city = layers.get("county"), layers.get("city")
    if basemap == "none":
        add_offline_base(m, city, counties, datum=datum, surroundings=layers.get(SURROUNDINGS))
    entries = [LegendEntry(lbl, c) for lbl, c in style.scenario_change_classes()]
    entries.append(LegendEntry("无数据", style.ACCESS_NODATA_COLOR))
    label = column_label(value)
    name = f"{y0}→{y1}年 节省时间" + (f"（{label}）" if label != "出行时间" else "")
    fields = [*TOWNSHIP_FIELDS, "minutes_from", "minutes_to", "minutes_saved"]
    add_styled_layer(
        m,
        shown,
        name=name,
        layer="township",
        style_of=lambda row: {
            "color": style.scenario_change_color(row["minutes_saved"]),
            "fill_opacity": 0.8,
        },
        tooltip=fields,
        popup=["code", *fields, "projects", "features"],
        datum=datum,
        class_name="jm-scenario",
        legend=(name, entries),
        fill=True,
    )
    if counties is not None and len(counties):
        add_county_lines(m, counties, datum=datum)
    add_title(
        m,
        title or f"江门市镇街{label.removesuffix('出行时间')}出行时间变化（{y0}→{y1}年）",
        "示意图 · 正值为节省的分钟数",
    )
    add_footer(
        m, footer_sources([townships, counties, city, table]), review_no=review_no, datum=datum
    )
    add_controls(m)
    fit_to(m, townships, datum=datum)
    return m


def _change_causes(
    changes: pd.DataFrame | None, value: str, year_from: int, year_to: int
) -> dict[str, dict[str, str]]:
    """The projects and features behind each township's change, from ``access_change``.

    ``{"projects": {code: text}, "features": {...}}``, where the layer has rows for this
    destination and these years.
    """
    match = _TARGET_COLUMN.match(value)
    if changes is None or match is None or not len(changes):
        return {}
    rows = changes[
        (changes["target"].astype(str) == match["target"])
        & (changes["year_before"].astype(int) == int(year_from))
        & (changes["year_after"].astype(int) == int(year_to))
    ]
    codes = rows["code"].astype(str)
    return {
        column: dict(zip(codes, rows[column].fillna("").astype(str), strict=True))
        for column in ("projects", "features")
        if column in rows.columns
    }
