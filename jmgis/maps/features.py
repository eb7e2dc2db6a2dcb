"""Generic map layers: styled lines, symbolised points, choropleths, and a year selector.

Each function adds one :class:`folium.FeatureGroup` (one entry in the layer control) with
a Chinese tooltip and popup, and the legend that follows it.  Per-feature styles are
computed in Python and carried as ``_color``/``_weight``/``_dash``/``_opacity``
properties, so the palette lives only in :mod:`jmgis.style`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from jmgis import style
from jmgis.layers import registry
from jmgis.maps.display import escape, js_literal, layer_name, to_geojson
from jmgis.maps.furniture import Legend, LegendEntry, symbol_svg

StyleOf = Callable[[pd.Series], Mapping[str, Any]]

# Aliases for fields that are not in the layer registry (computed for display).
EXTRA_ALIASES = {
    "schemes": "路网方案成员",
    "status_label": "状态",
    "class_label": "类别",
    "kind_label": "类型",
    "level_label": "级别",
    "years_label": "出现年份",
    "minutes": "出行时间（分钟）",
    "what": "指标",
    "minutes_saved": "节省时间（分钟）",
    "minutes_from": "基准年时间（分钟）",
    "minutes_to": "目标年时间（分钟）",
    "open_year": "开通年份",
    "crossing_min": "航行时间（分钟）",
    "wait_min": "候船时间（分钟）",
    "airport_type": "机场类型",
    "speed_kph": "速度（km/h）",
    "band_min": "时间圈（分钟）",
    "projects": "引起变化的项目",
    "features": "引起变化的交通要素",
    "note": "说明",
    "placement_label": "定位精度",
    "origin_name": "出发地",
    "source": "规划出处",
    "sources": "规划出处",
}


#: Chinese display values of coded fields (the data keeps the codes).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "geometry_quality": {"official": "官方", "derived": "派生", "schematic": "示意"},
    "kind": {
        **{k: str(v["label"]) for k, v in style.RAIL_KIND_STYLES.items()},
        "seaport": "海港",
        "river_port": "内河港",
        "fishing_port": "渔港",
        "passenger_terminal": "客运码头",
    },
    "airport_type": {"general_aviation": "通用机场", "hub": "枢纽机场"},
}


def translated(gdf: pd.DataFrame, fields: Sequence[str]) -> dict[str, list]:
    """Chinese values for the coded ``fields`` (see VALUE_LABELS), for ``extra``.

    Parameters
    ----------
    gdf : pandas.DataFrame
        The features (EPSG:4490).
    fields : Sequence[str]
        Column names.

    Returns
    -------
    dict[str, list]
        Column name → display values.
    """
    out = {}
    for field in fields:
        if field in VALUE_LABELS and field in gdf.columns:
            labels = VALUE_LABELS[field]
            out[field] = [labels.get(str(v), v) for v in gdf[field]]
    return out


def field_aliases(layer: str | None, fields: Sequence[str]) -> list[str]:
    """Chinese labels of ``fields``: the layer registry's alias, else EXTRA_ALIASES.

    Escaped (:func:`jmgis.maps.display.escape`): folium's tooltips insert aliases with
    ``innerHTML``, and an alias can come from a user's layer description.

    Parameters
    ----------
    layer : str or None
        The registered layer the columns belong to (for their Chinese names).
    fields : Sequence[str]
        Column names.

    Returns
    -------
    list[str]
        One label per field.
    """
    spec = registry().get(layer) if layer else None
    aliases = spec.aliases if spec else {}
    return [escape(aliases.get(f) or EXTRA_ALIASES.get(f, f)) for f in fields]


def geojson_popup(fields: Sequence[str], aliases: Sequence[str]) -> folium.GeoJsonPopup:
    """A popup table of ``fields`` labelled ``aliases`` (already escaped).

    Parameters
    ----------
    fields, aliases
        Property names and their labels.

    Returns
    -------
    folium.GeoJsonPopup
        With ``localize`` off: folium's popup defaults to ``toLocaleString()``, which prints
        a year as ``2,025`` (its tooltip does not).
    """
    return folium.GeoJsonPopup(list(fields), aliases=list(aliases), localize=False)


def present(gdf: pd.DataFrame, fields: Sequence[str]) -> list[str]:
    """The ``fields`` that ``gdf`` has, in order.

    Parameters
    ----------
    gdf : pandas.DataFrame
        The features (EPSG:4490).
    fields : Sequence[str]
        Column names.

    Returns
    -------
    list[str]
        The column names.
    """
    return [f for f in fields if f in gdf.columns]


def status_label(status: object) -> str:
    """The Chinese label of a construction status (未定 when unknown)."""
    return str(style.STATUS_STYLES.get(str(status), style.STATUS_DEFAULT_STYLE)["label"])


def add_styled_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    style_of: StyleOf,
    layer: str | None = None,
    tooltip: Sequence[str] = ("name",),
    popup: Sequence[str] = (),
    extra: Mapping[str, Sequence[Any]] | None = None,
    datum: str = "wgs84",
    show: bool = True,
    class_name: str = "jm-feature",
    legend: tuple[str, Sequence[LegendEntry]] | None = None,
    simplify_deg: float = 0.0001,
    fill: bool = False,
    outline: str | None = "#ffffff",
    highlight: bool = True,
) -> folium.FeatureGroup:
    """Lines or polygons, each styled by ``style_of(row)`` → colour/weight/dash/opacity.

    ``fill`` draws polygons filled with the colour (``fill_opacity`` from ``style_of`` or
    0.6) and outlined with ``outline`` (``None``: the feature's colour and weight); lines
    ignore it.  Point geometries are not accepted here (use add_circle_layer).

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    gdf : geopandas.GeoDataFrame
        The features (EPSG:4490).
    name : str
        The layer name in the layer control.
    style_of : StyleOf
        Feature properties → Leaflet path style.
    layer : str or None
        The registered layer the columns belong to (for their Chinese names).
    tooltip : Sequence[str]
        Columns shown on hover.
    popup : Sequence[str]
        Columns shown on click.
    extra : Mapping[str, Sequence[Any]] or None
        Extra per-feature columns (one sequence per column) for the tooltip/popup.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    show : bool
        Whether the layer is shown when the map opens.
    class_name : str
        CSS class of the layer's paths.
    legend : tuple[str, Sequence[LegendEntry]] or None
        The legend (title, entries), or ``None``.
    simplify_deg : float
        Simplification tolerance (degrees; 0 = none).
    fill : bool
        Draw polygons filled (else lines).
    outline : str or None
        Outline colour of filled polygons (``None`` = the feature's colour).
    highlight : bool
        Thicken a feature under the mouse.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    if gdf.geom_type.isin(["Point", "MultiPoint"]).any():
        raise ValueError(f"{name}: points go through add_circle_layer/add_point_layer")
    extra = {**translated(gdf, [*tooltip, *popup]), **(extra or {})}
    styles = [dict(style_of(row)) for _, row in gdf.iterrows()]
    for key in ("color", "weight", "dash", "opacity", "fill_opacity"):
        extra[f"_{key}"] = [s.get(key) for s in styles]
    tooltip = [f for f in tooltip if f in gdf.columns or f in extra]
    popup = [f for f in popup if f in gdf.columns or f in extra]
    columns = list(dict.fromkeys(f for f in (*tooltip, *popup) if f in gdf.columns))
    data = to_geojson(gdf, columns, extra=extra, datum=datum, simplify_deg=simplify_deg)
    group = folium.FeatureGroup(name=layer_name(name), show=show)

    def style_function(feature: dict) -> dict:
        p = feature["properties"]
        out = {
            "color": p["_color"] or "#555555",
            "weight": p["_weight"] or 2,
            "opacity": p["_opacity"] if p["_opacity"] is not None else 0.9,
            "dashArray": p["_dash"],
            "className": class_name,
            "fill": False,
        }
        if fill and feature["geometry"]["type"] in ("Polygon", "MultiPolygon"):
            out["fill"] = True
            out["fillColor"] = out["color"]
            out["fillOpacity"] = p["_fill_opacity"] if p["_fill_opacity"] is not None else 0.6
            if outline:
                out["color"] = outline
                out["weight"] = 0.8
        return out

    folium.GeoJson(
        data,
        style_function=style_function,
        highlight_function=(lambda _f: {"weight": 5} if not fill else {"weight": 2.5})
        if highlight
        else None,
        tooltip=folium.GeoJsonTooltip(tooltip, aliases=field_aliases(layer, tooltip))
        if tooltip
        else None,
        popup=geojson_popup(popup, field_aliases(layer, popup)) if popup else None,
    ).add_to(group)
    group.add_to(m)
    if legend:
        Legend(group, legend[0], legend[1]).add_to(m)
    return group


def add_point_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    symbol_key: str,
    layer: str | None = None,
    tooltip: Sequence[str] = ("name",),
    popup: Sequence[str] = (),
    extra: Mapping[str, Sequence[Any]] | None = None,
    datum: str = "wgs84",
    show: bool = True,
    legend: bool = True,
    legend_position: str = "bottomleft",
) -> folium.FeatureGroup:
    """Points drawn with the layer's symbol (shape and colours from jmgis.style).

    Point legends go bottom-left by default, so that with many layers they do not pile up
    over the layer control with the line and area legends (bottom-right).

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    gdf : geopandas.GeoDataFrame
        The features (EPSG:4490).
    name : str
        The layer name in the layer control.
    symbol_key : str
        Key of the symbol in :data:`jmgis.style.POINT_SYMBOLS`.
    layer : str or None
        The registered layer the columns belong to (for their Chinese names).
    tooltip : Sequence[str]
        Columns shown on hover.
    popup : Sequence[str]
        Columns shown on click.
    extra : Mapping[str, Sequence[Any]] or None
        Extra per-feature columns (one sequence per column) for the tooltip/popup.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    show : bool
        Whether the layer is shown when the map opens.
    legend : bool
        The legend (title, entries), or ``None``.
    legend_position : str
        Corner of the legend (``bottomleft`` …).

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    symbol = style.POINT_SYMBOLS.get(symbol_key, style.POINT_DEFAULT_SYMBOL)
    extra = {**translated(gdf, [*tooltip, *popup]), **(extra or {})}
    tooltip = [f for f in tooltip if f in gdf.columns or f in extra]
    popup = [f for f in popup if f in gdf.columns or f in extra]
    columns = list(dict.fromkeys(f for f in (*tooltip, *popup) if f in gdf.columns))
    points = gdf.copy()
    points[points.geometry.name] = points.geometry.representative_point()
    data = to_geojson(points, columns, extra=extra, datum=datum, simplify_deg=0)
    group = folium.FeatureGroup(name=layer_name(name), show=show)
    folium.GeoJson(
        data,
        marker=folium.Marker(
            icon=folium.DivIcon(
                html=symbol_svg(symbol),
                icon_size=(20, 20),
                icon_anchor=(10, 10),
                class_name=f"jm-point jm-point-{symbol_key}",
            )
        ),
        tooltip=folium.GeoJsonTooltip(tooltip, aliases=field_aliases(layer, tooltip))
        if tooltip
        else None,
        popup=geojson_popup(popup, field_aliases(layer, popup)) if popup else None,
    ).add_to(group)
    group.add_to(m)
    if legend:
        entry = LegendEntry(
            str(symbol["label"]),
            str(symbol["fill"]),
            shape=f"symbol:{symbol_key}",
            stroke=str(symbol["stroke"]),
        )
        Legend(group, name, [entry], position=legend_position).add_to(m)
    return group


class YearSelector(MacroElement):
    """A radio control choosing the scenario year; features carry a ``_years`` list.

    Every registered GeoJSON layer keeps only the features that exist in the chosen year
    (their ``_years`` property, computed with :func:`jmgis.transport.scenario.exists_in`).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var groups = [{{ this.layer_names }}];
  var years = {{ this.years_js }};
  var members = groups.map(function (g) { return g.getLayers(); });
  function apply(year) {
    groups.forEach(function (g, i) {
      members[i].forEach(function (f) {
        var on = (f.feature.properties._years || []).indexOf(year) >= 0;
        if (on && !g.hasLayer(f)) { g.addLayer(f); }
        if (!on && g.hasLayer(f)) { g.removeLayer(f); }
      });
    });
    map.getContainer().setAttribute('data-year', year);
  }
  var control = L.control({position: 'topright'});
  control.onAdd = function () {
    var div = L.DomUtil.create('div', 'jm-legend jm-years');
    var html = '<h4>' + {{ this.title_js }} + '</h4>';
    years.forEach(function (y) {
      html += '<label class="jm-legend-row"><input type="radio" name="jm-year" value="' + y +
        '"' + (y === {{ this.default }} ? ' checked' : '') + '> ' + y + '年</label>';
    });
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    div.addEventListener('change', function (e) { apply(parseInt(e.target.value, 10)); });
    return div;
  };
  control.addTo(map);
  apply({{ this.default }});
})();
{% endmacro %}
"""
    )

    def __init__(self, geojsons: Sequence[folium.GeoJson], years: Sequence[int], default: int):
        super().__init__()
        self._name = "YearSelector"
        self.layer_names = ", ".join(g.get_name() for g in geojsons)
        self.years_js = js_literal([int(y) for y in years])
        self.default = int(default)
        self.title_js = js_literal("情景年份")


def geojson_children(group: folium.FeatureGroup) -> list[folium.GeoJson]:
    """The GeoJson layers inside a feature group (for the year selector)."""
    return [c for c in group._children.values() if isinstance(c, folium.GeoJson)]


def add_circle_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    style_of: StyleOf,
    layer: str | None = None,
    tooltip: Sequence[str] = ("name",),
    popup: Sequence[str] = (),
    extra: Mapping[str, Sequence[Any]] | None = None,
    datum: str = "wgs84",
    show: bool = True,
    class_name: str = "jm-circle",
    legend: tuple[str, Sequence[LegendEntry]] | None = None,
) -> folium.FeatureGroup:
    """Points as circle markers styled per feature.

    ``color`` (fill), ``radius`` and, optionally, ``stroke`` and ``dash`` (a hollow, dashed
    circle marks an uncertain position).

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    gdf : geopandas.GeoDataFrame
        The features (EPSG:4490).
    name : str
        The layer name in the layer control.
    style_of : StyleOf
        Feature properties → Leaflet path style.
    layer : str or None
        The registered layer the columns belong to (for their Chinese names).
    tooltip : Sequence[str]
        Columns shown on hover.
    popup : Sequence[str]
        Columns shown on click.
    extra : Mapping[str, Sequence[Any]] or None
        Extra per-feature columns (one sequence per column) for the tooltip/popup.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    show : bool
        Whether the layer is shown when the map opens.
    class_name : str
        CSS class of the layer's paths.
    legend : tuple[str, Sequence[LegendEntry]] or None
        The legend (title, entries), or ``None``.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    extra = {**translated(gdf, [*tooltip, *popup]), **(extra or {})}
    styles = [dict(style_of(row)) for _, row in gdf.iterrows()]
    extra["_color"] = [s.get("color") for s in styles]
    extra["_radius"] = [s.get("radius") for s in styles]
    extra["_stroke"] = [s.get("stroke") for s in styles]
    extra["_dash"] = [s.get("dash") for s in styles]
    tooltip = [f for f in tooltip if f in gdf.columns or f in extra]
    popup = [f for f in popup if f in gdf.columns or f in extra]
    columns = list(dict.fromkeys(f for f in (*tooltip, *popup) if f in gdf.columns))
    points = gdf.copy()
    points[points.geometry.name] = points.geometry.representative_point()
    data = to_geojson(points, columns, extra=extra, datum=datum, simplify_deg=0)
    group = folium.FeatureGroup(name=layer_name(name), show=show)
    folium.GeoJson(
        data,
        marker=folium.CircleMarker(radius=6),
        style_function=lambda f: {
            "radius": f["properties"]["_radius"] or 6,
            "fillColor": f["properties"]["_color"] or "#888888",
            "fill": True,
            "fillOpacity": 0.9,
            "color": f["properties"]["_stroke"] or "#333333",
            "weight": 2 if f["properties"]["_dash"] else 1.2,
            "dashArray": f["properties"]["_dash"],
            "className": class_name,
        },
        tooltip=folium.GeoJsonTooltip(tooltip, aliases=field_aliases(layer, tooltip))
        if tooltip
        else None,
        popup=geojson_popup(popup, field_aliases(layer, popup)) if popup else None,
    ).add_to(group)
    group.add_to(m)
    if legend:
        Legend(group, legend[0], legend[1]).add_to(m)
    return group


class ValueSelector(MacroElement):
    """A drop-down that recolours one GeoJSON layer by one of several precomputed values.

    Each feature carries ``m<i>`` (the value of option ``i``) and ``c<i>`` (its colour);
    choosing option ``i`` copies ``m<i>`` into the property ``field`` (shown by the
    tooltip), the option's label into ``what``, and sets the fill colour.  One layer with
    N values is far smaller than N layers with the same geometry.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var layer = {{ this.layer_name }};
  var labels = {{ this.labels_js }};
  var labelsHtml = {{ this.labels_html_js }};
  var field = {{ this.field_js }};
  function apply(i) {
    layer.eachLayer(function (f) {
      var p = f.feature.properties;
      p[field] = p['m' + i];
      p.what = labelsHtml[i];  // the tooltip inserts properties with innerHTML
      f.setStyle({fillColor: p['c' + i]});
    });
    map.getContainer().setAttribute('data-value', labels[i]);
  }
  var control = L.control({position: 'topright'});
  control.onAdd = function () {
    var div = L.DomUtil.create('div', 'jm-legend jm-value-selector');
    var html = '<h4>' + {{ this.title_html_js }} + '</h4><select class="jm-select">';
    labels.forEach(function (label, i) {
      var option = document.createElement('option');
      option.value = i; option.textContent = label;
      if (i === {{ this.default }}) { option.setAttribute('selected', ''); }
      html += option.outerHTML;
    });
    div.innerHTML = html + '</select>';
    L.DomEvent.disableClickPropagation(div);
    div.querySelector('select').addEventListener('change', function (e) {
      apply(parseInt(e.target.value, 10));
    });
    return div;
  };
  control.addTo(map);
  apply({{ this.default }});
})();
{% endmacro %}
"""
    )

    def __init__(
        self,
        geojson: folium.GeoJson,
        labels: Sequence[str],
        default: int,
        *,
        field: str,
        title: str,
    ):
        super().__init__()
        self._name = "ValueSelector"
        self.layer_name = geojson.get_name()
        self.labels_js = js_literal(list(labels))
        self.labels_html_js = js_literal([escape(label) for label in labels])
        self.field_js = js_literal(field)
        self.title_html_js = js_literal(escape(title))
        self.default = int(default)
