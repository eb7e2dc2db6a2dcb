"""Geometry of catalog rows: park points, structure polygons and schematic lines.

Everything is built from the administrative layers, never typed in: a structure area is
the dissolve of the townships (or counties, or zones) the plan names, an axis or belt is a
straight polyline through the seats of the named places (``geometry_quality``
``schematic``), a park point is its declared coordinate or the seat of a township.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from jmgis.catalog.admin_link import AdminIndex
from jmgis.errors import DataError


def park_point(rec: dict[str, Any]) -> BaseGeometry | None:
    """The park's point (lon/lat degrees, EPSG:4490) or ``None`` when it has no location."""
    if rec["lon"] != rec["lon"]:  # NaN: the plan gives no place
        return None
    return shapely.Point(rec["lon"], rec["lat"])


def structure_geometries(
    records: list[dict[str, Any]],
    admin: AdminIndex,
    park_points: dict[str, BaseGeometry | None],
    file: str,
) -> list[BaseGeometry | None]:
    """Geometries of all structure rows: areas first, then the lines that may pass them.

    Parameters
    ----------
    records : list of dict
        The rows of ``structure.yaml``.
    admin : AdminIndex
        Township and county lookups.
    park_points : dict of str to shapely geometry or None
        Point of each park by id (EPSG:4490), for rows placed at a park.
    file : str
        The YAML file (named in errors).

    Returns
    -------
    list of shapely geometry or None
        One geometry per record (EPSG:4490), in record order.
    """
    areas = {
        rec["id"]: structure_geometry(rec, admin, park_points, {}, file)
        for rec in records
        if rec["method"] != "through"
    }
    return [
        areas[rec["id"]]
        if rec["id"] in areas
        else structure_geometry(rec, admin, park_points, areas, file)
        for rec in records
    ]


def structure_geometry(
    rec: dict[str, Any],
    admin: AdminIndex,
    park_points: dict[str, BaseGeometry | None],
    areas: dict[str, BaseGeometry | None],
    file: str,
) -> BaseGeometry | None:
    """The geometry of a structure row (EPSG:4490), from its ``defined_by`` method.

    Parameters
    ----------
    rec : dict
        One row of ``structure.yaml``.
    admin : AdminIndex
        Township and county lookups.
    park_points : dict of str to shapely geometry or None
        Point of each park by id (EPSG:4490), for rows placed at a park.
    areas : dict of str to shapely geometry or None
        Area geometries already built, by id (for lines defined through areas).
    file : str
        The YAML file (named in errors).

    Returns
    -------
    shapely geometry or None
        The geometry, or ``None`` when the row has none.
    """
    method = rec["method"]
    if not method:
        return None
    if method == "townships":
        towns = admin.townships
        parts = towns.geometry[towns["code"].astype(str).isin(rec["township_codes"])]
        return _dissolve(parts)
    if method == "counties":
        counties = admin.counties
        parts = counties.geometry[counties["code"].astype(str).isin(rec["county_codes"])]
        return _dissolve(parts)
    if method == "zones":
        towns = admin.townships
        return _dissolve(towns.geometry[towns["zone_code"].isin(rec["zone_codes"])])
    points = []
    for place in rec["through"]:
        if "structure" in place:
            area = areas.get(place["structure"])
            if area is None:
                raise DataError(
                    f"place {place['label']!r}: structure {place['structure']!r} is not an area "
                    "with a geometry",
                    file=file,
                    feature=rec["id"],
                    field="defined_by",
                )
            point = area.representative_point()
            points.append((point.x, point.y))
        elif "park" in place:
            point = park_points.get(place["park"])
            if point is None:
                raise DataError(
                    f"place {place['label']!r}: park {place['park']!r} is unknown or has no "
                    "location",
                    file=file,
                    feature=rec["id"],
                    field="defined_by",
                )
            points.append((point.x, point.y))
        else:
            points.append(admin.seat(place["township"]))
    return shapely.LineString(points)


def _dissolve(parts) -> BaseGeometry:
    merged = shapely.union_all(parts.to_numpy())
    if merged.geom_type == "Polygon":
        merged = shapely.MultiPolygon([merged])
    return merged
