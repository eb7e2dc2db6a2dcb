"""Gateways, interchanges, ports, airports and ferries (features placed on control points)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError
from jmgis.layers import columns
from jmgis.transport import fields as fld
from jmgis.transport.features import _frame, _status, build_points
from jmgis.transport.sources import expand_refs
from jmgis.transport.vocab import AIRPORT_TYPES, PORT_KINDS

#: Output column to its rule (see :func:`jmgis.transport.features.build_points`).
COLUMNS: dict[str, dict[str, str | tuple[str, ...]]] = {
    "gateway": {
        "name": "text",
        "aliases": "aliases",
        "geometry_quality": "quality",
        "source": "source",
    },
    "interchange": {
        "name": "text",
        "aliases": "aliases",
        "road_ids": "ids",
        "township_code": "township",
        "geometry_quality": "quality",
        "source": "source",
    },
    "port": {
        "name": "text",
        "aliases": "aliases",
        "port_area": "text?",
        "berth_class": "text?",
        "township_code": "township",
        "kind": PORT_KINDS,
        "status": "status",
        "geometry_quality": "quality",
        "source": "source",
    },
    "airport": {
        "name": "text",
        "aliases": "aliases",
        "airport_type": AIRPORT_TYPES,
        "status": "status",
        "township_code": "township",
        "geometry_quality": "quality",
        "source": "source",
    },
}

ID_FIELDS = {
    "gateway": "gateway_id",
    "interchange": "interchange_id",
    "port": "port_id",
    "airport": "airport_id",
    "ferry": "ferry_id",
}

FERRY_COLUMNS = tuple(columns("ferry"))


def _columns(name: str) -> list[str]:
    if name == "ferry":
        return list(FERRY_COLUMNS)
    cols = [ID_FIELDS[name]]
    for col, rule in COLUMNS[name].items():
        cols.append(col)
        if rule == "status":
            cols.append("open_year")
    return [*cols, "point_id"]


def empty(name: str) -> gpd.GeoDataFrame:
    """An empty layer with the right columns (when its data file does not exist yet)."""
    return gpd.GeoDataFrame(pd.DataFrame(columns=_columns(name)), geometry=[], crs=STORAGE_CRS)


def build(
    name: str,
    records: list[dict],
    points: gpd.GeoDataFrame,
    path: Path,
    built: dict[str, gpd.GeoDataFrame],
) -> gpd.GeoDataFrame:
    """Build one of the point layers (or the ferry lines between two ports).

    Parameters
    ----------
    name : str
        The layer (``gateway``, ``station``, ``port``, ``airport``, ``interchange``, ``ferry``).
    records : list of dict
        The layer's YAML records.
    points : geopandas.GeoDataFrame
        The control points, indexed by id.
    path : pathlib.Path
        The YAML file (named in errors).
    built : dict of str to geopandas.GeoDataFrame
        The layers built so far (ports for ferries, roads for interchanges).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer, EPSG:4490.
    """
    if name == "ferry":
        return build_ferries(records, built["port"], path)
    frame = build_points(records, points, path, ID_FIELDS[name], COLUMNS[name])
    if name == "interchange":
        roads = set(built["road"]["road_id"])
        for fid, ids in zip(frame["interchange_id"], frame["road_ids"], strict=True):
            fld.known(filter(None, ids.split(",")), roads, "road", path, fid, "road_ids")
    return frame[[*_columns(name), "geometry"]] if len(frame) else empty(name)


def build_ferries(records: list[dict], ports: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Ferry lines from port to port; crossing and waiting minutes are required.

    Parameters
    ----------
    records : list of dict
        The layer's YAML records.
    ports : geopandas.GeoDataFrame
        The port layer.
    path : pathlib.Path
        The YAML file (named in errors).

    Returns
    -------
    geopandas.GeoDataFrame
        The ferry lines, EPSG:4490.
    """
    at = dict(zip(ports["port_id"], ports.geometry, strict=True))
    rows, geoms = [], []
    for rec in records:
        fid = rec["ferry_id"]
        ends = []
        for field in ("from_port", "to_port"):
            port = fld.text(rec, field, path, fid)
            fld.known([port], at, "port (ports.yaml)", path, fid, field)
            ends.append(port)
        if ends[0] == ends[1]:
            raise DataError(
                "a ferry needs two different ports", file=path, feature=fid, field="to_port"
            )
        status, opened = _status(rec, path, fid)
        crossing = fld.positive(rec, "crossing_min", path, fid)
        wait = fld.positive(rec, "wait_min", path, fid)
        for field, value in (("crossing_min", crossing), ("wait_min", wait)):
            if value is None:
                raise DataError("missing value (minutes)", file=path, feature=fid, field=field)
        geoms.append(shapely.LineString([at[ends[0]], at[ends[1]]]))
        rows.append(
            {
                "ferry_id": fid,
                "name": fld.text(rec, "name", path, fid),
                "from_port": ends[0],
                "to_port": ends[1],
                "crossing_min": crossing,
                "wait_min": wait,
                "status": status,
                "open_year": opened,
                "geometry_quality": "schematic",
                "source": expand_refs(fld.text(rec, "source", path, fid)),
            }
        )
    if not rows:
        return empty("ferry")
    return _frame(rows, geoms, ("open_year",))
