"""What each layer looks like in QGIS, decided from the layer registry and :mod:`jmgis.style`.

This module holds no colours of its own: every colour, width, dash and marker comes from
the palette the folium maps use, so a zone is the same red in QGIS and in the browser.
The decision is generic, so a layer added to the registry later gets a sensible style
without touching this file:

1. attribute tables (no geometry) get only their field aliases;
2. a field ``t_<what>_min`` (travel time in minutes) → graduated by
   :data:`jmgis.style.ACCESS_BREAKS_MIN`;
3. a field with a palette (``zone_code``; ``road_class`` × ``status``; rail ``kind`` ×
   ``status``; structure ``kind``; park ``level``; the ``zone`` layer's ``code``) →
   categorised, or rule-based when line status changes the dash pattern;
4. points → the layer's marker from :data:`jmgis.style.POINT_SYMBOLS`;
5. anything else → one symbol by geometry type.

Sizes: the palette gives widths and radii in CSS pixels (folium); QGIS gets millimetres at
96 dpi (:data:`PX_MM`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import pandas as pd

from jmgis import style
from jmgis.layers import LayerSpec
from jmgis.vocab import FACILITY_LAYERS

PX_MM = 25.4 / 96
"""Millimetres per CSS pixel (96 dpi)."""

TRAVEL_TIME_FIELD = re.compile(r"^(t_[a-z0-9_]+_min|band_min)$")
"""Columns holding a travel time in minutes (graduated by the accessibility breaks);
``band_min`` is an isochrone band's upper bound."""

CHANGE_FIELD = "change_min"
"""Minutes saved between two scenario years (positive = faster)."""

ACCESS_UPPER_LIMIT_MIN = math.inf
"""Upper bound of the open-ended last accessibility class (minutes).  Unreachable places
are stored as ``inf`` (:mod:`jmgis.access`) and fall in it, as on the web maps; QGIS
reads ``upper="inf"`` in the QML (checked with QGIS 3.22).  QGIS expressions turn ``inf``
into NULL, so the renderer classifies the plain column, never an expression."""

LABEL_FIELDS = ("name", "XZQMC", "origin_name")
"""Columns labels are drawn from, first found wins (XZQMC: planning-database profile;
origin_name: the hub of an isochrone)."""


@dataclass(frozen=True)
class Symbol:
    """One QGIS symbol with a single simple symbol layer.

    ``kind`` is ``fill``, ``line`` or ``marker``.  Widths and sizes in millimetres;
    ``dash`` alternates dash and gap lengths in millimetres (``None`` = solid).
    ``color`` is the fill (fill, marker) or the line colour; ``opacity`` 0–1 applies to
    ``color`` only, so outlines stay crisp over translucent fills.
    """

    kind: str
    color: str | None
    opacity: float = 1.0
    outline_color: str | None = None
    outline_width_mm: float = 0.26
    width_mm: float = 0.5
    dash: tuple[float, ...] | None = None
    shape: str = "circle"
    size_mm: float = 2.0


@dataclass(frozen=True)
class Category:
    """One class of a categorised renderer: the data value, its legend label and symbol."""

    value: str
    label: str
    symbol: Symbol


@dataclass(frozen=True)
class Range:
    """One class of a graduated renderer: ``lower`` ≤ value < ``upper``, label and symbol."""

    lower: float
    upper: float
    label: str
    symbol: Symbol


@dataclass(frozen=True)
class Rule:
    """A rule of a rule-based renderer; ``filter`` is a QGIS expression or ``ELSE``."""

    filter: str
    label: str
    symbol: Symbol


@dataclass(frozen=True)
class Labels:
    """Label settings of a layer: the field shown, size (points), colours and scale limit."""

    field: str
    size_pt: float = 9.0
    color: str = "#202020"
    buffer_color: str = "#ffffff"
    bold: bool = False
    max_scale_denominator: float | None = None
    """Labels show only at scales larger than 1:max_scale_denominator (None = always)."""


@dataclass(frozen=True)
class LayerStyle:
    """The renderer and labels of one layer (``renderer`` None = attribute table)."""

    layer: str
    renderer: str | None  # singleSymbol, categorizedSymbol, graduatedSymbol, RuleRenderer
    attr: str | None = None
    symbol: Symbol | None = None
    categories: tuple[Category, ...] = ()
    ranges: tuple[Range, ...] = ()
    rules: tuple[Rule, ...] = ()
    labels: Labels | None = None
    name: str = "default"
    description: str = ""
    opacity: float = 1.0
    order_by: tuple[str, bool] | None = None
    """Draw features ordered by (field, ascending), e.g. wide isochrone bands first."""


def geometry_kind(spec: LayerSpec) -> str | None:
    """``fill``, ``line``, ``marker`` or None (table) for the registry geometry type."""
    geometry = (spec.geometry or "").lower()
    if not geometry:
        return None
    if "polygon" in geometry:
        return "fill"
    if "line" in geometry:
        return "line"
    return "marker"


def _symbol_from_entry(kind: str, entry: Mapping | str, *, fill_opacity: float = 1.0) -> Symbol:
    """A symbol from a palette entry (a colour, or a dict with color/weight/dash/…)."""
    if isinstance(entry, str):
        entry = {"color": entry}
    color = str(entry.get("color") or entry.get("fill") or "#999999")
    weight = float(entry.get("weight", 1.5))
    if kind == "fill":
        return Symbol("fill", color, fill_opacity, outline_color="#ffffff", outline_width_mm=0.2)
    if kind == "line":
        dash = _dash_mm(str(entry["dash"])) if entry.get("dash") else None
        return Symbol("line", color, width_mm=round(weight * PX_MM, 3), dash=dash)
    return _marker(entry)


def _marker(entry: Mapping) -> Symbol:
    radius = float(entry.get("radius", 4.0))
    return Symbol(
        "marker",
        str(entry.get("fill") or entry.get("color") or "#999999"),
        outline_color=str(entry.get("stroke", "#333333")),
        outline_width_mm=0.3,
        shape=str(entry.get("shape", "circle")),
        size_mm=round(2 * radius * PX_MM, 3),
    )


def _dash_mm(dash: str | None) -> tuple[float, ...] | None:
    if not dash:
        return None
    return tuple(round(float(x) * PX_MM, 3) for x in str(dash).replace(",", " ").split())


def _present(frame: pd.DataFrame | None, column: str) -> list[str] | None:
    """Distinct non-null values of a column as strings, in first-seen order."""
    if frame is None or column not in frame.columns:
        return None
    values = frame[column].dropna().astype(str)
    return list(dict.fromkeys(values))


def _ordered_values(palette: Mapping[str, object], present: list[str] | None) -> list[str]:
    """Palette order first, then values found in the data but missing from the palette."""
    if present is None:
        return list(palette)
    known = [v for v in palette if v in present]
    return known + [v for v in present if v not in palette]


def _labels_from_data(frame: pd.DataFrame | None, code: str, name: str) -> dict[str, str]:
    if frame is None or code not in frame.columns or name not in frame.columns:
        return {}
    pairs = frame[[code, name]].dropna().astype(str).drop_duplicates(code)
    return dict(zip(pairs[code], pairs[name], strict=True))


def _entry_label(entry: object, fallback: str) -> str:
    if isinstance(entry, Mapping) and entry.get("label"):
        return str(entry["label"])
    return fallback


# ---------------------------------------------------------------------------- renderers


def _categorized(
    spec: LayerSpec,
    frame: pd.DataFrame | None,
    attr: str,
    palette: Mapping[str, Mapping | str],
    default_entry: Mapping | str,
    labels: Mapping[str, str] | None = None,
    *,
    fill_opacity: float = 1.0,
) -> LayerStyle:
    kind = geometry_kind(spec) or "fill"
    labels = labels or {}
    data_labels: dict[str, str] = {}
    if attr == "code" or attr.endswith("_code"):  # a code has its name in the next column
        data_labels = _labels_from_data(frame, attr, attr[: -len("code")] + "name")
    marker_base = _point_entry(spec.name) if kind == "marker" else {}
    categories = []
    for value in _ordered_values(palette, _present(frame, attr)):
        entry = palette.get(value, default_entry)
        label = labels.get(value) or _entry_label(entry, data_labels.get(value, value))
        if kind == "marker":
            colour = entry if isinstance(entry, str) else entry.get("fill") or entry.get("color")
            entry = {**marker_base, "fill": colour}
        symbol = _symbol_from_entry(kind, entry, fill_opacity=fill_opacity)
        categories.append(Category(value, label, symbol))
    return LayerStyle(
        spec.name,
        "categorizedSymbol",
        attr=attr,
        categories=tuple(categories),
        description=f"{spec.title}：按{spec.aliases.get(attr, attr)}分类",
    )


def _quote(value: str) -> str:
    r"""A QGIS expression string literal of ``value`` (a category from the data).

    QGIS reads ``\`` escapes inside string literals as well as ``''``, so a value ending
    in a backslash would otherwise swallow the closing quote.
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _class_status_rules(
    spec: LayerSpec,
    frame: pd.DataFrame | None,
    attr: str,
    palette: Mapping[str, Mapping],
    default_entry: Mapping,
) -> LayerStyle:
    """Rule-based line style: colour and width by ``attr``, dash and opacity by ``status``."""
    statuses: Mapping[str, Mapping] = style.STATUS_STYLES
    status_default: Mapping = style.STATUS_DEFAULT_STYLE
    if frame is not None and {attr, "status"} <= set(frame.columns):
        pairs = frame[[attr, "status"]].astype("string").fillna("").drop_duplicates()
        combos = list(pairs.itertuples(index=False, name=None))
        order = {v: i for i, v in enumerate(palette)}
        status_order = {v: i for i, v in enumerate(statuses)}
        combos.sort(key=lambda c: (order.get(c[0], len(order)), status_order.get(c[1], 99), c))
    else:
        combos = [(c, s) for c in palette for s in statuses]
    rules = []
    for value, status in combos:
        entry = palette.get(value, default_entry)
        sstyle = statuses.get(status, status_default)
        base = _symbol_from_entry("line", entry)
        symbol = replace(
            base, opacity=float(sstyle.get("opacity", 1.0)), dash=_dash_mm(sstyle.get("dash"))
        )
        value_test = f'"{attr}" = {_quote(value)}' if value else f'"{attr}" IS NULL'
        status_test = f'"status" = {_quote(status)}' if status else '"status" IS NULL'
        label = (
            f"{_entry_label(entry, value or '未分类')}（{_entry_label(sstyle, status or '未定')}）"
        )
        rules.append(Rule(f"{value_test} AND {status_test}", label, symbol))
    other = _symbol_from_entry("line", default_entry)
    rules.append(Rule("ELSE", _entry_label(default_entry, "其他"), other))
    return LayerStyle(
        spec.name,
        "RuleRenderer",
        attr=attr,
        rules=tuple(rules),
        description=f"{spec.title}：按{spec.aliases.get(attr, attr)}和建设状态",
    )


def _graduated(spec: LayerSpec, attr: str) -> LayerStyle:
    kind = geometry_kind(spec) or "fill"
    breaks = style.ACCESS_BREAKS_MIN
    colors = [*style.ACCESS_COLORS, style.ACCESS_BEYOND_COLOR]
    labels = [label for label, _ in style.access_classes()]
    bounds = [0.0, *map(float, breaks), ACCESS_UPPER_LIMIT_MIN]
    ranges = []
    for i, (label, color) in enumerate(zip(labels, colors, strict=True)):
        entry = {"color": color, "fill": color, "weight": 2.0, "radius": 4.0}
        ranges.append(
            Range(
                bounds[i], bounds[i + 1], label, _symbol_from_entry(kind, entry, fill_opacity=0.8)
            )
        )
    alias = spec.aliases.get(attr, attr)
    return LayerStyle(
        spec.name,
        "graduatedSymbol",
        attr=attr,
        ranges=tuple(ranges),
        name="default" if attr == _travel_time_fields(spec)[0] else attr,
        description=f"{spec.title}：{alias}，按 {'/'.join(map(str, breaks))} 分钟分级",
    )


def _travel_time_fields(spec: LayerSpec) -> list[str]:
    return [f for f in spec.field_names if TRAVEL_TIME_FIELD.match(f)]


def _single(spec: LayerSpec, symbol: Symbol, description: str) -> LayerStyle:
    return LayerStyle(spec.name, "singleSymbol", symbol=symbol, description=description)


def _point_entry(layer: str) -> Mapping:
    symbols: Mapping[str, Mapping] = style.POINT_SYMBOLS
    if layer in symbols:
        return symbols[layer]
    for key, entry in symbols.items():
        if key in layer:
            return entry
    return style.POINT_DEFAULT_SYMBOL


def _boundary(spec: LayerSpec, line: Mapping, fill: str | None = None) -> LayerStyle:
    symbol = Symbol(
        "fill",
        fill,
        0.0 if fill is None else 1.0,
        outline_color=str(line.get("color", "#404040")),
        outline_width_mm=round(float(line.get("weight", 1.0)) * PX_MM, 3),
    )
    return _single(spec, symbol, f"{spec.title}：界线")


def _default(spec: LayerSpec) -> LayerStyle:
    kind = geometry_kind(spec)
    if kind == "marker":
        entry = _point_entry(spec.name)
        return _single(spec, _marker(entry), f"{spec.title}：{_entry_label(entry, '点')}")
    if kind == "line":
        symbol = Symbol("line", "#6a6a6a", width_mm=round(1.5 * PX_MM, 3))
        return _single(spec, symbol, f"{spec.title}")
    land = style.LAND_COLOR
    symbol = Symbol("fill", land, 0.6, outline_color="#808080", outline_width_mm=0.2)
    return _single(spec, symbol, f"{spec.title}")


# ------------------------------------------------------------------------ layer choice

StyleRule = Callable[[LayerSpec, "pd.DataFrame | None"], "LayerStyle | None"]


def _zone_layer(spec: LayerSpec, frame: pd.DataFrame | None) -> LayerStyle | None:
    if spec.name != "zone" or "code" not in spec.field_names:
        return None
    return _categorized(
        spec,
        frame,
        "code",
        style.ZONE_COLORS,
        "#bdbdbd",
        style.ZONE_LABELS,
        fill_opacity=style.ZONE_FILL_OPACITY,
    )


def _zone_field(spec: LayerSpec, frame: pd.DataFrame | None) -> LayerStyle | None:
    if "zone_code" not in spec.field_names or geometry_kind(spec) != "fill":
        return None
    result = _categorized(
        spec,
        frame,
        "zone_code",
        style.ZONE_COLORS,
        "#bdbdbd",
        style.ZONE_LABELS,
        fill_opacity=style.ZONE_FILL_OPACITY,
    )
    line = style.TOWNSHIP_LINE
    outline: dict[str, Any] = {
        "outline_color": str(line["color"]),
        "outline_width_mm": round(float(line["weight"]) * PX_MM, 3),
    }
    categories = tuple(replace(c, symbol=replace(c.symbol, **outline)) for c in result.categories)
    return replace(result, categories=categories)


def _line_palette(
    attr: str, palette_name: str, default_name: str, name_filter: str | None = None
) -> StyleRule:
    def rule(spec: LayerSpec, frame: pd.DataFrame | None) -> LayerStyle | None:
        if attr not in spec.field_names or geometry_kind(spec) != "line":
            return None
        if name_filter and name_filter not in spec.name:
            return None
        palette = getattr(style, palette_name)
        default = getattr(style, default_name)
        if not palette:
            return None
        if "status" in spec.field_names:
            return _class_status_rules(spec, frame, attr, palette, default)
        return _categorized(spec, frame, attr, palette, default)

    return rule


def _kind_palette(
    attr: str,
    palette_name: str,
    default_name: str,
    name_filter: str,
    labels_name: str | None = None,
    fill_opacity: float | None = None,
) -> StyleRule:
    fill = OVERLAY_FILL_OPACITY if fill_opacity is None else fill_opacity

    def rule(spec: LayerSpec, frame: pd.DataFrame | None) -> LayerStyle | None:
        if attr not in spec.field_names or name_filter not in spec.name:
            return None
        palette = getattr(style, palette_name)
        if not palette or geometry_kind(spec) is None:
            return None
        default = getattr(style, default_name)
        labels = getattr(style, labels_name) if labels_name else {}
        result = _categorized(spec, frame, attr, palette, default, labels, fill_opacity=fill)
        if geometry_kind(spec) != "fill":
            return result
        # plan areas lie over the 三区 fills: coloured outline, faint fill, zones stay legible
        categories = tuple(
            replace(
                c,
                symbol=replace(
                    c.symbol, outline_color=c.symbol.color, outline_width_mm=OVERLAY_OUTLINE_MM
                ),
            )
            for c in result.categories
        )
        return replace(result, categories=categories)

    return rule


OVERLAY_FILL_OPACITY = 0.15
OVERLAY_OUTLINE_MM = 0.6


def _travel_time(spec: LayerSpec, frame: pd.DataFrame | None) -> LayerStyle | None:
    fields = _travel_time_fields(spec)
    if not fields or geometry_kind(spec) is None:
        return None
    result = _graduated(spec, fields[0])
    if fields[0] == "band_min":  # nested bands: the widest first, the nearest on top
        result = replace(result, order_by=("band_min", False))
    return result


def _scenario_change(spec: LayerSpec, frame: pd.DataFrame | None) -> LayerStyle | None:
    """Rules on minutes saved with the web maps' classes: [b_i, b_i+1), open at both ends."""
    kind = geometry_kind(spec)
    if CHANGE_FIELD not in spec.field_names or kind is None:
        return None
    breaks = style.SCENARIO_CHANGE_BREAKS_MIN
    field_ref = f'"{CHANGE_FIELD}"'
    # QGIS fails comparing ±inf; its text form still says 'inf' / '-inf', tested first
    # because OR stops at the first true operand
    tests = [f"to_string({field_ref}) = '-inf' OR {field_ref} < {breaks[0]:g}"]
    tests += [f"{field_ref} >= {lo:g} AND {field_ref} < {hi:g}" for lo, hi in pairwise(breaks)]
    tests.append(f"to_string({field_ref}) = 'inf' OR {field_ref} >= {breaks[-1]:g}")
    rules = []
    for test, (label, color) in zip(tests, style.scenario_change_classes(), strict=True):
        entry = {"color": color, "fill": color, "weight": 2.0, "radius": 4.0}
        rules.append(Rule(test, label, _symbol_from_entry(kind, entry, fill_opacity=0.85)))
    nodata = style.ACCESS_NODATA_COLOR
    entry = {"color": nodata, "fill": nodata, "weight": 1.0, "radius": 3.0}
    rules.append(Rule("ELSE", "无数据", _symbol_from_entry(kind, entry, fill_opacity=0.85)))
    return LayerStyle(
        spec.name,
        "RuleRenderer",
        attr=CHANGE_FIELD,
        rules=tuple(rules),
        description=f"{spec.title}：节省时间（分钟）",
    )


def _admin_boundaries(spec: LayerSpec, frame: pd.DataFrame | None) -> LayerStyle | None:
    if spec.name == "county":
        return _boundary(spec, style.COUNTY_LINE)
    if spec.name == "city":
        return _boundary(spec, style.CITY_LINE)
    return None


STYLE_RULES: list[StyleRule] = [
    _admin_boundaries,
    _scenario_change,
    _travel_time,
    _zone_layer,
    _line_palette("road_class", "ROAD_CLASS_STYLES", "ROAD_DEFAULT_STYLE"),
    _line_palette("link_class", "LINK_CLASS_STYLES", "ROAD_DEFAULT_STYLE"),
    _line_palette("kind", "RAIL_KIND_STYLES", "RAIL_DEFAULT_STYLE", name_filter="rail"),
    # structure areas cover most of the city: outline only, so the 三区 colours stay true
    _kind_palette(
        "kind", "STRUCTURE_KIND_STYLES", "STRUCTURE_DEFAULT_STYLE", "structure", fill_opacity=0.0
    ),
    _kind_palette("level", "PARK_LEVEL_COLORS", "PARK_DEFAULT_COLOR", "park", "PARK_LEVEL_LABELS"),
    _zone_field,
]
"""Tried in order; the first rule that returns a style wins, else :func:`_default`."""

UNLABELLED_LAYERS = frozenset({"township_seat", "control_point", "city", "network_node"})
"""No labels: the seat repeats the township's name, control points are construction
geometry, the city is the whole map, network nodes repeat the features they stand for."""

LABEL_MAX_SCALE: dict[str, float] = {
    "interchange": 100_000,
    "park": 250_000,
    # the plan facilities (issue 14): many points in the city view
    **{name: 250_000 for name in FACILITY_LAYERS.values()},
}
"""Labels shown only when zoomed in beyond 1:N (the city view would be unreadable)."""

LINE_LABEL_MAX_SCALE = 250_000


def _labels(spec: LayerSpec) -> Labels | None:
    label_field = next((f for f in LABEL_FIELDS if f in spec.field_names), None)
    if label_field is None or spec.name in UNLABELLED_LAYERS:
        return None
    kind = geometry_kind(spec)
    if spec.name in {"county", "zone"}:
        return Labels(label_field, size_pt=11.0, bold=True)
    if kind == "line":
        return Labels(label_field, size_pt=8.0, max_scale_denominator=LINE_LABEL_MAX_SCALE)
    return Labels(label_field, size_pt=8.5, max_scale_denominator=LABEL_MAX_SCALE.get(spec.name))


def layer_style(spec: LayerSpec, frame: pd.DataFrame | None = None) -> LayerStyle:
    """The default QGIS style of a layer.

    Parameters
    ----------
    spec
        The registry entry (fields, aliases, geometry type).
    frame
        The layer's data, if at hand: categories then list the values present (in
        palette order, then unknown values with the default colour, never dropped) and
        take their labels from the ``*_name`` column next to a ``*_code``.

    Returns
    -------
    LayerStyle
        The style.
    """
    if geometry_kind(spec) is None:
        return LayerStyle(spec.name, None, description=f"{spec.title}：字段别名")
    chosen = None
    for rule in STYLE_RULES:
        chosen = rule(spec, frame)
        if chosen is not None:
            break
    chosen = chosen or _default(spec)
    return replace(chosen, labels=_labels(spec))


def extra_styles(spec: LayerSpec, frame: pd.DataFrame | None = None) -> list[LayerStyle]:
    """Named, non-default styles: one graduated style per further travel-time column.

    Parameters
    ----------
    spec : LayerSpec
        The layer's registry entry.
    frame : pandas.DataFrame or None
        The layer's attributes (for the columns present).

    Returns
    -------
    list of LayerStyle
        The alternative styles.
    """
    if geometry_kind(spec) is None:
        return []
    fields = _travel_time_fields(spec)
    return [replace(_graduated(spec, f), labels=_labels(spec)) for f in fields[1:]]


@dataclass
class StyledLayer:
    """A layer with its default style and the named alternatives."""

    spec: LayerSpec
    default: LayerStyle
    alternatives: list[LayerStyle] = field(default_factory=list)
    geometry_filter: str | None = None
    """For a table holding several geometry types: the one this entry shows
    (``Point``, ``LineString``, ``Polygon``; QGIS's ``geometrytype=`` filter)."""
    subset: str | None = None
    """A QGIS subset (filter) expression, e.g. ``"year" = 2035``."""
    title_suffix: str = ""
    visible: bool | None = None
    """Switched on when the project opens (None: the project's default rule)."""


def styled_layers(
    specs: Sequence[LayerSpec], frames: Mapping[str, pd.DataFrame] | None = None
) -> list[StyledLayer]:
    """Styles for several layers (``frames`` by layer name, optional).

    Parameters
    ----------
    specs : Sequence of LayerSpec
        The layers' registry entries.
    frames : Mapping of str to pandas.DataFrame or None
        The layers' attributes, by name.

    Returns
    -------
    list of StyledLayer
        One per spec (several for a table with several geometry types).
    """
    frames = frames or {}
    return [
        StyledLayer(s, layer_style(s, frames.get(s.name)), extra_styles(s, frames.get(s.name)))
        for s in specs
    ]
