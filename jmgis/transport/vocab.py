"""Controlled vocabularies of the transport layers.

The shared lists (statuses, road classes, rail kinds, geometry qualities, scenario years)
are defined once in :mod:`jmgis.vocab` and re-exported here; the lists below belong to the
transport layers alone.
"""

from __future__ import annotations

from jmgis.vocab import (
    BUILT_STATUSES,
    DEFAULT_YEARS,
    FIRST_YEAR,
    GEOMETRY_QUALITIES,
    PLANNED_STATUSES,
    RAIL_KINDS,
    ROAD_CLASSES,
    STATUSES,
    VISION_YEAR,
)

#: The standard scenario years (old name of :data:`jmgis.vocab.DEFAULT_YEARS`).
SCENARIO_YEARS: tuple[int, ...] = DEFAULT_YEARS

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

OUTSIDE = "outside"  # township_code of a point outside 江门

__all__ = [
    "AIRPORT_TYPES",
    "BUILT_STATUSES",
    "FIRST_YEAR",
    "GEOMETRY_QUALITIES",
    "OUTSIDE",
    "PLANNED_STATUSES",
    "POINT_KINDS",
    "PORT_KINDS",
    "RAIL_KINDS",
    "ROAD_CLASSES",
    "SCENARIO_YEARS",
    "STATION_KINDS",
    "STATUSES",
    "VISION_YEAR",
]
