"""The one palette of jmgis, shared by the folium maps and the QGIS styles.

A zone, a road class or a status looks the same in the browser and in QGIS because both
read these tables.  Colours are hex strings ``#rrggbb``.
"""

from __future__ import annotations

import itertools
from typing import TypedDict

ZONE_COLORS: dict[str, str] = {
    "core": "#d7301f",  # 都市核心区 — red: the main engine
    "bay": "#2b8cbe",  # 大广海湾区 — sea blue
    "eco": "#41ab5d",  # 生态发展区 — green
}

ZONE_FILL_OPACITY = 0.55

COUNTY_LINE = {"color": "#404040", "weight": 2.0}
TOWNSHIP_LINE: dict[str, str | float] = {"color": "#ffffff", "weight": 0.8}
CITY_LINE: dict[str, str | float] = {"color": "#202020", "weight": 2.5}
SEA_COLOR = "#d6eaf3"
LAND_COLOR = "#f7f4ec"
NEIGHBOUR_LAND_COLOR = "#e6e4df"  # land outside the city, on the offline base

# Counties (县级行政区), by 6-digit code.  Muted, distinct hues: they are drawn as outlines
# or light fills under the thematic layers, never competing with the zone colours.
COUNTY_COLORS: dict[str, str] = {
    "440703": "#8c6bb1",  # 蓬江区
    "440704": "#6a51a3",  # 江海区
    "440705": "#df65b0",  # 新会区
    "440781": "#fd8d3c",  # 台山市
    "440783": "#a6761d",  # 开平市
    "440784": "#66a61e",  # 鹤山市
    "440785": "#1b9e77",  # 恩平市
}

# Roads by ``road_class`` (the classes of jmgis.speeds.DEFAULT_SPEEDS_KPH).
# ``weight`` is the line width in CSS pixels (folium) and is scaled to mm for QGIS.
# Following Chinese planning-map habit: expressways red-orange, national roads red,
# provincial yellow-brown, urban roads greys.
ROAD_CLASS_STYLES: dict[str, dict[str, str | float]] = {
    "expressway": {"color": "#e4572e", "weight": 4.0, "label": "高速公路"},
    "urban_expressway": {"color": "#f28e2b", "weight": 3.5, "label": "城市快速路"},
    "ramp": {"color": "#f4a582", "weight": 1.5, "label": "匝道/连接线"},
    "national": {"color": "#c51b7d", "weight": 3.0, "label": "国道"},
    "provincial": {"color": "#d9a21b", "weight": 2.5, "label": "省道"},
    "arterial": {"color": "#737373", "weight": 2.0, "label": "城市主干路"},
    "secondary": {"color": "#969696", "weight": 1.5, "label": "城市次干路"},
    "county": {"color": "#a1887f", "weight": 1.5, "label": "县道"},
    "township": {"color": "#bcaaa4", "weight": 1.0, "label": "乡道"},
    "local": {"color": "#bdbdbd", "weight": 1.0, "label": "支路"},
}
ROAD_DEFAULT_STYLE: dict[str, str | float] = {
    "color": "#9e9e9e",
    "weight": 1.5,
    "label": "其他道路",
}


# Construction status → line pattern.  ``dash`` is a Leaflet/SVG dasharray in pixels
# (``None`` = solid); QGIS uses the same numbers as a custom dash pattern.
class StatusStyle(TypedDict):
    """How a construction status is drawn: dasharray (pixels, ``None`` = solid), opacity, label."""

    dash: str | None
    opacity: float
    label: str


STATUS_STYLES: dict[str, StatusStyle] = {
    "existing": {"dash": None, "opacity": 0.95, "label": "现状"},
    "completed": {"dash": None, "opacity": 0.95, "label": "已建成"},
    "under_construction": {"dash": "8 4", "opacity": 0.9, "label": "在建"},
    "planned": {"dash": "2 5", "opacity": 0.85, "label": "规划"},
    "conceptual": {"dash": "1 6", "opacity": 0.4, "label": "远景/研究"},
    "upgrade": {"dash": "12 3", "opacity": 0.95, "label": "现状（规划改造）"},
}
STATUS_DEFAULT_STYLE: StatusStyle = {
    "dash": "4 4",
    "opacity": 0.6,
    "label": "未定",
}

# Rail by ``kind`` (jmgis.speeds.DEFAULT_RAIL_SPEEDS_KPH + freight).
RAIL_KIND_STYLES: dict[str, dict[str, str | float]] = {
    "hsr": {"color": "#1f3a93", "weight": 4.0, "label": "高速铁路"},
    "intercity": {"color": "#3b75af", "weight": 3.5, "label": "城际铁路"},
    "conventional": {"color": "#4d4d4d", "weight": 3.0, "label": "普速铁路"},
    "urban": {"color": "#7b3294", "weight": 3.0, "label": "城市轨道"},
    "freight": {"color": "#6d6d6d", "weight": 2.5, "label": "货运铁路"},
}
RAIL_DEFAULT_STYLE: dict[str, str | float] = {"color": "#555555", "weight": 2.5, "label": "铁路"}

# Labels of road-scheme members ("纵1" …): text and frame colour per scheme, in the order
# the schemes first appear in the road layer.
SCHEME_LABEL_COLORS: tuple[str, ...] = ("#a3271a", "#1f4e9e", "#2e7d32", "#6a1b9a")

# Ferry routes (轮渡航线): sea blue, dashed whatever their status.
FERRY_STYLE: dict[str, str | float] = {
    "color": "#1f78b4",
    "weight": 2.5,
    "dash": "6 4",
    "label": "轮渡航线",
}

# Links of the routing graph (``network_edge.link_class``): roads by their class, the
# other links by their mode (the same colours as the rail and ferry layers).
LINK_MODE_STYLES: dict[str, dict[str, str | float]] = {
    "rail": {**RAIL_DEFAULT_STYLE, "label": "铁路区间"},
    "ferry": {**FERRY_STYLE, "label": "轮渡航线"},
    "connector": {"color": "#8c8c8c", "weight": 1.0, "dash": "3 3", "label": "接驳连线（推导）"},
    "transfer": {"color": "#6a3d9a", "weight": 1.0, "dash": "1 3", "label": "换乘连线（推导）"},
}
LINK_CLASS_STYLES: dict[str, dict[str, str | float]] = {**ROAD_CLASS_STYLES, **LINK_MODE_STYLES}

# Point symbols per layer: ``shape`` ∈ circle/square/triangle/diamond/star (QGIS simple
# marker names), ``radius`` in pixels, fill and stroke colours.
POINT_SYMBOLS: dict[str, dict[str, str | float]] = {
    "township_seat": {
        "shape": "circle",
        "radius": 3.0,
        "fill": "#ffffff",
        "stroke": "#303030",
        "label": "乡镇驻地",
    },
    "station": {
        "shape": "square",
        "radius": 5.0,
        "fill": "#ffffff",
        "stroke": "#1f3a93",
        "label": "铁路车站",
    },
    "port": {
        "shape": "triangle",
        "radius": 6.0,
        "fill": "#2b8cbe",
        "stroke": "#08306b",
        "label": "港口/码头",
    },
    "airport": {
        "shape": "star",
        "radius": 7.0,
        "fill": "#fdd835",
        "stroke": "#5d4037",
        "label": "机场",
    },
    "gateway": {
        "shape": "diamond",
        "radius": 6.0,
        "fill": "#e4572e",
        "stroke": "#7f2704",
        "label": "对外门户",
    },
    "interchange": {
        "shape": "circle",
        "radius": 4.0,
        "fill": "#f28e2b",
        "stroke": "#7f2704",
        "label": "互通立交",
    },
    "park": {
        "shape": "square",
        "radius": 6.0,
        "fill": "#bb9674",
        "stroke": "#5d4037",
        "label": "产业园区",
    },
    "isochrone_hub": {
        "shape": "star",
        "radius": 8.0,
        "fill": "#6a3d9a",
        "stroke": "#ffffff",
        "label": "等时圈枢纽",
    },
    "structure": {
        "shape": "circle",
        "radius": 7.0,
        "fill": "#d7301f",
        "stroke": "#67000d",
        "label": "核心/节点",
    },
}
# Plan facilities, one layer per sector (jmgis.vocab.FACILITY_LAYERS, issue 14).
POINT_SYMBOLS.update(
    {
        "plan_energy": {
            "shape": "diamond",
            "radius": 6.0,
            "fill": "#e6550d",
            "stroke": "#7f2704",
            "label": "能源设施",
        },
        "plan_water": {
            "shape": "circle",
            "radius": 5.0,
            "fill": "#3182bd",
            "stroke": "#08306b",
            "label": "水利与供水设施",
        },
        "plan_agriculture": {
            "shape": "square",
            "radius": 5.0,
            "fill": "#a6d854",
            "stroke": "#4d7a00",
            "label": "农业产业集群",
        },
        "plan_tourism": {
            "shape": "triangle",
            "radius": 6.0,
            "fill": "#984ea3",
            "stroke": "#3f007d",
            "label": "文旅项目与滨海旅游组团",
        },
        "plan_ecology": {
            "shape": "circle",
            "radius": 5.0,
            "fill": "#238b45",
            "stroke": "#00441b",
            "label": "湿地公园与森林公园",
        },
        "plan_pilot": {
            "shape": "diamond",
            "radius": 6.0,
            "fill": "#e7298a",
            "stroke": "#67001f",
            "label": "改革试点",
        },
        "plan_environment": {
            "shape": "square",
            "radius": 5.0,
            "fill": "#8c6d31",
            "stroke": "#3d2b00",
            "label": "环境基础设施",
        },
        "plan_renewal": {
            "shape": "triangle",
            "radius": 5.0,
            "fill": "#fdae6b",
            "stroke": "#a63603",
            "label": "城市更新片区",
        },
    }
)
POINT_DEFAULT_SYMBOL: dict[str, str | float] = {
    "shape": "circle",
    "radius": 4.0,
    "fill": "#999999",
    "stroke": "#333333",
    "label": "点",
}

# Accessibility: planners' breaks in minutes (upper bounds, inclusive) and their colours,
# green (near) → red (far); beyond the last break is ACCESS_BEYOND_COLOR.
ACCESS_BREAKS_MIN: tuple[int, ...] = (15, 30, 45, 60, 90)
ACCESS_COLORS: tuple[str, ...] = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
ACCESS_BEYOND_COLOR = "#7f0000"
ACCESS_NODATA_COLOR = "#cccccc"

# Scenario change: minutes saved between two years (positive = faster).  Breaks in
# minutes (lower bounds); diverging blue for gains, orange for losses.
SCENARIO_CHANGE_BREAKS_MIN: tuple[float, ...] = (-5.0, -1.0, 1.0, 5.0, 10.0, 20.0)
SCENARIO_CHANGE_COLORS: tuple[str, ...] = (
    "#e66101",  # slower by more than 5 min
    "#fdb863",  # slower by 1–5 min
    "#f7f7f7",  # within ±1 min: no change
    "#b2abd2",  # 1–5 min saved
    "#8073ac",  # 5–10 min saved
    "#542788",  # 10–20 min saved
    "#2d004b",  # more than 20 min saved
)

# Plan structure (一核两带三轴线 …) by ``kind`` (jmgis.catalog.vocab.STRUCTURE_KINDS).
STRUCTURE_KIND_STYLES: dict[str, dict[str, str | float]] = {
    "core": {"color": "#b2182b", "weight": 3.0, "label": "核心"},
    "belt": {"color": "#ff7f00", "weight": 7.0, "label": "发展带"},
    "axis": {"color": "#e7298a", "weight": 4.5, "label": "发展轴"},
    "area": {"color": "#fb9a99", "weight": 2.0, "label": "片区/组团"},
    "pattern": {"color": "#6a3d9a", "weight": 2.0, "label": "空间格局"},
    "positioning": {"color": "#8c510a", "weight": 2.0, "label": "功能定位"},
}
STRUCTURE_DEFAULT_STYLE: dict[str, str | float] = {
    "color": "#cb181d",
    "weight": 3.0,
    "label": "结构要素",
}

# Parks and platforms: fill colour by ``level``, marker size by ``kind``.
PARK_LEVEL_COLORS: dict[str, str] = {
    "national": "#67000d",
    "provincial": "#cb181d",
    "municipal": "#fb6a4a",
    "district": "#fcae91",
    "unknown": "#bdbdbd",
}
PARK_LEVEL_LABELS: dict[str, str] = {
    "national": "国家级",
    "provincial": "省级",
    "municipal": "市级",
    "district": "区（县）级",
    "unknown": "级别未注明",
}
PARK_DEFAULT_COLOR = "#bb9674"
PARK_KIND_STYLES: dict[str, dict[str, str | float]] = {
    "high_tech_zone": {"radius": 10.0, "label": "高新区"},
    "new_district": {"radius": 10.0, "label": "新区/新城"},
    "cooperation_zone": {"radius": 9.0, "label": "合作区"},
    "platform": {"radius": 9.0, "label": "重大平台"},
    "industrial_park": {"radius": 7.0, "label": "产业园区"},
    "logistics_hub": {"radius": 7.0, "label": "物流枢纽"},
    "innovation_park": {"radius": 6.0, "label": "科创园区"},
    "agricultural_park": {"radius": 6.0, "label": "农业园区"},
}
PARK_DEFAULT_KIND_STYLE: dict[str, str | float] = {"radius": 6.0, "label": "园区"}


def access_color(minutes: float | None) -> str:
    """Colour of a travel time in minutes by :data:`ACCESS_BREAKS_MIN`."""
    if minutes is None or minutes != minutes:  # NaN
        return ACCESS_NODATA_COLOR
    for upper, color in zip(ACCESS_BREAKS_MIN, ACCESS_COLORS, strict=True):
        if minutes <= upper:
            return color
    return ACCESS_BEYOND_COLOR


def access_classes() -> list[tuple[str, str]]:
    """Legend rows ``(label, colour)`` for :data:`ACCESS_BREAKS_MIN`, in order."""
    rows = []
    lower = 0
    for upper, color in zip(ACCESS_BREAKS_MIN, ACCESS_COLORS, strict=True):
        rows.append((f"{lower}–{upper} 分钟" if lower else f"≤ {upper} 分钟", color))
        lower = upper
    rows.append((f"> {ACCESS_BREAKS_MIN[-1]} 分钟", ACCESS_BEYOND_COLOR))
    return rows


def scenario_change_color(minutes_saved: float | None) -> str:
    """Colour of a change in travel time (minutes saved, positive = faster)."""
    if minutes_saved is None or minutes_saved != minutes_saved:
        return ACCESS_NODATA_COLOR
    for lower, color in zip(SCENARIO_CHANGE_BREAKS_MIN, SCENARIO_CHANGE_COLORS, strict=False):
        if minutes_saved < lower:
            return color
    return SCENARIO_CHANGE_COLORS[-1]


def scenario_change_classes() -> list[tuple[str, str]]:
    """Legend rows ``(label, colour)`` for :data:`SCENARIO_CHANGE_BREAKS_MIN`."""
    b = SCENARIO_CHANGE_BREAKS_MIN
    labels = [f"变慢 > {-b[0]:g} 分钟"]
    labels.append(f"变慢 {-b[1]:g}–{-b[0]:g} 分钟")
    labels.append(f"基本不变（±{b[2]:g} 分钟）")
    labels += [f"节省 {lo:g}–{hi:g} 分钟" for lo, hi in itertools.pairwise(b[2:])]
    labels.append(f"节省 > {b[-1]:g} 分钟")
    return list(zip(labels, SCENARIO_CHANGE_COLORS, strict=True))


ZONE_LABELS: dict[str, str] = {"core": "都市核心区", "bay": "大广海湾区", "eco": "生态发展区"}


# --- a user's own layers on a jmgis map (jmgis.maps.add_layer) ----------------------
#: Categories and successive single-colour layers (colour-blind-safe Okabe–Ito order).
USER_CATEGORY_COLORS: tuple[str, ...] = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
    "#999999",
    "#882255",
)
#: Classes of a numeric column, low → high (ColorBrewer YlGnBu 5, 7 for more classes).
USER_SEQUENTIAL_COLORS: tuple[str, ...] = (
    "#ffffcc",
    "#c7e9b4",
    "#7fcdbb",
    "#41b6c4",
    "#1d91c0",
    "#225ea8",
    "#0c2c84",
)
