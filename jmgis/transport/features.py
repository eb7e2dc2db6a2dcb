"""Line and point layers built from the YAML feature files and the control points."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError
from jmgis.speeds import DEFAULT_RAIL_SPEEDS_KPH, DEFAULT_SPEEDS_KPH
from jmgis.transport import fields as fld
from jmgis.transport.sources import expand_refs, project_ids, scheme_labels
from jmgis.transport.vocab import RAIL_KINDS, ROAD_CLASSES, STATION_KINDS, STATUSES


def _line(points: gpd.GeoDataFrame, via: list[str], path: Path, fid: str) -> shapely.LineString:
    fld.known(via, points.index, "control point", path, fid, "via")
    if len(via) < 2:
        raise DataError(
            "a line needs at least two control points", file=path, feature=fid, field="via"
        )
    for a, b in itertools.pairwise(via):
        if a == b:
            raise DataError(
                f"control point {a!r} repeated in a row", file=path, feature=fid, field="via"
            )
    return shapely.LineString(points.loc[via, ["lon", "lat"]].to_numpy())


def _status(rec: Mapping, path: Path, fid: str) -> tuple[str, int | None]:
    status = fld.choice(rec, "status", STATUSES, path, fid)
    opened = fld.year(rec, "open_year", path, fid)
    if status == "conceptual" and opened is not None:
        raise DataError(
            "a conceptual feature has no opening year (it appears only in the vision year)",
            file=path,
            feature=fid,
            field="open_year",
        )
    return status, opened


def _projects(rec: Mapping, path: Path, fid: str) -> str:
    ids = fld.id_list(rec, "project_ids", path, fid)
    known = project_ids()
    if known is not None:
        fld.known(ids, known, "project (data/projects/project.yaml)", path, fid, "project_ids")
    return ",".join(ids)


def _schemes(rec: Mapping, path: Path, fid: str) -> str | None:
    value = fld.text(rec, "schemes", path, fid, required=False)
    if value is None:
        return None
    labels = scheme_labels()
    for item in (v.strip() for v in value.split(",")):
        scheme, sep, label = item.rpartition(":")
        if not sep or not scheme or not label:
            raise DataError(
                f"expected 'scheme name:member label', got {item!r}",
                file=path,
                feature=fid,
                field="schemes",
            )
        if labels and (scheme not in labels or label not in labels[scheme]):
            raise DataError(
                f"{item!r} is not a member of a scheme in data/projects/scheme.yaml",
                file=path,
                feature=fid,
                field="schemes",
            )
    return value


def aliases(rec: Mapping, name: str, path: Path, fid: str) -> str:
    """Comma-separated aliases.

    The YAML ``aliases`` or, when the record has none, the name without its （…） gloss, so
    that 山咀港
    finds 山咀港（川岛客运码头）.  An explicit empty list (``aliases: []``) means no alias at all.

    Parameters
    ----------
    rec : Mapping
        The feature's record (one YAML mapping).
    name : str
        The feature's name.
    path : pathlib.Path
        The file (named in errors).
    fid : str
        The feature id (named in errors).

    Returns
    -------
    str
        The aliases, comma-separated ("" for none).
    """
    if "aliases" in rec:
        return ",".join(fld.id_list(rec, "aliases", path, fid))
    base = re.sub(r"（[^）]*）", "", name).strip()
    return base if base and base != name else ""


def _quality(points: gpd.GeoDataFrame, via: list[str]) -> str:
    """A line drawn straight between control points is schematic, whatever its points are."""
    return "schematic"


_UPGRADE_FIELDS = ("upgrade_year", "upgrade_class", "upgrade_speed_kph")


def _upgrade(
    rec: Mapping, status: str, path: Path, fid: str, speeds: Mapping[str, float]
) -> dict[str, object]:
    """The ``upgrade_*`` columns: what an ``upgrade`` changes, and from which year."""
    given = [f for f in _UPGRADE_FIELDS if rec.get(f) is not None]
    if status != "upgrade":
        if given:
            raise DataError(
                f"{given[0]} is only for status 'upgrade' (an existing road the plans upgrade)",
                file=path,
                feature=fid,
                field=given[0],
            )
        return {"upgrade_year": None, "upgrade_class": None, "upgrade_speed_kph": None}
    new_class = fld.choice(rec, "upgrade_class", ROAD_CLASSES, path, fid)
    new_speed = fld.positive(rec, "upgrade_speed_kph", path, fid)
    if new_speed is None:
        new_speed = speeds.get(new_class)
        if new_speed is None or not new_speed > 0:
            raise DataError(
                f"no upgrade_speed_kph and no default speed for class {new_class!r}",
                file=path,
                feature=fid,
                field="upgrade_speed_kph",
            )
    return {
        "upgrade_year": fld.year(rec, "upgrade_year", path, fid),
        "upgrade_class": new_class,
        "upgrade_speed_kph": float(new_speed),
    }


def build_roads(
    records: list[dict],
    points: gpd.GeoDataFrame,
    path: Path,
    speeds: Mapping[str, float] = DEFAULT_SPEEDS_KPH,
) -> gpd.GeoDataFrame:
    """The ``road`` layer.  ``speeds``: default operating speed (km/h) by road class.

    Parameters
    ----------
    records : list of dict
        The layer's YAML records.
    points : geopandas.GeoDataFrame
        The control points, indexed by id.
    path : pathlib.Path
        The YAML file (named in errors).
    speeds : Mapping of str to float
        Default operating speed (km/h) by road class.

    Returns
    -------
    geopandas.GeoDataFrame
        The roads, EPSG:4490.
    """
    rows, geoms = [], []
    for rec in records:
        fid = rec["road_id"]
        road_class = fld.choice(rec, "road_class", ROAD_CLASSES, path, fid)
        speed = fld.positive(rec, "speed_kph", path, fid)
        if speed is None:
            speed = speeds.get(road_class)
            if speed is None or not speed > 0:
                raise DataError(
                    f"no speed_kph and no default operating speed for class {road_class!r}",
                    file=path,
                    feature=fid,
                    field="speed_kph",
                )
        status, opened = _status(rec, path, fid)
        upgrade = _upgrade(rec, status, path, fid, speeds)
        via = fld.id_list(rec, "via", path, fid)
        geoms.append(_line(points, via, path, fid))
        rows.append(
            {
                "road_id": fid,
                "name": fld.text(rec, "name", path, fid),
                "ref": fld.text(rec, "ref", path, fid, required=False),
                "road_class": road_class,
                "schemes": _schemes(rec, path, fid),
                "status": status,
                "open_year": opened,
                "lanes": fld.count(rec, "lanes", path, fid),
                "speed_kph": float(speed),
                "oneway": fld.flag(rec, "oneway", path, fid),
                **upgrade,
                "project_ids": _projects(rec, path, fid),
                "via": ",".join(via),
                "geometry_quality": _quality(points, via),
                "source": expand_refs(fld.text(rec, "source", path, fid)),
            }
        )
    return _frame(rows, geoms, ("open_year", "lanes", "upgrade_year"))


def build_stations(records: list[dict], points: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """The ``station`` layer (``lines`` is filled in by :func:`link_stations`).

    Parameters
    ----------
    records : list of dict
        The layer's YAML records.
    points : geopandas.GeoDataFrame
        The control points, indexed by id.
    path : pathlib.Path
        The YAML file (named in errors).

    Returns
    -------
    geopandas.GeoDataFrame
        The stations, EPSG:4490.
    """
    rows, geoms = [], []
    for rec in records:
        fid = rec["station_id"]
        point = fld.text(rec, "point", path, fid)
        fld.known([point], points.index, "control point", path, fid, "point")
        status, opened = _status(rec, path, fid)
        cp = points.loc[point]
        geoms.append(cp.geometry)
        name = fld.text(rec, "name", path, fid)
        rows.append(
            {
                "station_id": fid,
                "name": name,
                "aliases": aliases(rec, name, path, fid),
                "lines": "",
                "township_code": cp["township_code"],
                "kind": fld.choice(rec, "kind", STATION_KINDS, path, fid),
                "status": status,
                "open_year": opened,
                "point_id": point,
                "geometry_quality": cp["geometry_quality"],
                "source": expand_refs(fld.text(rec, "source", path, fid))
                + f"; location: {cp['source']}",
            }
        )
    return _frame(rows, geoms, ("open_year",))


def build_rail(
    records: list[dict],
    points: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    path: Path,
    speeds: Mapping[str, float] = DEFAULT_RAIL_SPEEDS_KPH,
) -> gpd.GeoDataFrame:
    """The ``rail`` layer; every listed station must lie on the line, in order.

    Parameters
    ----------
    records : list of dict
        The layer's YAML records.
    points : geopandas.GeoDataFrame
        The control points, indexed by id.
    stations : geopandas.GeoDataFrame
        The station layer.
    path : pathlib.Path
        The YAML file (named in errors).
    speeds : Mapping of str to float
        Default average speed (km/h) by rail kind.

    Returns
    -------
    geopandas.GeoDataFrame
        The rail lines, EPSG:4490.
    """
    station_point = dict(zip(stations["station_id"], stations["point_id"], strict=True))
    rows, geoms = [], []
    for rec in records:
        fid = rec["line_id"]
        kind = fld.choice(rec, "kind", RAIL_KINDS, path, fid)
        speed = fld.positive(rec, "speed_kph", path, fid)
        if speed is None and kind != "freight":
            speed = speeds.get(kind)
            if speed is None:
                raise DataError(
                    f"no speed_kph and no default speed for rail kind {kind!r}",
                    file=path,
                    feature=fid,
                    field="speed_kph",
                )
        status, opened = _status(rec, path, fid)
        via = fld.id_list(rec, "via", path, fid)
        geoms.append(_line(points, via, path, fid))
        stops = fld.id_list(rec, "stations", path, fid)
        fld.known(stops, station_point, "station (stations.yaml)", path, fid, "stations")
        positions = []
        for sid in stops:
            if station_point[sid] not in via:
                raise DataError(
                    f"station {sid!r} (point {station_point[sid]!r}) is not on the line's via",
                    file=path,
                    feature=fid,
                    field="stations",
                )
            positions.append(via.index(station_point[sid]))
        if positions != sorted(positions):
            raise DataError(
                "stations are not listed in the order of the line",
                file=path,
                feature=fid,
                field="stations",
            )
        rows.append(
            {
                "line_id": fid,
                "name": fld.text(rec, "name", path, fid),
                "kind": kind,
                "status": status,
                "open_year": opened,
                "speed_kph": speed,
                "stations": ",".join(stops),
                "project_ids": _projects(rec, path, fid),
                "via": ",".join(via),
                "geometry_quality": _quality(points, via),
                "source": expand_refs(fld.text(rec, "source", path, fid)),
            }
        )
    return _frame(rows, geoms, ("open_year",))


def link_stations(stations: gpd.GeoDataFrame, rail: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill each station's ``lines`` with the ids of the lines that stop there (in file order).

    Parameters
    ----------
    stations : geopandas.GeoDataFrame
        The station layer.
    rail : geopandas.GeoDataFrame
        The rail layer (the stations each line stops at).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``stations`` with ``lines`` filled.
    """
    served: dict[str, list[str]] = {sid: [] for sid in stations["station_id"]}
    for line_id, stops in zip(rail["line_id"], rail["stations"], strict=True):
        for sid in filter(None, stops.split(",")):
            served[sid].append(line_id)
    out = stations.copy()
    out["lines"] = [",".join(served[s]) for s in out["station_id"]]
    return out


def build_points(
    records: list[dict],
    points: gpd.GeoDataFrame,
    path: Path,
    id_field: str,
    columns: Mapping[str, str | tuple[str, ...]],
) -> gpd.GeoDataFrame:
    """A point layer whose features sit on control points (``point`` field).

    ``columns`` maps output columns to a rule: ``"text"``, ``"text?"`` (optional),
    ``"status"``, ``"township"`` (from the point), ``"quality"`` (from the point),
    ``"ids"`` (list → comma string), ``"source"``.

    Parameters
    ----------
    records : list of dict
        The layer's YAML records.
    points : geopandas.GeoDataFrame
        The control points, indexed by id.
    path : pathlib.Path
        The YAML file (named in errors).
    id_field : str
        The layer's id field.
    columns : Mapping
        Output column to its rule (see above; a tuple lists the allowed values).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer, EPSG:4490.
    """
    rows, geoms = [], []
    for rec in records:
        fid = rec[id_field]
        point = fld.text(rec, "point", path, fid)
        fld.known([point], points.index, "control point", path, fid, "point")
        cp = points.loc[point]
        row: dict[str, object] = {id_field: fid}
        for col, rule in columns.items():
            if rule == "text":
                row[col] = fld.text(rec, col, path, fid)
            elif rule == "aliases":
                row[col] = aliases(rec, str(row.get("name", "")), path, fid)
            elif rule == "text?":
                row[col] = fld.text(rec, col, path, fid, required=False)
            elif rule == "status":
                row["status"], row["open_year"] = _status(rec, path, fid)
            elif rule == "township":
                row[col] = cp["township_code"]
            elif rule == "quality":
                row[col] = cp["geometry_quality"]
            elif rule == "ids":
                row[col] = ",".join(fld.id_list(rec, col, path, fid))
            elif rule == "source":
                row[col] = (
                    expand_refs(fld.text(rec, col, path, fid)) + f"; location: {cp['source']}"
                )
            elif isinstance(rule, tuple):
                row[col] = fld.choice(rec, col, rule, path, fid)
        row["point_id"] = point
        rows.append(row)
        geoms.append(cp.geometry)
    return _frame(rows, geoms, ("open_year",))


def _frame(rows: list[dict], geoms: list, int_columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    for col in int_columns:
        if col in frame:
            frame[col] = pd.array(frame[col], dtype="Int64")
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs=STORAGE_CRS)
