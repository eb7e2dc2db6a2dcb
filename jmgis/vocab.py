"""One list per vocabulary: every closed set of values jmgis uses, defined once.

The command line (choices and help texts), the maps, the report and the QGIS styles derive
their lists from here.  Where to add:

- a **scenario year**: nothing to add — any year in ``FIRST_YEAR``–``VISION_YEAR`` works
  (``jmgis build --years 2020,2030``); :data:`DEFAULT_YEARS` are the three standard ones;
- a **mode**: a row in :data:`MODES` (name, label, the layer it is built from, its style
  key) and, for a mode with its own links, a graph builder in :mod:`jmgis.network.modes`;
- a **map kind**: a name in :data:`MAP_KINDS` and its builder in :mod:`jmgis.maps`;
- a **basemap**: a name in :data:`BASEMAPS` and its tiles in :mod:`jmgis.maps.basemap`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from jmgis.errors import ScenarioYearError

# --- scenario years -----------------------------------------------------------------------

#: The first year the transport data describes (the base year of the plans, 2020).
FIRST_YEAR = 2020
#: The plans' vision year (远景 2035); ``conceptual`` features exist only from it.
VISION_YEAR = 2035
#: The standard scenario years: base year, end of the 14th five-year plan, vision year.
DEFAULT_YEARS: tuple[int, ...] = (2020, 2025, 2035)


def check_year(year: int | str) -> int:
    """The scenario year as an int; ``"vision"`` means :data:`VISION_YEAR`.

    Parameters
    ----------
    year
        A year (int or text) in ``FIRST_YEAR``–``VISION_YEAR``, or ``"vision"``.

    Returns
    -------
    int
        The year.

    Raises
    ------
    ScenarioYearError
        When the year is not an integer in the range the data covers.
    """
    if isinstance(year, str) and year.strip().lower() == "vision":
        return VISION_YEAR
    try:
        value = int(year)
        if value != float(year):
            raise ValueError
    except (TypeError, ValueError):
        raise ScenarioYearError(
            f"scenario year {year!r} is not a year; valid: {FIRST_YEAR}–{VISION_YEAR} or 'vision'"
        ) from None
    if not FIRST_YEAR <= value <= VISION_YEAR:
        raise ScenarioYearError(
            f"scenario year {value} is outside the range of the transport data "
            f"({FIRST_YEAR}–{VISION_YEAR}; {VISION_YEAR} is the vision year)"
        )
    return value


def parse_years(years: str | Iterable[int | str]) -> tuple[int, ...]:
    """Scenario years from ``"2020,2030"`` or a sequence: checked, sorted, unique.

    Parameters
    ----------
    years
        Comma-separated text or an iterable of years.

    Returns
    -------
    tuple of int
        The years in ascending order.

    Raises
    ------
    ScenarioYearError
        When a value is not a year in range, or the list is empty.
    """
    items = [s for s in years.replace("，", ",").split(",")] if isinstance(years, str) else years
    parsed = sorted({check_year(str(y).strip()) for y in items if str(y).strip()})
    if not parsed:
        raise ScenarioYearError(
            f"no scenario year given; use e.g. '2020,2025' (years {FIRST_YEAR}–{VISION_YEAR})"
        )
    return tuple(parsed)


# --- modes --------------------------------------------------------------------------------


class Mode(str, Enum):
    """A mode of the multimodal graph; the value is the ``mode`` of an edge.

    ``ROAD``, ``RAIL`` and ``FERRY`` are modes a graph is built with; ``CONNECTOR`` (a
    point joining the network) and ``TRANSFER`` (platform ↔ station, rail ↔ rail) are
    kinds of edge that the builders add between them.
    """

    ROAD = "road"
    RAIL = "rail"
    FERRY = "ferry"
    CONNECTOR = "connector"
    TRANSFER = "transfer"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ModeInfo:
    """One row of the mode table.

    Attributes
    ----------
    mode
        The mode (the ``mode`` of its edges).
    label
        Chinese label (legends, report).
    layer
        The transport layer its links are built from (``None`` for the edge kinds the
        builders add between modes).
    style
        Key of its style in :mod:`jmgis.style`.
    speed_rule
        How its edges are timed (the fields of :class:`jmgis.speeds.SpeedTable`).
    builder
        The function of :mod:`jmgis.network` that adds its edges to a graph.
    """

    mode: Mode
    label: str
    layer: str | None
    style: str
    speed_rule: str
    builder: str


#: The mode table.
MODES: tuple[ModeInfo, ...] = (
    ModeInfo(
        Mode.ROAD,
        "道路",
        "road",
        "road",
        "feature speed_kph, else SpeedTable.road_kph[road_class]; × schematic factor",
        "jmgis.network.graph.add_segments",
    ),
    ModeInfo(
        Mode.RAIL,
        "铁路",
        "rail",
        "rail",
        "feature speed_kph, else SpeedTable.rail_kph[kind]; + boarding/alighting/transfer",
        "jmgis.network.rail.add_rail",
    ),
    ModeInfo(
        Mode.FERRY,
        "轮渡",
        "ferry",
        "ferry",
        "feature crossing_min/wait_min, else SpeedTable.ferry (speed, wait, boarding)",
        "jmgis.network.ferry.add_ferries",
    ),
    ModeInfo(
        Mode.CONNECTOR,
        "接驳",
        None,
        "connector",
        "off-network leg at SpeedTable's connector speed",
        "jmgis.network.connectors.connect_to_edges",
    ),
    ModeInfo(
        Mode.TRANSFER,
        "换乘",
        None,
        "transfer",
        "SpeedTable transfer and boarding penalties",
        "jmgis.network.rail.add_rail",
    ),
)
#: Modes a graph is built with (``build_graph(modes=...)``), in building order.
GRAPH_MODES: tuple[str, ...] = tuple(m.mode.value for m in MODES if m.layer is not None)
#: Every edge mode a graph may contain.
EDGE_MODES: tuple[str, ...] = tuple(m.mode.value for m in MODES)
#: Modes a route may be restricted to (``jmgis route --mode``): ``any`` uses every mode,
#: ``road`` drives (roads, ferries, connectors), ``rail`` uses the railway where it helps.
ROUTE_MODES: tuple[str, ...] = ("any", Mode.ROAD.value, Mode.RAIL.value)
#: Edge modes a car uses.
DRIVING_MODES: frozenset[str] = frozenset({Mode.ROAD.value, Mode.CONNECTOR.value, Mode.FERRY.value})

# --- maps ---------------------------------------------------------------------------------

#: The map kinds, in the order ``jmgis build`` writes them.
MAP_KINDS: tuple[str, ...] = ("zones", "plan", "transport", "access", "scenario")
#: Basemaps: ``none`` is the offline base (city, counties, neighbours); the others are tiles.
BASEMAPS: tuple[str, ...] = ("none", "osm", "tianditu", "gaode")

# --- export -------------------------------------------------------------------------------

#: Export profiles of ``jmgis export --profile`` (their renamings: :mod:`jmgis.io.profiles`).
EXPORT_PROFILES: tuple[str, ...] = ("default", "planning-db")

# --- data ---------------------------------------------------------------------------------

#: Sectors of the plan facilities and sites (``data/projects/facility.yaml``): each is one
#: GeoPackage point layer ``plan_<sector>`` (:data:`FACILITY_LAYERS`), drawn on the plan map.
FACILITY_SECTORS: tuple[str, ...] = (
    "energy",  # 核电、电厂、LNG、光伏、电网
    "water",  # 水库、水闸、水源工程、碧道
    "agriculture",  # 百亿农业产业集群
    "tourism",  # 滨海旅游组团、旅游度假区、文旅项目
    "ecology",  # 湿地公园、森林公园
    "pilot",  # 城乡融合发展试点、县城新型城镇化示范
    "environment",  # 污水处理厂、固废处理、垃圾填埋场
    "renewal",  # 城市更新（重点改造片区、老旧小区片区）
)
#: Sector → its GeoPackage layer.
FACILITY_LAYERS: dict[str, str] = {sector: f"plan_{sector}" for sector in FACILITY_SECTORS}

#: How a feature's geometry was obtained (``geometry_quality``).
#: ``osm_skeleton``: placed on or routed along the OpenStreetMap skeleton of scgraph-data
#: (:mod:`jmgis.transport.skeleton_routes`; © OpenStreetMap contributors, ODbL).
GEOMETRY_QUALITIES: tuple[str, ...] = ("official", "derived", "schematic", "osm_skeleton")

#: Statuses of transport features.  ``existing``/``completed`` exist from ``open_year`` (or
#: always when it is empty); ``under_construction``/``planned`` from ``open_year`` (or,
#: without one, in the vision year only); ``conceptual`` only in the vision year.
#: ``upgrade`` is an existing road the plans upgrade (改造, 快速化, 扩建 of a road that is
#: there): it exists like an existing one, and from its ``upgrade_year`` (without one: the
#: vision year) it takes ``upgrade_class``/``upgrade_speed_kph``
#: (:func:`jmgis.transport.scenario.as_of`).
BUILT_STATUSES: tuple[str, ...] = ("existing", "completed")
PLANNED_STATUSES: tuple[str, ...] = ("under_construction", "planned")
UPGRADE_STATUSES: tuple[str, ...] = ("upgrade",)
STATUSES: tuple[str, ...] = (
    *BUILT_STATUSES,
    *PLANNED_STATUSES,
    "conceptual",
    *UPGRADE_STATUSES,
)

#: What became of a plan road on the user's own road network (layer ``network_match``,
#: :func:`jmgis.network.base_network.plan_match_table`): found in the base by ref/name,
#: added as a schematic link, or neither.
PLAN_MATCH_STATUSES: tuple[str, ...] = ("matched", "added", "unplaced")

#: Road classes (the keys of the operating-speed table, :mod:`jmgis.speeds`).
ROAD_CLASSES: tuple[str, ...] = (
    "expressway",
    "ramp",
    "urban_expressway",
    "national",
    "provincial",
    "arterial",
    "secondary",
    "county",
    "township",
    "local",
)
#: Grade-separated road classes: no seat, station or point joins them except at an
#: interchange (issue 15, door-to-door model; :mod:`jmgis.network.door`).
GRADE_SEPARATED_CLASSES: tuple[str, ...] = ("expressway", "urban_expressway")
#: Access kind of the door-to-door model (the keys of the speed table's
#: ``access_speed_kph`` and ``access_m``) of each township kind; elsewhere ``other``.
TOWNSHIP_ACCESS_KIND: dict[str, str] = {"街道": "urban", "镇": "rural", "乡": "rural"}
#: Passenger rail kinds (with a default average speed) and the freight kind.
PASSENGER_RAIL_KINDS: tuple[str, ...] = ("hsr", "intercity", "conventional", "urban")
RAIL_KINDS: tuple[str, ...] = (*PASSENGER_RAIL_KINDS, "freight")
