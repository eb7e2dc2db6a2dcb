"""``from_layers``: the network contract from a user's own road layers (GPKG, SHP, …).

>>> G = from_layers(["roads.gpkg"], class_field="DLDJ", class_map={"高速公路": "expressway"})
... # doctest: +SKIP
>>> print(G.graph["topology"].summary())  # doctest: +SKIP

Lines are checked (every problem names the file, the feature and the field), projected to
the analysis CRS, split at every crossing (:mod:`jmgis.network.noding`; grade-separated
crossings cannot be told apart in a plain line layer, so use a ``bridge``/``tunnel`` field
and ``no_node_field`` to keep them apart), timed by class with the speed table and turned
into the same graph as :func:`jmgis.network.build_graph`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from jmgis.crs import analysis_crs as _analysis_crs
from jmgis.crs import crs_for_data
from jmgis.errors import DataError
from jmgis.network.connectors import connect_point_layers
from jmgis.network.graph import add_segments, empty_graph
from jmgis.network.noding import insert_end_vertices, node_lines, topology_report
from jmgis.readers import read_vector
from jmgis.speeds import SpeedTable

#: A line end this close to another line's interior (metres) is a T-junction on it: far
#: below any survey precision, above the float noise of a reprojection (nanometres).
T_JUNCTION_M = 1e-3

LayerInput: TypeAlias = str | Path | gpd.GeoDataFrame | tuple[str | Path, str]


def _read(
    item: LayerInput, index: int, encoding: str | None = None
) -> tuple[gpd.GeoDataFrame, str]:
    """Read one input; returns the frame and a label naming it in errors."""
    if isinstance(item, gpd.GeoDataFrame):
        return item, f"layer #{index + 1}"
    layer = None
    if isinstance(item, tuple):
        item, layer = item
    path = Path(item)
    label = f"{path}" + (f" (layer {layer})" if layer else "")
    frame = read_vector(path, layer=layer, encoding=encoding)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataError("the layer has no geometry", file=label, field="geometry")
    return frame, label


def _check_crs(frames: list[tuple[gpd.GeoDataFrame, str]]) -> CRS:
    crs_seen: list[tuple[CRS, str]] = []
    for frame, label in frames:
        if frame.crs is None:
            raise DataError(
                "no CRS (a .prj file or a GeoPackage SRS is needed; jmgis never guesses)",
                file=label,
            )
        crs = CRS.from_user_input(frame.crs)
        xmin, ymin, xmax, ymax = frame.total_bounds if len(frame) else (0, 0, 0, 0)
        degrees_like = max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90
        if crs.is_projected and degrees_like and len(frame):
            raise DataError(
                f"coordinates look like degrees but the CRS is projected ({crs.to_string()}): "
                "CRS mismatch",
                file=label,
            )
        if crs.is_geographic and not degrees_like:
            raise DataError(
                f"coordinates look like metres but the CRS is geographic ({crs.to_string()}): "
                "CRS mismatch",
                file=label,
            )
        crs_seen.append((crs, label))
    first, first_label = crs_seen[0]
    for crs, label in crs_seen[1:]:
        if crs != first:
            raise DataError(
                f"CRS mismatch: {crs.to_string()} here but {first.to_string()} in "
                f"{first_label}; reproject one of them",
                file=label,
            )
    return first


def _validate(
    frame: gpd.GeoDataFrame,
    label: str,
    *,
    class_field: str,
    id_field: str | None,
    speed_field: str | None,
    class_map: Mapping[str, str],
    speeds: SpeedTable,
) -> gpd.GeoDataFrame:
    """Explode, check and time one layer; returns a link table in the frame's CRS."""
    for name in (class_field, id_field, speed_field):
        if name and name not in frame.columns:
            raise DataError(
                f"no such field; fields are {', '.join(map(str, frame.columns[:-1]))}",
                file=label,
                field=name,
            )
    ids = (
        frame[id_field].astype(str).to_numpy()
        if id_field
        else np.array([str(i + 1) for i in range(len(frame))])
    )
    if id_field:
        seen: set[str] = set()
        for fid in ids:
            if fid in seen:
                raise DataError("duplicate feature id", file=label, feature=fid, field=id_field)
            seen.add(fid)
    rows = []
    geom_types = shapely.get_type_id(frame.geometry.to_numpy())
    for i, (geom, gtype) in enumerate(zip(frame.geometry.to_numpy(), geom_types, strict=True)):
        fid = ids[i]
        if geom is None or shapely.is_empty(geom):
            raise DataError("empty geometry", file=label, feature=fid, field="geometry")
        if gtype not in (1, 5):  # LineString, MultiLineString
            raise DataError(
                f"not a line: {geom.geom_type}", file=label, feature=fid, field="geometry"
            )
        if geom.length == 0:
            raise DataError("zero-length line", file=label, feature=fid, field="geometry")
        for part in shapely.get_parts(geom):
            if part.length == 0:
                raise DataError("zero-length line", file=label, feature=fid, field="geometry")
            if shapely.union_all([part]).length < part.length * (1 - 1e-9):
                raise DataError(
                    "self-overlapping line (it runs back along itself)",
                    file=label,
                    feature=fid,
                    field="geometry",
                )
        raw_class = frame[class_field].iloc[i]
        if raw_class is None or (isinstance(raw_class, float) and np.isnan(raw_class)):
            raise DataError("missing road class", file=label, feature=fid, field=class_field)
        road_class = class_map.get(str(raw_class), str(raw_class))
        speed = None
        if speed_field:
            raw_speed = frame[speed_field].iloc[i]
            value = pd.to_numeric(pd.Series([raw_speed]), errors="coerce")[0]
            blank = raw_speed is None or (isinstance(raw_speed, str) and not raw_speed.strip())
            if np.isfinite(value) and value > 0:
                speed = float(value)
            elif not blank and not (isinstance(raw_speed, float) and np.isnan(raw_speed)):
                # a blank or NULL speed falls back to the class; a wrong one is not guessed
                raise DataError(
                    f"speed {str(raw_speed)!r} is not a finite number > 0 (km/h)",
                    file=label,
                    feature=fid,
                    field=speed_field,
                )
        if speed is None:
            if road_class not in speeds.road:
                what = "missing speed and unknown" if speed_field else "unknown"
                raise DataError(
                    f"{what} road class {raw_class!r}"
                    + (f" (mapped to {road_class!r})" if road_class != raw_class else "")
                    + f"; known classes: {', '.join(sorted(speeds.road))}; map it with "
                    "class_map= or add it to the speed table",
                    file=label,
                    feature=fid,
                    field=class_field,
                )
            speed = speeds.road_speed(road_class)
        rows.append((fid, road_class, speed, i))
    out = frame.iloc[[r[3] for r in rows]].copy()
    out["feature_id"] = [r[0] for r in rows]
    out["road_class"] = [r[1] for r in rows]
    out["speed_kph"] = [r[2] for r in rows]
    out["mode"] = "road"
    out["_label"] = label
    return out


def from_layers(
    paths_or_gdfs: LayerInput | Sequence[LayerInput],
    class_field: str = "road_class",
    speed_table: SpeedTable | Mapping | str | Path | None = None,
    *,
    class_map: Mapping[str, str] | None = None,
    id_field: str | None = None,
    name_field: str | None = "name",
    speed_field: str | None = None,
    oneway_field: str | None = None,
    no_node_field: str | None = None,
    tolerance_m: float = 0.5,
    analysis_crs: Any = None,
    points: Mapping[str, gpd.GeoDataFrame] | None = None,
    encoding: str | None = None,
) -> nx.MultiDiGraph:
    """Build the network contract from a user's line layers.

    Parameters
    ----------
    paths_or_gdfs
        One or several GeoPackage/Shapefile paths (``(path, layer)`` for a named layer)
        or GeoDataFrames.  All must share one CRS.
    class_field
        The field holding the road class; values (after ``class_map``) are keys of the
        speed table.
    speed_table
        :class:`SpeedTable`, overrides or a speed file (default: the standard table).
    class_map
        User class value → speed-table class, e.g. ``{"高速公路": "expressway"}``.
    id_field, name_field, speed_field, oneway_field
        Optional fields: feature id (default: 1-based row number), name, a per-feature
        speed (km/h; overrides the class speed), one-way flag (``yes``/``1``/``-1``).
    no_node_field
        A truthy value (bridge, tunnel) keeps the feature from being split where it
        crosses others; it still joins them at its ends.
    tolerance_m
        Line ends closer than this (metres) are joined into one node.
    points
        Points to connect to the nearest road node, ``{kind: frame}`` (e.g.
        ``{"seat": seats, "park": parks}``); each connector records ``snap_m``.
    encoding
        Attribute encoding of files that declare none (default: detected, UTF-8 or
        GB18030).
    analysis_crs : Any
        The metric CRS (EPSG:4547 by default).

    Returns
    -------
    The graph; ``G.graph["topology"]`` is the :class:`~jmgis.network.noding.TopologyReport`.
    """
    items = (
        [paths_or_gdfs]
        if isinstance(paths_or_gdfs, (str, Path, gpd.GeoDataFrame, tuple))
        else list(paths_or_gdfs)
    )
    if not items:
        raise DataError("no layers given")
    speeds = SpeedTable.coerce(speed_table)
    frames = [_read(item, i, encoding) for i, item in enumerate(items)]
    _check_crs(frames)
    lonlat = np.array(
        [f.to_crs("EPSG:4326").total_bounds for f, _ in frames if len(f)] or [[0, 0, 0, 0]]
    )
    bounds = (*lonlat[:, :2].min(axis=0), *lonlat[:, 2:].max(axis=0))
    if np.all(np.isfinite(bounds)):
        crs = crs_for_data(bounds, analysis_crs, what=frames[0][1])
    else:
        # coordinates that have no longitude/latitude (synthetic metres far outside the
        # CRS's domain): nothing to test the rule on, the analysis CRS as given
        crs = _analysis_crs(analysis_crs)
    tables: list[gpd.GeoDataFrame] = []
    for frame, label in frames:
        if len(frame) == 0:
            raise DataError("the layer has no features", file=label)
        table = _validate(
            frame,
            label,
            class_field=class_field,
            id_field=id_field,
            speed_field=speed_field,
            class_map=class_map or {},
            speeds=speeds,
        )
        if len(frames) > 1:
            table["feature_id"] = [f"{len(tables) + 1}:{f}" for f in table["feature_id"]]
        tables.append(table)
    links = gpd.GeoDataFrame(pd.concat(tables, ignore_index=True), crs=frames[0][0].crs)
    links = links.explode(index_parts=False).reset_index(drop=True).to_crs(crs)
    links["name"] = links[name_field].astype(str) if name_field in links else ""
    links["oneway"] = _oneway_values(links, oneway_field)
    links["circuity"] = 1.0
    keep_apart = (
        links[no_node_field].fillna(False).astype(bool).to_numpy()
        if no_node_field and no_node_field in links
        else np.zeros(len(links), dtype=bool)
    )
    cols = ["feature_id", "name", "mode", "road_class", "speed_kph", "oneway", "circuity"]
    links = links[[*cols, "geometry"]]
    # a line that ends on another one a few nanometres off it (a reprojected layer) gets
    # a vertex there, so the T-junction is noded; real undershoots (mm and more) stay
    geoms = _snap_ends_to_vertices(links.geometry.to_numpy(), T_JUNCTION_M)
    links = links.set_geometry(
        gpd.GeoSeries(
            insert_end_vertices(geoms, tolerance_m=T_JUNCTION_M), index=links.index, crs=links.crs
        )
    )
    noded, overlaps, crossings = node_lines(links[~keep_apart])
    apart = links[keep_apart].assign(seq=0)
    segments = gpd.GeoDataFrame(pd.concat([noded, apart], ignore_index=True), crs=crs)
    G = empty_graph(crs.to_string(), None, ("road",))
    add_segments(G, segments, tolerance_m=tolerance_m)
    G.graph["topology"] = topology_report(G, links, crossings=crossings, overlaps=overlaps)
    G.graph["snaps"] = connect_point_layers(G, points, speed_kph=speeds.connector_speed_kph)
    return G


def _snap_ends_to_vertices(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Move each line end within ``tolerance_m`` of another line's vertex onto that vertex.

    Parameters
    ----------
    geoms : numpy.ndarray
        LineStrings (metres); others are left alone.
    tolerance_m : float
        Largest move (metres).

    Returns
    -------
    numpy.ndarray
        New geometries (the input is unchanged).
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    simple = np.flatnonzero(shapely.get_type_id(geoms) == 1)
    if len(simple) < 2:
        return geoms
    coords, line_of = shapely.get_coordinates(geoms[simple], return_index=True)
    line_of = simple[line_of]
    tree = shapely.STRtree(shapely.points(coords))
    for k in (0, -1):
        ends = shapely.get_point(geoms[simple], k)
        ei, vi = tree.query(ends, predicate="dwithin", distance=tolerance_m)
        other = line_of[vi] != simple[ei]
        ei, vi = ei[other], vi[other]
        for e, v in zip(ei, vi, strict=True):
            i = simple[e]
            xy = shapely.get_coordinates(geoms[i])
            if np.array_equal(xy[k], coords[v]):
                continue
            xy[k] = coords[v]
            geoms[i] = shapely.linestrings(xy)
    return geoms


def _oneway_values(links: pd.DataFrame, field: str | None) -> np.ndarray:
    if not field:
        return np.zeros(len(links), dtype=int)
    if field not in links:
        raise DataError("no such field", field=field)
    out = []
    for value in links[field]:
        text = str(value).strip().lower()
        out.append(
            1
            if text in ("1", "yes", "true", "t", "y", "是")
            else -1
            if text in ("-1", "reverse")
            else 0
        )
    return np.array(out, dtype=int)
