"""Controlled vocabularies of the transport layers and the scenario years."""

from __future__ import annotations

from jmgis.network.speeds import DEFAULT_RAIL_SPEEDS_KPH, DEFAULT_SPEEDS_KPH

#: Road classes: the keys of the operating-speed table (``jmgis.network.speeds``).
ROAD_CLASSES: tuple[str, ...] = tuple(DEFAULT_SPEEDS_KPH)
#: Rail kinds; ``freight`` lines carry no passengers (no default speed).
RAIL_KINDS: tuple[str, ...] = (*DEFAULT_RAIL_SPEEDS_KPH, "freight")
STATION_KINDS: tuple[str, ...] = ("hsr", "intercity", "conventional", "freight", "urban")
PORT_KINDS: tuple[str, ...] = ("seaport", "river_port", "fishing_port", "passenger_terminal")
AIRPORT_TYPES: tuple[str, ...] = ("general_aviation", "hub")
POINT_KINDS: tuple[str, ...] = (
    "seat",
    "station",
    "port",
    "airport",
    "interchange",
    "junction",
    "gateway",
    "bridge",
    "pier",
)
GEOMETRY_QUALITIES: tuple[str, ...] = ("official", "derived", "schematic")

#: Statuses.  ``existing``/``completed`` exist from ``open_year`` (or always when it is
#: empty); ``under_construction``/``planned`` from ``open_year`` (or, without one, in the
#: plan horizon year only); ``conceptual`` only in the vision year.
BUILT_STATUSES: tuple[str, ...] = ("existing", "completed")
PLANNED_STATUSES: tuple[str, ...] = ("under_construction", "planned")
STATUSES: tuple[str, ...] = (*BUILT_STATUSES, *PLANNED_STATUSES, "conceptual")

#: The scenario years the data supports (inclusive range) and the three standard ones.
FIRST_YEAR = 2020
VISION_YEAR = 2035
SCENARIO_YEARS: tuple[int, ...] = (2020, 2025, 2035)

OUTSIDE = "outside"  # township_code of a point outside 江门
