"""Real geometry for what exists: stations and lines placed on the OpenStreetMap skeleton.

Build time only (``jmgis data skeleton-build``, the ``data`` extra).  From the skeleton of
:mod:`jmgis.transport.skeleton` (scgraph-data 2.0.0, © OpenStreetMap contributors, ODbL):

- **stations** of existing rail lines whose control point is ``schematic`` (placed at a
  township seat for want of a published coordinate) and lies more than
  :data:`PLACE_MIN_M` from the rail skeleton move to the nearest point of the rail
  skeleton *inside their own township* (``skeleton_points.csv``);
- **existing rail lines and expressways** follow the skeleton between consecutive control
  points where a leg matches: both ends within the snap distance of a skeleton vertex and
  the skeleton path at most :data:`MAX_DETOUR` times the straight leg
  (``skeleton_lines.geojson``).  Each routed line still passes through every one of its
  control points, so stations, interchanges and junctions join it where they did.

Both files are written next to the transport data and read by
:mod:`jmgis.transport.skeleton_apply` at run time, which needs no scgraph-data.  Planned
lines stay schematic.  Distances in metres in the analysis CRS (EPSG:4547).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.ops import nearest_points

from jmgis.crs import STORAGE_CRS
from jmgis.transport.skeleton import ATTRIBUTION, BBOX
from jmgis.transport.skeleton_apply import LINE_COLUMNS

PLACE_MIN_M = 200.0
"""A schematic station closer than this to the rail skeleton stays where it is (metres)."""
PLACE_MAX_M = 12_000.0
"""A station is never moved farther than this (metres): beyond, it is reported, not moved."""
SNAP_M = {"rail": 1_500.0, "road": 2_500.0}
"""Largest distance from a control point to the skeleton vertex a leg starts from (metres);
the skeleton has a vertex about every 4 km (0.25 per km)."""
MAX_DETOUR = 1.4
"""A leg follows the skeleton only when the skeleton path between the points where its
control points meet the skeleton is at most this many times their straight distance
(else it is another road or a loop)."""
MIN_LEG_M = 1_500.0
"""Legs shorter than this stay straight: the skeleton is too coarse to improve them."""
EXISTING = ("existing", "completed", "upgrade")
"""Statuses whose lines exist today and may take the skeleton's geometry."""


@dataclass(frozen=True)
class Skeleton:
    """One skeleton network inside :data:`BBOX`, in a metric CRS.

    ``xy`` are the vertices (metres), ``graph`` their links weighted by length (metres),
    ``tree`` a KD-tree of ``xy``, ``lines`` the links as one geometry, ``ends`` the two
    vertices of each link and ``links`` a spatial index of the links (a point snaps to the
    nearest point of the nearest link: the vertices lie kilometres apart).
    """

    xy: np.ndarray
    graph: csr_matrix
    tree: cKDTree
    lines: shapely.Geometry
    ends: np.ndarray
    links: shapely.STRtree


def skeleton_network(
    graph: Sequence[Mapping[int, float]],
    nodes: Sequence[Sequence[float]],
    metric_crs: str | CRS,
    bbox: tuple[float, float, float, float] = BBOX,
) -> Skeleton:
    """The skeleton's vertices and links inside ``bbox``, ready for routing.

    Parameters
    ----------
    graph : sequence of mapping of int to float
        The skeleton's adjacency (:func:`jmgis.transport.skeleton.read_literals`).
    nodes : sequence of [lat, lon]
        Its vertices, degrees (WGS 84; CGCS2000 differs by centimetres).
    metric_crs : str or pyproj.CRS
        The analysis CRS (metres).
    bbox : tuple of float
        ``(west, south, east, north)`` in degrees.

    Returns
    -------
    Skeleton
        The vertices inside ``bbox`` and the links between two of them.
    """
    lonlat = np.asarray(nodes, dtype=float)[:, ::-1]
    west, south, east, north = bbox
    inside = np.flatnonzero(
        (lonlat[:, 0] >= west)
        & (lonlat[:, 0] <= east)
        & (lonlat[:, 1] >= south)
        & (lonlat[:, 1] <= north)
    )
    index = {int(n): i for i, n in enumerate(inside)}
    to_metric = Transformer.from_crs(STORAGE_CRS, metric_crs, always_xy=True)
    x, y = to_metric.transform(lonlat[inside, 0], lonlat[inside, 1])
    xy = np.column_stack([x, y])
    rows, cols = [], []
    for n in inside:
        for m in graph[int(n)]:
            if int(m) in index:
                rows.append(index[int(n)])
                cols.append(index[int(m)])
    a, b = np.asarray(rows, dtype=int), np.asarray(cols, dtype=int)
    weights = np.hypot(*(xy[a] - xy[b]).T)
    size = len(xy)
    matrix = csr_matrix(
        (np.concatenate([weights, weights]), (np.concatenate([a, b]), np.concatenate([b, a]))),
        shape=(size, size),
    )
    segments = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    return Skeleton(
        xy,
        matrix,
        cKDTree(xy),
        shapely.union_all(segments),
        np.column_stack([a, b]),
        shapely.STRtree(segments),
    )


def _snap(skel: Skeleton, point: np.ndarray) -> tuple[float, np.ndarray, int, int]:
    """``(distance, foot, u, v)``: the nearest point of the nearest link ``u–v``."""
    geom = shapely.Point(point)
    link = int(skel.links.nearest(geom))
    u, v = (int(i) for i in skel.ends[link])
    line = skel.links.geometries[link]
    foot = np.asarray(line.interpolate(line.project(geom)).coords[0])
    return float(np.hypot(*(foot - point))), foot, u, v


@dataclass(frozen=True)
class Leg:
    """How one leg of a line (control point to control point) was drawn."""

    start: str
    end: str
    matched: bool
    straight_m: float
    length_m: float
    reason: str


def route_leg(
    skel: Skeleton, a: np.ndarray, b: np.ndarray, snap_m: float
) -> tuple[np.ndarray | None, str]:
    """The skeleton path between two points (metric), or ``None`` with the reason.

    Parameters
    ----------
    skel : Skeleton
        The network to follow.
    a, b : numpy.ndarray
        The leg's ends ``(x, y)``, metres.
    snap_m : float
        Largest distance from an end to its skeleton vertex, metres.

    Returns
    -------
    (numpy.ndarray or None, str)
        The vertices from ``a`` to ``b`` inclusive (``a`` and ``b`` exactly), or ``None``
        and why the leg stays straight.
    """
    straight = float(np.hypot(*(b - a)))
    if straight < MIN_LEG_M:
        return None, f"shorter than {MIN_LEG_M:g} m"
    (da, fa, ua, va), (db, fb, ub, vb) = _snap(skel, a), _snap(skel, b)
    if da > snap_m or db > snap_m:
        return None, f"an end is {max(da, db):.0f} m from the skeleton (> {snap_m:g} m)"
    if {ua, va} == {ub, vb}:  # both on one link: along it
        along = np.vstack([fa, fb])
    else:
        starts = np.array([ua, va])
        dist, pred = dijkstra(skel.graph, indices=starts, return_predecessors=True)
        best, choice = np.inf, None
        for i, s_node in enumerate(starts):
            lead = float(np.hypot(*(skel.xy[s_node] - fa)))
            for t_node in (ub, vb):
                tail = float(np.hypot(*(skel.xy[t_node] - fb)))
                total = lead + float(dist[i, t_node]) + tail
                if total < best:
                    best, choice = total, (i, t_node)
        if choice is None or not np.isfinite(best):
            return None, "the skeleton does not join the two ends"
        row, node = choice
        path = [node]
        while path[-1] != starts[row]:
            path.append(int(pred[row, path[-1]]))
        path.reverse()
        along = np.vstack([fa, skel.xy[path], fb])
    # the detour is judged on the skeleton part, between the two feet: the stubs from
    # control points placed off the road (township seats) would inflate short legs
    along_m = float(np.hypot(*np.diff(along, axis=0).T).sum())
    feet_m = float(np.hypot(*(fb - fa)))
    if along_m > MAX_DETOUR * max(feet_m, 1.0):
        return None, f"the skeleton path is {along_m / max(feet_m, 1.0):.2f} × the straight leg"
    coords = np.vstack([a, along, b])
    keep = np.concatenate([[True], np.hypot(*np.diff(coords, axis=0).T) > 0.01])
    coords = coords[keep]
    if np.hypot(*(coords[-1] - b)) > 0.01:
        coords = np.vstack([coords, b])  # b itself always ends the leg
    return coords, ""


def route_line(
    skel: Skeleton, points: Sequence[np.ndarray], names: Sequence[str], snap_m: float
) -> tuple[shapely.LineString, list[Leg]]:
    """A line through ``points`` following the skeleton wherever a leg matches.

    Parameters
    ----------
    skel : Skeleton
        The network to follow.
    points : sequence of numpy.ndarray
        The line's control points in order, metric ``(x, y)``.
    names : sequence of str
        Their ids (for the report).
    snap_m : float
        Largest distance from a control point to the skeleton, metres.

    Returns
    -------
    (shapely.LineString, list of Leg)
        The line (metric CRS; every control point a vertex) and how each leg was drawn.
    """
    coords: list[np.ndarray] = [np.asarray(points[0], dtype=float)]
    legs = []
    for i in range(len(points) - 1):
        a, b = np.asarray(points[i], dtype=float), np.asarray(points[i + 1], dtype=float)
        path, reason = route_leg(skel, a, b, snap_m)
        straight = float(np.hypot(*(b - a)))
        if path is None:
            coords.append(b)
            legs.append(Leg(names[i], names[i + 1], False, straight, straight, reason))
            continue
        coords.extend(path[1:])
        length = float(np.hypot(*np.diff(path, axis=0).T).sum())
        legs.append(Leg(names[i], names[i + 1], True, straight, length, ""))
    return shapely.LineString(np.vstack(coords)), legs


def place_stations(
    control_points: gpd.GeoDataFrame,
    stations: Sequence[str],
    townships: gpd.GeoDataFrame,
    rail: Skeleton,
    metric_crs: str | CRS,
) -> pd.DataFrame:
    """New places for schematic stations that lie off the rail skeleton.

    Parameters
    ----------
    control_points : geopandas.GeoDataFrame
        The control points as read (``point_id``, ``township_code``, ``source``,
        ``geometry_quality``; EPSG:4490).
    stations : sequence of str
        The control point ids of the stations of existing rail lines.
    townships : geopandas.GeoDataFrame
        The township polygons (``code``), any CRS.
    rail : Skeleton
        The rail skeleton.
    metric_crs : str or pyproj.CRS
        The analysis CRS.

    Returns
    -------
    pandas.DataFrame
        One row per station considered: ``id``, ``placed`` (bool), ``moved_m``, ``lon``,
        ``lat`` (the new place, or the old one when not placed), ``reason``.
    """
    towns = townships.to_crs(metric_crs).set_index("code")
    to_storage = Transformer.from_crs(metric_crs, STORAGE_CRS, always_xy=True)
    points = control_points.set_index("point_id").to_crs(metric_crs)
    rows = []
    for pid in dict.fromkeys(stations):
        row = points.loc[pid]
        lon, lat = control_points.set_index("point_id").loc[pid].geometry.coords[0]
        keep = {"id": pid, "placed": False, "moved_m": 0.0, "lon": lon, "lat": lat}
        if row["geometry_quality"] != "schematic":
            continue  # a published coordinate is not moved; the report gives its distance
        gap = float(shapely.distance(row.geometry, rail.lines))
        if gap <= PLACE_MIN_M:
            continue
        code = row["township_code"]
        if code not in towns.index:
            rows.append({**keep, "reason": f"township {code} unknown"})
            continue
        track = shapely.intersection(rail.lines, towns.loc[code].geometry)
        if track.is_empty:
            rows.append({**keep, "reason": f"no rail skeleton in township {code}"})
            continue
        _, target = nearest_points(row.geometry, track)
        moved = float(row.geometry.distance(target))
        if moved > PLACE_MAX_M:
            rows.append({**keep, "reason": f"nearest track {moved:.0f} m away (> {PLACE_MAX_M:g})"})
            continue
        new_lon, new_lat = to_storage.transform(target.x, target.y)
        rows.append(
            {
                "id": pid,
                "placed": True,
                "moved_m": moved,
                "lon": round(float(new_lon), 6),
                "lat": round(float(new_lat), 6),
                "reason": "",
            }
        )
    return pd.DataFrame(rows, columns=["id", "placed", "moved_m", "lon", "lat", "reason"])


def placement_table(placed: pd.DataFrame, control_points: gpd.GeoDataFrame) -> pd.DataFrame:
    """The rows of ``skeleton_points.csv``: new coordinates with their source.

    Parameters
    ----------
    placed : pandas.DataFrame
        :func:`place_stations`' result.
    control_points : geopandas.GeoDataFrame
        The control points as read.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``lon``, ``lat``, ``moved_m``, ``geometry_quality`` (``osm_skeleton``),
        ``source`` (the point's own source, what was done and the ODbL attribution).
    """
    sources = control_points.set_index("point_id")["source"]
    done = placed[placed["placed"]]
    return pd.DataFrame(
        {
            "id": done["id"],
            "lon": done["lon"].map(lambda v: f"{v:.6f}"),
            "lat": done["lat"].map(lambda v: f"{v:.6f}"),
            "moved_m": done["moved_m"].round(0).astype(int),
            "geometry_quality": "osm_skeleton",
            "source": [
                f"placed on the nearest OpenStreetMap rail line inside its township, "
                f"{m:.0f} m from its schematic place ({ATTRIBUTION}); was: {sources[i]}"
                for i, m in zip(done["id"], done["moved_m"], strict=True)
            ],
        }
    )


def line_rows(
    layer: str,
    frame: gpd.GeoDataFrame,
    id_column: str,
    control_points: gpd.GeoDataFrame,
    skel: Skeleton,
    metric_crs: str | CRS,
) -> tuple[list[dict], list[dict]]:
    """Skeleton geometry for the existing lines of one layer, and the leg report.

    Parameters
    ----------
    layer : str
        ``rail`` or ``road``.
    frame : geopandas.GeoDataFrame
        The layer's lines (``via``, ``status``; roads: only ``expressway`` are routed).
    id_column : str
        ``line_id`` or ``road_id``.
    control_points : geopandas.GeoDataFrame
        The control points with their final coordinates (EPSG:4490, ``point_id``).
    skel : Skeleton
        The skeleton of the layer's network.
    metric_crs : str or pyproj.CRS
        The analysis CRS.

    Returns
    -------
    (list of dict, list of dict)
        Features for ``skeleton_lines.geojson`` (lines with at least one matched leg:
        ``layer``, ``id``, ``legs``, ``matched_legs``, ``length_ratio``, ``source``,
        ``geometry`` in EPSG:4490) and one report row per leg.
    """
    metric = control_points.set_index("point_id").to_crs(metric_crs)
    to_storage = Transformer.from_crs(metric_crs, STORAGE_CRS, always_xy=True)
    keep = frame["status"].isin(EXISTING)
    if layer == "road":
        keep &= frame["road_class"] == "expressway"
    features, report = [], []
    for fid, via_text in zip(frame.loc[keep, id_column], frame.loc[keep, "via"], strict=True):
        via = via_text.split(",")
        xy = [np.asarray(metric.loc[v].geometry.coords[0]) for v in via]
        line, legs = route_line(skel, xy, via, SNAP_M[layer])
        for leg in legs:
            report.append({"layer": layer, "id": fid, **leg.__dict__})
        if not any(leg.matched for leg in legs):
            continue
        lon, lat = to_storage.transform(*np.asarray(line.coords).T)
        straight = sum(leg.straight_m for leg in legs)
        features.append(
            {
                "layer": layer,
                "id": fid,
                "legs": len(legs),
                "matched_legs": sum(leg.matched for leg in legs),
                "length_ratio": round(line.length / straight, 4),
                "source": ATTRIBUTION,
                "geometry": shapely.LineString(np.column_stack([lon, lat]).round(6)),
            }
        )
    return features, report


@dataclass
class SkeletonBuild:
    """What ``jmgis data skeleton-build`` wrote and did."""

    points_file: Path
    lines_file: Path
    placements: pd.DataFrame
    legs: pd.DataFrame

    def summary(self) -> list[str]:
        """One line per placed station and per line layer, for the log."""
        out = []
        for row in self.placements.itertuples():
            what = f"moved {row.moved_m:.0f} m" if row.placed else f"not moved: {row.reason}"
            out.append(f"station {row.id}: {what}")
        for layer, legs in self.legs.groupby("layer"):
            lines = legs.groupby("id")["matched"].any()
            out.append(
                f"{layer}: {int(legs['matched'].sum())} of {len(legs)} legs follow the skeleton, "
                f"{int(lines.sum())} of {len(lines)} existing lines routed"
            )
        return out


def build(
    directory: Path,
    networks: Mapping[str, tuple[Sequence[Mapping[int, float]], Sequence[Sequence[float]]]],
    townships: gpd.GeoDataFrame,
    metric_crs: str | CRS,
) -> SkeletonBuild:
    """Write ``skeleton_points.csv`` and ``skeleton_lines.geojson`` into ``directory``.

    Parameters
    ----------
    directory : pathlib.Path
        The transport data folder (read as curated, written atomically).
    networks : mapping
        ``{"rail": (graph, nodes), "road": (graph, nodes)}`` of
        :func:`jmgis.transport.skeleton.read_literals`.
    townships : geopandas.GeoDataFrame
        The township polygons (``code``).
    metric_crs : str or pyproj.CRS
        The analysis CRS.

    Returns
    -------
    SkeletonBuild
        The files and what was placed and routed.
    """
    from jmgis.atomic import atomic_path
    from jmgis.transport.load import read_layers
    from jmgis.transport.points import load_control_points
    from jmgis.transport.skeleton_apply import LINES_FILE, POINTS_FILE

    skels = {name: skeleton_network(g, n, metric_crs) for name, (g, n) in networks.items()}
    curated = load_control_points(directory / "control_points.csv", skeleton=False)
    raw = read_layers(directory, skeleton_points=False, skeleton_lines=False)
    kinds = curated.set_index("point_id")["kind"]
    existing = raw["rail"][raw["rail"]["status"].isin(EXISTING)]
    stops = [v for via in existing["via"] for v in via.split(",") if kinds.get(v) == "station"]
    placements = place_stations(curated, stops, townships, skels["rail"], metric_crs)
    points_file = directory / POINTS_FILE
    with atomic_path(points_file) as tmp:
        placement_table(placements, curated).to_csv(tmp, index=False, encoding="utf-8")
    placed = read_layers(directory, skeleton_lines=False)
    final_points = load_control_points(directory / "control_points.csv")
    features: list[dict] = []
    legs: list[dict] = []
    for layer, id_column in (("rail", "line_id"), ("road", "road_id")):
        found, report = line_rows(
            layer, placed[layer], id_column, final_points, skels[layer], metric_crs
        )
        features += found
        legs += report
    lines_file = directory / LINES_FILE
    frame = gpd.GeoDataFrame(
        pd.DataFrame(features, columns=[*LINE_COLUMNS, "geometry"]),
        geometry="geometry",
        crs=STORAGE_CRS,
    )
    with atomic_path(lines_file) as tmp:
        frame.to_file(tmp, driver="GeoJSON", layer="skeleton_lines", COORDINATE_PRECISION=6)
    return SkeletonBuild(points_file, lines_file, placements, pd.DataFrame(legs))
