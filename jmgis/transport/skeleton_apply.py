"""Read the skeleton geometry that ``jmgis data skeleton-build`` wrote (run time).

Two generated files beside the transport data (:mod:`jmgis.transport.skeleton_routes`):

- ``skeleton_points.csv`` — control points moved onto the OpenStreetMap rail line
  (``id, lon, lat, moved_m, geometry_quality, source``), applied by
  :func:`jmgis.transport.points.load_control_points` before it validates them;
- ``skeleton_lines.geojson`` — existing lines that follow the skeleton between their
  control points (``layer, id, legs, matched_legs, length_ratio, source``), applied by
  :func:`apply_lines`: the line takes the geometry, its source says how many legs follow
  the skeleton and gains the ODbL attribution, and ``geometry_quality`` becomes
  ``osm_skeleton`` when every leg does (a line with straight legs left stays
  ``schematic``).

A file written for other control points (stale: a control point moved or a ``via`` changed
since) is an error naming the feature, never silently used.  Neither file needs
scgraph-data.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from jmgis.errors import DataError

POINTS_FILE = "skeleton_points.csv"
LINES_FILE = "skeleton_lines.geojson"
POINT_COLUMNS = ("id", "lon", "lat", "moved_m", "geometry_quality", "source")
LINE_COLUMNS = ("layer", "id", "legs", "matched_legs", "length_ratio", "source")
VIA_TOLERANCE_DEG = 1e-5
"""A routed line must pass within this of each of its control points (degrees, ≈ 1 m)."""
REBUILD = "re-run 'jmgis data skeleton-build'"


def read_point_overrides(directory: Path) -> pd.DataFrame | None:
    """The control points moved onto the skeleton, or ``None`` without the file.

    Parameters
    ----------
    directory : pathlib.Path
        The transport data folder.

    Returns
    -------
    pandas.DataFrame or None
        :data:`POINT_COLUMNS` as text, indexed by ``id``.

    Raises
    ------
    DataError
        For a missing column or a repeated id.
    """
    path = directory / POINTS_FILE
    if not path.exists():
        return None
    from jmgis.readers import read_table

    table = read_table(path, encoding="utf-8")
    missing = [c for c in POINT_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=path)
    repeated = table["id"][table["id"].duplicated()].tolist()
    if repeated:
        raise DataError(f"ids listed twice: {repeated}", file=path, field="id")
    return table.set_index("id")


def read_lines(directory: Path) -> gpd.GeoDataFrame | None:
    """The skeleton lines, or ``None`` without the file.

    Parameters
    ----------
    directory : pathlib.Path
        The transport data folder.

    Returns
    -------
    geopandas.GeoDataFrame or None
        :data:`LINE_COLUMNS` and the geometry (EPSG:4490).

    Raises
    ------
    DataError
        For an unreadable file or a missing column.
    """
    path = directory / LINES_FILE
    if not path.exists():
        return None
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # GDAL's message names the problem
        raise DataError(f"cannot read: {exc}", file=path) from exc
    missing = [c for c in LINE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=path)
    return frame.set_crs("EPSG:4490", allow_override=True)


def apply_lines(
    frame: gpd.GeoDataFrame,
    lines: gpd.GeoDataFrame | None,
    points: gpd.GeoDataFrame,
    layer: str,
    id_column: str,
    directory: Path,
) -> gpd.GeoDataFrame:
    """``frame`` with the skeleton geometry of its listed lines.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The ``road`` or ``rail`` layer as built from the data (``via``, ``source``,
        ``geometry_quality``).
    lines : geopandas.GeoDataFrame or None
        :func:`read_lines` (``None``: ``frame`` unchanged).
    points : geopandas.GeoDataFrame
        The control points, indexed by id (EPSG:4490).
    layer : str
        ``road`` or ``rail``.
    id_column : str
        ``road_id`` or ``line_id``.
    directory : pathlib.Path
        The transport data folder (for error messages).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy: the listed lines with their skeleton geometry, ``geometry_quality`` =
        ``osm_skeleton`` and the attribution in ``source``.

    Raises
    ------
    DataError
        For a listed line that is not in ``frame`` or no longer passes through its
        control points (the file is stale).
    """
    if lines is None:
        return frame
    mine = lines[lines["layer"] == layer]
    if mine.empty:
        return frame
    out = frame.copy()
    position = {fid: i for i, fid in enumerate(out[id_column])}
    path = directory / LINES_FILE
    geometry = out.geometry.to_numpy().copy()
    for fid, line, source, legs, matched in zip(
        mine["id"], mine.geometry, mine["source"], mine["legs"], mine["matched_legs"], strict=True
    ):
        if fid not in position:
            raise DataError(f"no {layer} {fid!r} in the data: {REBUILD}", file=path, feature=fid)
        i = position[fid]
        vertices = np.asarray(line.coords)
        for via in str(out.iloc[i]["via"]).split(","):
            xy = np.asarray(points.loc[via].geometry.coords[0])
            if np.abs(vertices - xy).max(axis=1).min() > VIA_TOLERANCE_DEG:
                raise DataError(
                    f"the skeleton line no longer passes through control point {via!r}: {REBUILD}",
                    file=path,
                    feature=fid,
                    field="geometry",
                )
        geometry[i] = line
        if int(matched) == int(legs):
            out.iloc[i, out.columns.get_loc("geometry_quality")] = "osm_skeleton"
            note = f"geometry along the OpenStreetMap skeleton: {source}"
        else:  # the other legs stay straight: the line as a whole is still schematic
            note = f"{int(matched)} of {int(legs)} legs along the OpenStreetMap skeleton: {source}"
        out.iloc[i, out.columns.get_loc("source")] = f"{out.iloc[i]['source']}; {note}"
    return out.set_geometry(gpd.GeoSeries(geometry, index=out.index, crs=out.crs))
