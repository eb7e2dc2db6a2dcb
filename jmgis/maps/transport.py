"""The transport map.

Roads by class and status, rail by kind, stations, ports, airports, gateways and interchanges,
with a scenario-year selector.

Members of the road schemes (六纵六横两联一展望, 七纵八横 …) are identifiable from the
``schemes`` column (``"六纵六横两联一展望:纵1"``) shown in every road's tooltip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from folium.utilities import JsCode

from jmgis import style
from jmgis.maps.basemap import (
    SURROUNDINGS,
    add_county_lines,
    add_offline_base,
    datum_for,
    fit_to,
    new_map,
)
from jmgis.maps.display import css_color, to_geojson
from jmgis.maps.features import (
    YearSelector,
    add_point_layer,
    add_styled_layer,
    geojson_children,
    status_label,
)
from jmgis.maps.furniture import Legend, LegendEntry, add_controls, add_footer, add_title
from jmgis.maps.render import Verbatim
from jmgis.maps.sources import footer_sources

LINE_LAYERS = ("road", "rail", "ferry")
POINT_LAYERS = {
    "station": "铁路车站",
    "port": "港口/码头",
    "airport": "机场",
    "gateway": "对外门户",
    "interchange": "互通立交",
}
# dense layers that start hidden (ticked on in the layer control)
HIDDEN_AT_FIRST = frozenset({"interchange"})
TRANSPORT_LAYERS = (*LINE_LAYERS, *POINT_LAYERS)
RAIL_KIND_LABEL = {k: str(v["label"]) for k, v in style.RAIL_KIND_STYLES.items()}


def years_present(frame: pd.DataFrame, years: Sequence[int]) -> list[list[int]]:
    """For each feature, the scenario years in which it exists (jmgis.transport rule).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    years : Sequence[int]
        Scenario years of the year selector.

    Returns
    -------
    list[list[int]]
        One list of years per feature.
    """
    from jmgis.transport.scenario import exists_in

    masks = [exists_in(frame, year).to_numpy() for year in years]
    return [
        [int(y) for y, mask in zip(years, masks, strict=True) if mask[i]] for i in range(len(frame))
    ]


def _road_style(row: pd.Series) -> dict:
    cls = style.ROAD_CLASS_STYLES.get(str(row.get("road_class")), style.ROAD_DEFAULT_STYLE)
    status = style.STATUS_STYLES.get(str(row.get("status")), style.STATUS_DEFAULT_STYLE)
    return {
        "color": cls["color"],
        "weight": cls["weight"],
        "dash": status["dash"],
        "opacity": status["opacity"],
    }


def _rail_style(row: pd.Series) -> dict:
    kind = style.RAIL_KIND_STYLES.get(str(row.get("kind")), style.RAIL_DEFAULT_STYLE)
    status = style.STATUS_STYLES.get(str(row.get("status")), style.STATUS_DEFAULT_STYLE)
    return {
        "color": kind["color"],
        "weight": kind["weight"],
        "dash": status["dash"],
        "opacity": status["opacity"],
    }


def _status_entries(statuses: Sequence[str]) -> list[LegendEntry]:
    rows = []
    for key in dict.fromkeys(statuses):
        st = style.STATUS_STYLES.get(key, style.STATUS_DEFAULT_STYLE)
        rows.append(
            LegendEntry(
                str(st["label"]),
                "#444444",
                shape="line",
                dash=st["dash"],
                opacity=float(st["opacity"]),
                weight=2.5,
            )
        )
    return rows


def _ordered(values: pd.Series, order: Sequence[str]) -> list[str]:
    seen = set(values.dropna().astype(str))
    return [v for v in order if v in seen] + sorted(seen - set(order))


def add_roads(
    m: folium.Map, roads: gpd.GeoDataFrame, years: Sequence[int], *, datum: str = "wgs84"
) -> folium.FeatureGroup:
    """Roads coloured by class, dashed by status, with the class and status legend.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    roads : geopandas.GeoDataFrame
        The road layer (EPSG:4490).
    years : Sequence[int]
        Scenario years of the year selector.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    classes = _ordered(roads["road_class"], list(style.ROAD_CLASS_STYLES))
    statuses = _ordered(roads["status"], list(style.STATUS_STYLES)) if "status" in roads else []
    entries = [
        LegendEntry(
            str(style.ROAD_CLASS_STYLES.get(c, style.ROAD_DEFAULT_STYLE)["label"]),
            str(style.ROAD_CLASS_STYLES.get(c, style.ROAD_DEFAULT_STYLE)["color"]),
            shape="line",
            weight=float(style.ROAD_CLASS_STYLES.get(c, style.ROAD_DEFAULT_STYLE)["weight"]),
        )
        for c in classes
    ] + _status_entries(statuses)
    extra: dict[str, Sequence[Any]] = {
        "class_label": [
            style.ROAD_CLASS_STYLES.get(str(c), style.ROAD_DEFAULT_STYLE)["label"]
            for c in roads["road_class"]
        ],
        "status_label": [status_label(s) for s in roads.get("status", [None] * len(roads))],
        "_years": years_present(roads, years),
    }
    fields = ["name", "ref", "class_label", "schemes", "status_label", "open_year"]
    return add_styled_layer(
        m,
        roads,
        name="道路",
        layer="road",
        style_of=_road_style,
        tooltip=fields,
        popup=[*fields, "project_ids", "geometry_quality", "source"],
        extra=extra,
        datum=datum,
        class_name="jm-road",
        legend=("道路（等级 / 状态）", entries),
    )


def scheme_members(schemes: object) -> list[tuple[str, str]]:
    """The ``(scheme, member)`` pairs of a road's ``schemes`` text.

    ``"六纵六横两联一展望:纵1; 七纵八横:横3"`` → ``[("六纵六横两联一展望", "纵1"),
    ("七纵八横", "横3")]`` (empty when the road is in no scheme).
    """
    if schemes is None or (isinstance(schemes, float) and pd.isna(schemes)):
        return []
    parts = [p.strip() for p in re.split(r"[;；,，]", str(schemes)) if p.strip()]
    pairs = [tuple(x.strip() for x in p.split(":", 1)) for p in parts if ":" in p]
    return [(scheme, code) for scheme, code in pairs if scheme and code]


def add_scheme_labels(
    m: folium.Map, roads: gpd.GeoDataFrame, years: Sequence[int], *, datum: str = "wgs84"
) -> folium.FeatureGroup | None:
    """Permanent labels ("纵1", "横3" …) on the members of the road schemes.

    Framed in one colour per scheme, shown when zoomed in (like township names); they follow
    the year selector.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    roads : geopandas.GeoDataFrame
        The road layer (EPSG:4490).
    years : Sequence[int]
        Scenario years of the year selector.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup or None
        The layer added to ``m`` (``None`` when there is nothing to draw).
    """
    if "schemes" not in roads.columns:
        return None
    members = [scheme_members(v) for v in roads["schemes"]]
    keep = [bool(ms) for ms in members]
    if not any(keep):
        return None
    schemes = list(dict.fromkeys(s for ms in members for s, _c in ms))
    colours = {
        s: style.SCHEME_LABEL_COLORS[i % len(style.SCHEME_LABEL_COLORS)]
        for i, s in enumerate(schemes)
    }
    data = to_geojson(
        roads[keep],
        [],
        extra={
            "member": [" / ".join(c for _s, c in ms) for ms in members if ms],
            "_scheme": [schemes.index(ms[0][0]) for ms in members if ms],
            "_years": [y for y, k in zip(years_present(roads, years), keep, strict=True) if k],
        },
        datum=datum,
        simplify_deg=0.0005,
    )
    css = "".join(
        f".leaflet-tooltip.jm-scheme-label.jm-scheme-{i} "
        f"{{ color: {css_color(colours[s])}; border-color: {css_color(colours[s])}; }}"
        for i, s in enumerate(schemes)
    )
    m.get_root().header.add_child(Verbatim(f"<style>{css}</style>"), name="jm_scheme_css")  # type: ignore[attr-defined]  # a Map's root is a branca Figure
    group = folium.FeatureGroup(name="路网方案编号")
    folium.GeoJson(
        data,
        style_function=lambda _f: {"opacity": 0, "weight": 1, "className": "jm-scheme-line"},
        # one permanent tooltip per feature (a tooltip bound to the whole GeoJSON layer
        # would show once); the value is HTML-escaped in Python, so innerHTML shows text
        on_each_feature=JsCode(
            """
            function (feature, layer) {
              var span = document.createElement('span');
              span.innerHTML = feature.properties.member;
              layer.bindTooltip(span, {
                permanent: true, direction: 'center',
                className: 'jm-label jm-scheme-label jm-scheme-' + feature.properties._scheme
              });
            }
            """
        ),
    ).add_to(group)
    group.add_to(m)
    entries = [LegendEntry(s, colours[s], opacity=0.25, stroke=colours[s]) for s in schemes]
    Legend(group, "路网方案编号（放大后显示）", entries).add_to(m)
    return group


def add_rail(
    m: folium.Map, rail: gpd.GeoDataFrame, years: Sequence[int], *, datum: str = "wgs84"
) -> folium.FeatureGroup:
    """Rail lines coloured by kind, dashed by status, with their legend.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    rail : geopandas.GeoDataFrame
        The rail layer (EPSG:4490).
    years : Sequence[int]
        Scenario years of the year selector.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    kinds = _ordered(rail["kind"], list(style.RAIL_KIND_STYLES))
    entries = [
        LegendEntry(
            str(style.RAIL_KIND_STYLES.get(k, style.RAIL_DEFAULT_STYLE)["label"]),
            str(style.RAIL_KIND_STYLES.get(k, style.RAIL_DEFAULT_STYLE)["color"]),
            shape="line",
            weight=float(style.RAIL_KIND_STYLES.get(k, style.RAIL_DEFAULT_STYLE)["weight"]),
        )
        for k in kinds
    ]
    extra: dict[str, Sequence[Any]] = {
        "kind_label": [RAIL_KIND_LABEL.get(str(k), str(k)) for k in rail["kind"]],
        "status_label": [status_label(s) for s in rail.get("status", [None] * len(rail))],
        "_years": years_present(rail, years),
    }
    fields = ["name", "kind_label", "status_label", "open_year", "speed_kph"]
    return add_styled_layer(
        m,
        rail,
        name="铁路",
        layer="rail",
        style_of=_rail_style,
        tooltip=fields,
        popup=[*fields, "stations", "project_ids", "geometry_quality", "source"],
        extra=extra,
        datum=datum,
        class_name="jm-rail",
        legend=("铁路", entries),
    )


def add_ferries(
    m: folium.Map, ferries: gpd.GeoDataFrame, years: Sequence[int], *, datum: str = "wgs84"
) -> folium.FeatureGroup:
    """Ferry lines, dashed by status.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    ferries : geopandas.GeoDataFrame
        The ferry layer (EPSG:4490).
    years : Sequence[int]
        Scenario years of the year selector.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    extra: dict[str, Sequence[Any]] = {
        "status_label": [status_label(s) for s in ferries.get("status", [None] * len(ferries))],
        "_years": years_present(ferries, years),
    }
    fields = ["name", "status_label", "crossing_min", "wait_min", "open_year"]
    entry = LegendEntry(
        str(style.FERRY_STYLE["label"]),
        str(style.FERRY_STYLE["color"]),
        shape="line",
        dash=str(style.FERRY_STYLE["dash"]),
    )
    return add_styled_layer(
        m,
        ferries,
        name="轮渡航线",
        layer="ferry",
        style_of=lambda _row: {
            "color": style.FERRY_STYLE["color"],
            "weight": style.FERRY_STYLE["weight"],
            "dash": style.FERRY_STYLE["dash"],
            "opacity": 0.9,
        },
        tooltip=fields,
        popup=[*fields, "geometry_quality", "source"],
        extra=extra,
        datum=datum,
        class_name="jm-ferry",
        legend=("轮渡航线", [entry]),
    )


def transport_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    years: Sequence[int] = (2020, 2025, 2035),
    year: int | None = None,
    basemap: str = "none",
    title: str = "江门市综合交通（规划示意）",
    review_no: str | None = None,
) -> folium.Map:
    """Roads, rail and transport points, one scenario year shown at a time.

    Parameters
    ----------
    layers
        Any of ``road``, ``rail``, ``station``, ``port``, ``airport``, ``gateway``,
        ``interchange`` (EPSG:4490, columns of the transport layer registry) and
        ``county``/``city`` for the base.
    years
        Scenario years offered by the selector; ``year`` is the one shown first
        (default the last).
    year : int or None
        The year shown first (default the latest of ``years``).
    basemap : str
        The basemap (see :data:`jmgis.vocab.BASEMAPS`).
    title : str
        The map title.
    review_no : str or None
        The map review number (审图号) to print, if any.

    Returns
    -------
    folium.Map
        The map.
    """
    years = sorted({int(y) for y in (*years, *([year] if year else []))})
    shown_year = int(year) if year else years[-1]
    datum = datum_for(basemap)
    m = new_map(basemap)
    counties, city = layers.get("county"), layers.get("city")
    if basemap == "none":
        add_offline_base(m, city, counties, datum=datum, surroundings=layers.get(SURROUNDINGS))
    if counties is not None and len(counties):
        add_county_lines(m, counties, datum=datum)
    groups = []
    if _has(layers, "road"):
        groups.append(add_roads(m, layers["road"], years, datum=datum))
        labels = add_scheme_labels(m, layers["road"], years, datum=datum)
        if labels is not None:
            groups.append(labels)
    if _has(layers, "rail"):
        groups.append(add_rail(m, layers["rail"], years, datum=datum))
    if _has(layers, "ferry"):
        groups.append(add_ferries(m, layers["ferry"], years, datum=datum))
    for key, label in POINT_LAYERS.items():
        if _has(layers, key):
            frame = layers[key]
            extra: dict[str, Sequence[Any]] = {
                "status_label": [status_label(s) for s in frame.get("status", [None] * len(frame))],
                "_years": years_present(frame, years),
            }
            fields = ["name", "kind", "airport_type", "status_label", "open_year"]
            groups.append(
                add_point_layer(
                    m,
                    frame,
                    name=label,
                    symbol_key=key,
                    layer=key,
                    tooltip=fields,
                    popup=[*fields, "lines", "road_ids", "geometry_quality", "source"],
                    extra=extra,
                    datum=datum,
                    show=key not in HIDDEN_AT_FIRST,
                )
            )
    geojsons = [g for group in groups for g in geojson_children(group)]
    if geojsons:
        YearSelector(geojsons, years, shown_year).add_to(m)
    used = [layers.get(k) for k in (*TRANSPORT_LAYERS, "county", "city")]
    add_title(m, title, "示意图 · 按情景年份显示")
    add_footer(m, footer_sources(used), review_no=review_no, datum=datum)
    add_controls(m)
    extent = (
        city
        if city is not None and len(city)
        else next((layers[k] for k in TRANSPORT_LAYERS if _has(layers, k)), None)
    )
    if extent is not None:
        fit_to(m, extent, datum=datum)
    return m


def _has(layers: Mapping[str, pd.DataFrame], key: str) -> bool:
    return key in layers and layers[key] is not None and len(layers[key]) > 0
