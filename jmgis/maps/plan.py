"""The plan map: 三区 zones, the spatial structure (一核两带三轴线 …), parks, facilities.

The facilities are the plans' energy, water, agriculture, tourism, ecology and pilot
sites (one layer per sector).
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import pandas as pd
import shapely

from jmgis import style
from jmgis.maps.basemap import (
    SURROUNDINGS,
    add_county_lines,
    add_offline_base,
    datum_for,
    fit_to,
    new_map,
)
from jmgis.maps.features import add_circle_layer, add_point_layer, add_styled_layer
from jmgis.maps.furniture import Legend, LegendEntry, add_controls, add_footer, add_title
from jmgis.maps.sources import footer_sources
from jmgis.maps.zones import add_policy_extensions, add_townships
from jmgis.vocab import FACILITY_LAYERS

STRUCTURE_FIELDS = ("name", "kind_label", "pattern", "positioning")
PARK_FIELDS = ("name", "kind_label", "level_label", "industries", "status_text", "township_names")


def _kind_style(kind: object) -> Mapping:
    return style.STRUCTURE_KIND_STYLES.get(str(kind), style.STRUCTURE_DEFAULT_STYLE)


def _geometry_kinds(gdf: gpd.GeoDataFrame) -> pd.Series:
    types = pd.Series(shapely.get_type_id(gdf.geometry.values), index=gdf.index)
    return types.map({0: "point", 4: "point", 1: "line", 5: "line", 3: "area", 6: "area"})


def add_structure(
    m: folium.Map, structure: gpd.GeoDataFrame, *, datum: str = "wgs84"
) -> list[folium.FeatureGroup]:
    """One toggleable group per spatial pattern (一核两带三轴线, 一心两区四轴 …).

    Rows of kind ``pattern`` name the groups; their members (``pattern`` = the pattern's
    id) are drawn: areas outlined with a light fill, belts and axes as wide lines, point
    cores as circles.  Only the first pattern that has axes or belts is shown at first.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    structure : geopandas.GeoDataFrame
        The spatial-structure layer.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    list[folium.FeatureGroup]
        The layers added to ``m``.
    """
    names = {
        str(r["id"]): str(r["name"])
        for _, r in structure[structure["kind"] == "pattern"].iterrows()
    }
    drawn = structure[
        (structure["kind"] != "pattern") & structure.geometry.notna() & ~structure.geometry.is_empty
    ]
    if drawn.empty:
        return []
    kinds = _geometry_kinds(drawn)
    patterns = list(dict.fromkeys(drawn["pattern"].fillna("").astype(str)))
    with_lines = [p for p in patterns if ((drawn["pattern"] == p) & (kinds == "line")).any()]
    first = with_lines[0] if with_lines else patterns[0]
    popup = [*STRUCTURE_FIELDS, "placed_by", "geometry_quality", "source"]
    groups = []
    for pattern in patterns:
        members = drawn[drawn["pattern"].fillna("").astype(str) == pattern]
        title = f"空间结构：{names.get(pattern, pattern or '其他')}"
        extra = {"kind_label": [str(_kind_style(k)["label"]) for k in members["kind"]]}
        member_kinds = kinds[members.index]
        present = list(dict.fromkeys(members["kind"].astype(str)))
        entries = [
            LegendEntry(
                str(_kind_style(k)["label"]),
                str(_kind_style(k)["color"]),
                shape="line" if k in ("belt", "axis") else "fill",
                weight=float(_kind_style(k)["weight"]),
                opacity=0.85 if k in ("belt", "axis") else 0.35,
                stroke=str(_kind_style(k)["color"]),
            )
            for k in present
        ]
        shapes = members[member_kinds != "point"]
        points = members[member_kinds == "point"]
        if not shapes.empty:
            mask = (member_kinds != "point").to_numpy()
            groups.append(
                add_styled_layer(
                    m,
                    shapes,
                    name=title,
                    layer="structure",
                    style_of=lambda row: {
                        "color": _kind_style(row["kind"])["color"],
                        "weight": _kind_style(row["kind"])["weight"]
                        if row["kind"] in ("belt", "axis")
                        else 2.5,
                        "opacity": 0.85,
                        "fill_opacity": 0.18,
                    },
                    tooltip=STRUCTURE_FIELDS,
                    popup=popup,
                    extra={
                        k: [x for x, keep in zip(v, mask, strict=True) if keep]
                        for k, v in extra.items()
                    },
                    datum=datum,
                    show=pattern == first,
                    class_name="jm-structure",
                    legend=(title, entries),
                    fill=True,
                    outline=None,
                )
            )
        if not points.empty:
            mask = (member_kinds == "point").to_numpy()
            groups.append(
                add_circle_layer(
                    m,
                    points,
                    name=f"{title}（节点）",
                    layer="structure",
                    style_of=lambda row: {"color": _kind_style(row["kind"])["color"], "radius": 9},
                    tooltip=STRUCTURE_FIELDS,
                    popup=popup,
                    extra={
                        k: [x for x, keep in zip(v, mask, strict=True) if keep]
                        for k, v in extra.items()
                    },
                    datum=datum,
                    show=pattern == first,
                    class_name="jm-structure-point",
                )
            )
    return groups


PLACEMENT_LABELS = {
    "seat_of": "镇街驻地",
    "in_county": "仅知所在县（区）",
    "coordinate": "有出处的坐标",
    "": "未定位",
}


def _park_style(row: pd.Series, kind_style, vague: bool) -> dict:
    color = style.PARK_LEVEL_COLORS.get(str(row["level"]), style.PARK_DEFAULT_COLOR)
    radius = kind_style(row["kind"])["radius"]
    if vague:  # the point only says "somewhere in this county"
        return {"color": "#ffffff", "stroke": color, "dash": "3 2", "radius": radius}
    return {"color": color, "radius": radius}


def add_parks(
    m: folium.Map, parks: gpd.GeoDataFrame, *, datum: str = "wgs84"
) -> folium.FeatureGroup | None:
    """Parks and platforms: colour by level, size by kind, industries in the popup.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    parks : geopandas.GeoDataFrame
        The park/platform layer.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup or None
        The layer added to ``m`` (``None`` when there is nothing to draw).
    """
    drawn = parks[parks.geometry.notna() & ~parks.geometry.is_empty]
    if drawn.empty:
        return None

    def kind_style(kind: object) -> Mapping:
        return style.PARK_KIND_STYLES.get(str(kind), style.PARK_DEFAULT_KIND_STYLE)

    placement = (
        drawn["placement"].fillna("").astype(str)
        if "placement" in drawn.columns
        else pd.Series("", index=drawn.index)
    )
    extra = {
        "kind_label": [str(kind_style(k)["label"]) for k in drawn["kind"]],
        "level_label": [style.PARK_LEVEL_LABELS.get(str(v), str(v)) for v in drawn["level"]],
        "placement_label": [PLACEMENT_LABELS.get(p, p) for p in placement],
    }
    vague = set(placement[placement == "in_county"].index)
    levels = [lv for lv in style.PARK_LEVEL_COLORS if lv in set(drawn["level"].astype(str))]
    entries = [
        LegendEntry(style.PARK_LEVEL_LABELS[lv], style.PARK_LEVEL_COLORS[lv], shape="point")
        for lv in levels
    ]
    entries.append(LegendEntry("圆越大：高新区/新区/平台", "#ffffff", shape="point"))
    if vague:
        entries.append(
            LegendEntry("虚线空心：仅知所在县（区），位置示意", "#ffffff", shape="point")
        )
    return add_circle_layer(
        m,
        drawn,
        name="产业园区与平台",
        layer="park",
        style_of=lambda row: _park_style(row, kind_style, row.name in vague),
        tooltip=PARK_FIELDS[:4],
        popup=[
            *PARK_FIELDS,
            "area_value",
            "area_unit",
            "placement_label",
            "placed_by",
            "geometry_quality",
            "source",
        ],
        extra=extra,
        datum=datum,
        class_name="jm-park",
        legend=("产业园区与平台（按级别）", entries),
    )


FACILITY_FIELDS = ("name", "facility_type", "status_text", "township_names")


def add_facilities(
    m: folium.Map, layers: Mapping[str, gpd.GeoDataFrame], *, datum: str = "wgs84"
) -> list[folium.FeatureGroup]:
    """The plan facilities, one toggleable layer per sector (能源, 水利, 农业, 文旅, 生态, 试点 …).

    Only rows with a point are drawn (a township seat the text names, or a point meaning
    "somewhere in this county" — the popup says which); rows without a place stay in the
    GeoPackage table.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    layers : Mapping[str, geopandas.GeoDataFrame]
        Layers by name; the ``plan_<sector>`` ones (:data:`jmgis.vocab.FACILITY_LAYERS`)
        present are drawn.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    list[folium.FeatureGroup]
        The layers added to ``m``, in sector order.
    """
    from jmgis.layers import layer_spec

    groups: list[folium.FeatureGroup] = []
    entries: list[LegendEntry] = []
    for name in FACILITY_LAYERS.values():
        frame = layers.get(name)
        if frame is None or not len(frame):
            continue
        drawn = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        if drawn.empty:
            continue
        placement = drawn["placement"].fillna("").astype(str)
        groups.append(
            add_point_layer(
                m,
                drawn,
                name=layer_spec(name).title,
                symbol_key=name,
                layer=name,
                tooltip=FACILITY_FIELDS[:3],
                popup=[
                    *FACILITY_FIELDS,
                    "status",
                    "capacity_quote",
                    "placement_label",
                    "placed_by",
                    "geometry_quality",
                    "source",
                ],
                extra={"placement_label": [PLACEMENT_LABELS.get(p, p) for p in placement]},
                datum=datum,
                legend=False,
            )
        )
        symbol = style.POINT_SYMBOLS[name]
        entries.append(
            LegendEntry(
                str(symbol["label"]),
                str(symbol["fill"]),
                shape=f"symbol:{name}",
                stroke=str(symbol["stroke"]),
            )
        )
    if groups:
        # one legend for all the sectors (shown while any of them is on)
        entries.append(LegendEntry("多点重叠处：仅知所在县（区），位置示意", "#ffffff", "point"))
        Legend(groups, "专项设施与试点", entries, position="bottomleft").add_to(m)
    return groups


def plan_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    basemap: str = "none",
    title: str = "江门市国土空间规划结构与产业平台（示意）",
    review_no: str | None = None,
) -> folium.Map:
    """Zones (townships by 三区), the spatial structure and the parks/platforms.

    ``layers`` needs ``township``; ``structure``, ``park``, the plan facilities
    (``plan_energy`` … :data:`jmgis.vocab.FACILITY_LAYERS`), ``county`` and ``city`` are
    drawn when present.

    Parameters
    ----------
    layers : Mapping[str, geopandas.GeoDataFrame]
        Layers by name (EPSG:4490).
    basemap : str
        The basemap name (see :data:`jmgis.vocab.BASEMAPS`).
    title : str
        The map title.
    review_no : str or None
        The map review number (审图号) to print, if any.

    Returns
    -------
    folium.Map
        The map.
    """
    datum = datum_for(basemap)
    m = new_map(basemap)
    townships = layers["township"]
    counties, city = layers.get("county"), layers.get("city")
    if basemap == "none":
        add_offline_base(m, city, counties, datum=datum, surroundings=layers.get(SURROUNDINGS))
    add_townships(m, townships, datum=datum)
    add_policy_extensions(m, townships, datum=datum)
    if counties is not None and len(counties):
        add_county_lines(m, counties, datum=datum)
    structure, parks = layers.get("structure"), layers.get("park")
    if structure is not None and len(structure):
        add_structure(m, structure, datum=datum)
    if parks is not None and len(parks):
        add_parks(m, parks, datum=datum)
    add_facilities(m, layers, datum=datum)
    facilities = [layers.get(name) for name in FACILITY_LAYERS.values()]
    add_title(m, title, "示意图")
    add_footer(
        m,
        footer_sources([townships, counties, city, structure, parks, *facilities]),
        review_no=review_no,
        datum=datum,
    )
    add_controls(m)
    fit_to(m, townships, datum=datum)
    return m
