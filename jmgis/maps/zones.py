"""The 三区 zone map: 73 townships coloured by zone, policy extensions, county lines."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from jmgis import style
from jmgis.maps.basemap import add_county_lines, add_offline_base, datum_for, fit_to, new_map
from jmgis.maps.display import escape, layer_name, to_display_crs, to_geojson
from jmgis.maps.features import geojson_popup
from jmgis.maps.furniture import Legend, LegendEntry, add_controls, add_footer, add_title
from jmgis.maps.sources import footer_sources

TOWNSHIP_TOOLTIP = (
    ("name", "乡镇（街道）"),
    ("code", "乡镇代码"),
    ("county_name", "所属县（市、区）"),
    ("zone_name", "所属三区"),
    ("policy_names", "区域政策延伸"),
)
TOWNSHIP_POPUP = (
    *TOWNSHIP_TOOLTIP,
    ("area_km2", "面积（km²）"),
    ("geometry_quality", "几何质量"),
    ("source", "来源"),
)
GEOMETRY_QUALITY_LABELS = {"official": "官方", "derived": "派生", "schematic": "示意"}


def _policy_codes(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [c.strip() for c in str(value).split(",") if c.strip()]


def policy_names(townships: gpd.GeoDataFrame) -> list[str]:
    """区域政策延伸 of each township in Chinese (``""`` where there is none)."""
    return [
        "、".join(style.ZONE_LABELS.get(c, c) for c in _policy_codes(v))
        for v in townships["policy_zone_codes"]
    ]


def add_townships(
    m: folium.Map,
    townships: gpd.GeoDataFrame,
    *,
    datum: str = "wgs84",
    name: str = "三区（乡镇着色）",
    show: bool = True,
) -> folium.FeatureGroup:
    """Townships filled with their zone colour, tooltip and popup, plus the zone legend.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    townships : geopandas.GeoDataFrame
        The township polygons (``code``, ``zone_code``).
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    name : str
        The layer name in the layer control.
    show : bool
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    extra = {
        "policy_names": policy_names(townships),
        "geometry_quality": [
            GEOMETRY_QUALITY_LABELS.get(str(q), q) for q in townships["geometry_quality"]
        ],
    }
    columns = ["name", "code", "county_name", "zone_code", "zone_name", "area_km2", "source"]
    data = to_geojson(townships, columns, extra=extra, datum=datum)
    group = folium.FeatureGroup(name=layer_name(name), show=show)
    folium.GeoJson(
        data,
        style_function=lambda f: {
            "fillColor": style.ZONE_COLORS.get(f["properties"]["zone_code"], "#cccccc"),
            "fillOpacity": style.ZONE_FILL_OPACITY,
            "color": style.TOWNSHIP_LINE["color"],
            "weight": style.TOWNSHIP_LINE["weight"],
            "className": "jm-township",
        },
        highlight_function=lambda _f: {"weight": 3, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(
            [f for f, _ in TOWNSHIP_TOOLTIP], aliases=[a for _, a in TOWNSHIP_TOOLTIP]
        ),
        popup=geojson_popup([f for f, _ in TOWNSHIP_POPUP], [a for _, a in TOWNSHIP_POPUP]),
    ).add_to(group)
    group.add_to(m)
    counts = townships["zone_code"].value_counts()
    entries = [
        LegendEntry(f"{label}（{int(counts.get(code, 0))}）", style.ZONE_COLORS[code])
        for code, label in style.ZONE_LABELS.items()
    ]
    Legend(group, "三区", entries).add_to(m)
    return group


def add_policy_extensions(
    m: folium.Map, townships: gpd.GeoDataFrame, *, datum: str = "wgs84"
) -> folium.FeatureGroup | None:
    """Townships with a 区域政策延伸: outlined dashed in the colour of the extra zone.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    townships : geopandas.GeoDataFrame
        The township polygons (``code``, ``zone_code``).
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup or None
        The layer added to ``m`` (``None`` when there is nothing to draw).
    """
    codes = [_policy_codes(v) for v in townships["policy_zone_codes"]]
    mask = [bool(c) for c in codes]
    if not any(mask):
        return None
    marked = townships[mask]
    first_extra = [c[0] for c in codes if c]
    data = to_geojson(
        marked,
        ["name"],
        extra={"policy_code": first_extra, "policy_names": policy_names(marked)},
        datum=datum,
    )
    group = folium.FeatureGroup(name="区域政策延伸乡镇")
    folium.GeoJson(
        data,
        style_function=lambda f: {
            "fill": False,
            "color": style.ZONE_COLORS.get(f["properties"]["policy_code"], "#000000"),
            "weight": 3.5,
            "dashArray": "7 4",
            "className": "jm-policy",
        },
        tooltip=folium.GeoJsonTooltip(
            ["name", "policy_names"], aliases=["乡镇（街道）", "区域政策延伸"]
        ),
    ).add_to(group)
    group.add_to(m)
    present = dict.fromkeys(first_extra)
    entries = [
        LegendEntry(
            f"延伸至{style.ZONE_LABELS.get(code, code)}",
            style.ZONE_COLORS.get(code, "#000000"),
            shape="line",
            dash="5 3",
        )
        for code in present
    ]
    Legend(group, "区域政策延伸", entries).add_to(m)
    return group


def add_zone_outlines(
    m: folium.Map, townships: gpd.GeoDataFrame, *, datum: str = "wgs84"
) -> folium.FeatureGroup:
    """The outline of each zone (its townships dissolved), in the zone's colour.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    townships : geopandas.GeoDataFrame
        The township polygons (``code``, ``zone_code``).
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    zones = townships[["zone_code", "zone_name", townships.geometry.name]].dissolve(
        "zone_code", as_index=False
    )
    group = folium.FeatureGroup(name="三区界线")
    folium.GeoJson(
        to_geojson(zones, ["zone_code", "zone_name"], datum=datum),
        style_function=lambda f: {
            "fill": False,
            "color": style.ZONE_COLORS.get(f["properties"]["zone_code"], "#333333"),
            "weight": 3,
            "opacity": 1.0,
            "className": "jm-zone-outline",
        },
        interactive=False,
    ).add_to(group)
    group.add_to(m)
    return group


def add_township_labels(
    m: folium.Map, townships: gpd.GeoDataFrame, *, datum: str = "wgs84"
) -> folium.FeatureGroup:
    """Township names at their seats; hidden below the label zoom (see add_controls).

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    townships : geopandas.GeoDataFrame
        The township polygons (``code``, ``zone_code``).
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    group = folium.FeatureGroup(name="乡镇名称")
    if {"seat_lon", "seat_lat"} <= set(townships.columns) and townships["seat_lon"].notna().all():
        points = gpd.GeoDataFrame(
            {"name": townships["name"].to_numpy()},
            geometry=gpd.points_from_xy(townships["seat_lon"], townships["seat_lat"]),
            crs=townships.crs,
        )
    else:
        points = gpd.GeoDataFrame(
            {"name": townships["name"].to_numpy()},
            geometry=townships.geometry.representative_point().to_numpy(),
            crs=townships.crs,
        )
    points = to_display_crs(points, datum)
    for label, point in zip(points["name"], points.geometry, strict=True):
        folium.Marker(
            (round(point.y, 5), round(point.x, 5)),
            icon=folium.DivIcon(
                html=f'<div class="jm-label">{escape(label)}</div>',
                icon_size=(80, 14),
                icon_anchor=(40, -4),
                class_name="jm-label-icon",
            ),
            interactive=False,
        ).add_to(group)
    group.add_to(m)
    return group


def zones_map(
    townships: gpd.GeoDataFrame,
    counties: gpd.GeoDataFrame | None = None,
    city: gpd.GeoDataFrame | None = None,
    *,
    basemap: str = "none",
    title: str = "江门市三区划分（乡镇级）",
    review_no: str | None = None,
    surroundings: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """The zone map: townships by 三区 zone, policy extensions, labels, county lines.

    Parameters
    ----------
    townships, counties, city
        Layers as returned by ``jmgis.admin.load_townships()`` etc. (EPSG:4490).
    basemap
        ``none`` (offline vector base), ``osm``, ``tianditu`` or ``gaode``.
    review_no
        A 审图号, printed in the footer only when given.
    surroundings
        Land around the city (layer ``region``), drawn grey on the offline base so that
        the blue ground reads as sea.
    title : str
        The map title.

    Returns
    -------
    folium.Map
        The map.
    """
    datum = datum_for(basemap)
    m = new_map(basemap)
    if basemap == "none":
        add_offline_base(m, city, counties, datum=datum, surroundings=surroundings)
    add_townships(m, townships, datum=datum)
    add_zone_outlines(m, townships, datum=datum)
    add_policy_extensions(m, townships, datum=datum)
    if counties is not None and not counties.empty:
        add_county_lines(m, counties, datum=datum)
    add_township_labels(m, townships, datum=datum)
    add_title(m, title, "示意图")
    add_footer(m, footer_sources([townships, counties, city]), review_no=review_no, datum=datum)
    add_controls(m)
    fit_to(m, townships, datum=datum)
    return m
