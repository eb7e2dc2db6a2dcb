"""The control points.

The one table of coordinates every transport geometry is drawn from
(``data/transport/control_points.csv``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from jmgis.admin import plausibility
from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError
from jmgis.paths import boundaries_dir, transport_dir
from jmgis.transport.fields import ID_PATTERN
from jmgis.transport.vocab import GEOMETRY_QUALITIES, OUTSIDE, POINT_KINDS

COLUMNS = ("id", "name", "lon", "lat", "kind", "township_code", "source", "geometry_quality")
#: A generous box around 江门 and the gateway cities (degrees); anything outside is a typo.
LON_RANGE = (109.0, 118.0)
LAT_RANGE = (20.0, 25.5)


def _township_codes() -> set[str] | None:
    path = boundaries_dir() / "township_codes.csv"
    if not path.exists():
        return None
    return set(pd.read_csv(path, dtype=str)["code"])


def _with_skeleton_places(table: pd.DataFrame, directory: Path) -> pd.DataFrame:
    from jmgis.transport.skeleton_apply import POINTS_FILE, REBUILD, read_point_overrides

    overrides = read_point_overrides(directory)
    if overrides is None:
        return table
    table = table.copy()
    where = {pid: i for i, pid in enumerate(table["id"].str.strip())}
    for pid, row in overrides.iterrows():
        if pid not in where:
            raise DataError(
                f"no control point {pid!r}: {REBUILD}", file=directory / POINTS_FILE, feature=pid
            )
        for column in ("lon", "lat", "source", "geometry_quality"):
            table.iloc[where[pid], table.columns.get_loc(column)] = row[column]
    return table


def load_control_points(
    path: str | Path | None = None, *, skeleton: bool = True
) -> gpd.GeoDataFrame:
    """Read and validate the control points (EPSG:4490 points, one row per ``id``).

    With ``skeleton`` (the default) the points that ``jmgis data skeleton-build`` placed on
    the OpenStreetMap rail line (``skeleton_points.csv`` beside the file,
    :mod:`jmgis.transport.skeleton_apply`) take their new coordinates, quality and source
    before the checks.

    Parameters
    ----------
    path : str or pathlib.Path or None
        The CSV (default ``control_points.csv`` of the transport data).
    skeleton : bool
        Apply the skeleton placements (``False``: the points as curated).

    Returns
    -------
    geopandas.GeoDataFrame
        ``point_id``, ``name``, ``lon``, ``lat``, ``kind``, ``township_code``, ``source``,
        ``geometry_quality``; EPSG:4490.

    Raises
    ------
    DataError
        For a missing column, a duplicate or malformed id, a coordinate that is not a
        number or lies outside the region, an unknown kind, township code or geometry
        quality, or an empty source, or a point away from the county its township code
        names (:func:`jmgis.admin.plausibility.check_points`) — naming the file, the row
        and the field.
    """
    path = Path(path) if path is not None else transport_dir() / "control_points.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=path)
    if skeleton:
        table = _with_skeleton_places(table, path.parent)
    codes = _township_codes()
    seen: set[str] = set()
    lons: list[float] = []
    lats: list[float] = []
    for i, row in enumerate(table.to_dict("records"), start=2):  # row 1 is the header
        pid = row["id"].strip()
        where: dict[str, Any] = {"file": path, "feature": f"row {i} ({pid or 'no id'})"}
        if not ID_PATTERN.match(pid):
            raise DataError(f"invalid id {pid!r}", field="id", **where)
        if pid in seen:
            raise DataError("duplicate id", field="id", **where)
        seen.add(pid)
        for field, (lo, hi), out in (("lon", LON_RANGE, lons), ("lat", LAT_RANGE, lats)):
            try:
                value = float(row[field])
            except ValueError:
                raise DataError(f"not a number: {row[field]!r}", field=field, **where) from None
            if not math.isfinite(value) or not lo <= value <= hi:
                raise DataError(f"{value} is outside {lo}–{hi}", field=field, **where)
            out.append(value)
        if row["kind"] not in POINT_KINDS:
            raise DataError(
                f"unknown kind {row['kind']!r}; allowed: {', '.join(POINT_KINDS)}",
                field="kind",
                **where,
            )
        code = row["township_code"].strip()
        if code != OUTSIDE and (
            not code.isdigit() or len(code) != 9 or (codes and code not in codes)
        ):
            raise DataError(
                f"unknown township code {code!r} (a 9-digit code of data/boundaries or "
                f"'{OUTSIDE}')",
                field="township_code",
                **where,
            )
        if not row["source"].strip():
            raise DataError("every control point needs a source", field="source", **where)
        if row["geometry_quality"] not in GEOMETRY_QUALITIES:
            raise DataError(
                f"unknown geometry_quality {row['geometry_quality']!r}; allowed: "
                f"{', '.join(GEOMETRY_QUALITIES)}",
                field="geometry_quality",
                **where,
            )
    frame = table[list(COLUMNS)].copy()
    frame["lon"] = lons
    frame["lat"] = lats
    frame = frame.rename(columns={"id": "point_id"})
    points = gpd.GeoDataFrame(
        frame, geometry=shapely.points(lons, lats), crs=STORAGE_CRS
    ).reset_index(drop=True)
    plausibility.check_points(points, path, outside=OUTSIDE)
    return points
