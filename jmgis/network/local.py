"""The derived local road layer: every township seat joined to the trunk network.

No official county/township road geometry is available, so the local layer is *derived*
and *schematic*: straight links that stand for the 县道/乡道 a seat really uses.

1. **Seat → trunk**: each seat to the nearest point of an accessible trunk road (any
   class but expressway) or ferry pier, over land; each interchange and port to the
   nearest point of such a road or seat (its 连接线).  Where a link ends on a trunk road
   the graph builder inserts a node (a T-junction).
2. **Seat ↔ seat**: the edges of the Gabriel graph of the seats (a subgraph of their
   Delaunay triangulation in which no third seat lies inside the circle on the edge as
   diameter — the links between true neighbours) no longer than ``max_seat_link_m`` and not
   crossing open water.
3. **Repair**: while some seat's component is cut off from the largest one, the shortest
   over-land link between the two is added, so no seat is an island.

A straight link is shorter than the road it stands for; travel lengths use the circuity
factor ``SpeedTable.local_circuity`` (edge ``circuity``).  Island seats (川岛镇) join their
ferry pier; the crossing itself is a ferry edge (see :mod:`jmgis.network.ferry`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from jmgis.crs import STORAGE_CRS
from jmgis.network.connectors import LIMITED_ACCESS_CLASSES, water_m
from jmgis.network.noding import insert_end_vertices
from jmgis.speeds import SpeedTable

SOURCE = (
    "derived: jmgis.network.local — seat (interchange, port) to the nearest point of a "
    "trunk road, and Gabriel-graph links between neighbouring township seats, over land; "
    "schematic"
)
DEFAULT_MAX_SEAT_LINK_M = 25_000.0
DEFAULT_MAX_WATER_M = 300.0


def gabriel_edges(xy: np.ndarray) -> np.ndarray:
    """Edges (i, j), i < j, of the Gabriel graph of the points ``xy`` (metres)."""
    if len(xy) < 2:
        return np.zeros((0, 2), dtype=int)
    if len(xy) == 2:
        return np.array([[0, 1]])
    from scipy.spatial import Delaunay, cKDTree
    tri = Delaunay(xy)
    s = tri.simplices
    edges = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    mid = (xy[edges[:, 0]] + xy[edges[:, 1]]) / 2
    radius = np.linalg.norm(xy[edges[:, 0]] - xy[edges[:, 1]], axis=1) / 2
    tree = cKDTree(xy)
    keep = np.ones(len(edges), dtype=bool)
    for i, (centre, r) in enumerate(zip(mid, radius, strict=True)):
        inside = tree.query_ball_point(centre, r * (1 - 1e-9))
        keep[i] = not any(p not in (edges[i, 0], edges[i, 1]) for p in inside)
    return edges[keep]


def nearest_reachable(
    xy: np.ndarray,
    targets: np.ndarray,
    water: shapely.Geometry | None,
    max_water_m: float,
    *,
    tries: int = 24,
) -> tuple[np.ndarray, float, int] | None:
    """Nearest point of any target geometry reachable from ``xy``.

    Reachable means without crossing more than ``max_water_m`` of water; the result is
    ``(point xy, distance m, target index)`` or ``None``.

    Parameters
    ----------
    xy : numpy.ndarray
        The point (metres).
    targets : numpy.ndarray
        Target geometries, same CRS.
    water : shapely.Geometry or None
        Open water, same CRS.
    max_water_m : float
        Most water a link may cross (metres).
    tries : int
        Nearest targets tried.

    Returns
    -------
    tuple or None
        Point xy, distance (metres) and target index.
    """
    if len(targets) == 0:
        return None
    point = shapely.Point(xy)
    legs = shapely.shortest_line(point, targets)
    length = shapely.length(legs)
    order = np.argsort(length)[:tries]
    ok = order[water_m(legs[order], water) <= max_water_m]
    if len(ok) == 0:
        return None
    j = int(ok[0])
    return shapely.get_coordinates(legs[j])[-1], float(length[j]), j


def _segment(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return shapely.linestrings(np.stack([a, b], axis=1))


def derive_local_roads(
    seats: gpd.GeoDataFrame,
    trunk_roads: gpd.GeoDataFrame,
    *,
    piers: gpd.GeoDataFrame | None = None,
    access_points: gpd.GeoDataFrame | None = None,
    water: shapely.Geometry | None = None,
    speeds: SpeedTable | None = None,
    max_seat_link_m: float = DEFAULT_MAX_SEAT_LINK_M,
    max_water_m: float = DEFAULT_MAX_WATER_M,
) -> gpd.GeoDataFrame:
    """Derive the local road layer.

    Parameters
    ----------
    seats
        Township seats (``code``, ``name``, points), any CRS; analysed in the trunk CRS.
    trunk_roads
        The trunk roads that exist in the base scenario (``road_class``, lines, projected
        CRS in metres).
    piers
        Ferry piers (points) that island seats may join.
    access_points
        Points that need a road of their own (``point_id``, ``name``): expressway
        interchanges and ports.  Each is joined to the nearest accessible trunk control
        point or seat over land (its 连接线), so the expressway or the pier can be
        reached there.
    water
        Open-water polygon in the trunk CRS; links crossing more than ``max_water_m`` of
        it are not drawn.  ``None`` skips the check.
    speeds
        Speed table for ``speed_kph``.
    max_seat_link_m : float
        Longest seat → trunk road link (metres).
    max_water_m : float
        Most water a link may cross (metres).

    Returns
    -------
    GeoDataFrame in EPSG:4490 with the road layer's columns (``road_id``, ``name``,
    ``ref``, ``road_class``, ``schemes``, ``status``, ``open_year``, ``lanes``,
    ``speed_kph``, ``geometry_quality``, ``source``) plus ``from_code``/``to_code``.
    """
    speeds = SpeedTable.coerce(speeds)
    crs = trunk_roads.crs
    seats = seats.to_crs(crs).reset_index(drop=True)
    seat_xy = shapely.get_coordinates(seats.geometry.values)
    codes = seats["code"].astype(str).to_numpy()
    names = seats["name"].astype(str).to_numpy()

    accessible = trunk_roads[~trunk_roads["road_class"].isin(LIMITED_ACCESS_CLASSES)]
    trunk_lines = accessible.geometry.to_numpy()
    pier_points = (
        piers.to_crs(crs).geometry.to_numpy() if piers is not None and len(piers) else np.array([])
    )
    seat_points = seats.geometry.to_numpy()

    rows: list[dict] = []

    def add(a_xy, b_xy, from_code, to_code, name, road_class):
        rows.append(
            {
                "road_id": f"local:{from_code}-{to_code}" if to_code else f"local:{from_code}",
                "name": name,
                "road_class": road_class,
                "from_code": from_code,
                "to_code": to_code,
                "geometry": shapely.linestrings([a_xy, b_xy]),
            }
        )

    # 1. seat → nearest point of an accessible trunk road (or a pier) over land
    seat_targets = np.concatenate([trunk_lines, pier_points])
    n_trunk = len(trunk_lines)
    for i in range(len(seat_xy)):
        hit = nearest_reachable(seat_xy[i], seat_targets, water, max_water_m)
        if hit is None or hit[1] < 1.0:
            continue  # no target over land, or the seat is on a trunk road already
        to_pier = hit[2] >= n_trunk
        road_class = "township" if to_pier else "county"
        suffix = "码头连接线" if to_pier else "干线连接线"
        add(seat_xy[i], hit[0], codes[i], None, f"{names[i]}{suffix}", road_class)

    # 1b. interchange or port → nearest point of an accessible trunk road or a seat
    if access_points is not None and len(access_points):
        ic = access_points.to_crs(crs)
        ic_xy = shapely.get_coordinates(ic.geometry.values)
        pool = np.concatenate([trunk_lines, seat_points])
        for i, (ic_id, ic_name) in enumerate(zip(ic["point_id"], ic["name"], strict=True)):
            hit = nearest_reachable(ic_xy[i], pool, water, max_water_m)
            if hit is None or hit[1] < 1.0:
                continue
            rows.append(
                {
                    "road_id": f"local:{ic_id}",
                    "name": f"{ic_name}连接线",
                    "road_class": "county",
                    "from_code": None,
                    "to_code": None,
                    "geometry": shapely.linestrings([ic_xy[i], hit[0]]),
                }
            )

    # 2. Gabriel links between neighbouring seats
    edges = gabriel_edges(seat_xy)
    if len(edges):
        lines = _segment(seat_xy[edges[:, 0]], seat_xy[edges[:, 1]])
        length = shapely.length(lines)
        ok = (length <= max_seat_link_m) & (water_m(lines, water) <= max_water_m)
        for a, b in edges[ok]:
            add(seat_xy[a], seat_xy[b], codes[a], codes[b], f"{names[a]}—{names[b]}", "county")

    # 3. repair: join every cut-off seat component to the largest one
    rows = _repair(rows, seat_xy, codes, names, accessible, water, max_water_m, add)

    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    if out.empty:
        out = gpd.GeoDataFrame(
            columns=["road_id", "name", "road_class", "from_code", "to_code", "geometry"],
            geometry="geometry",
            crs=crs,
        )
    out = out.drop_duplicates("road_id").reset_index(drop=True)
    out["ref"] = None
    out["schemes"] = None
    out["status"] = "existing"
    out["open_year"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["lanes"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["speed_kph"] = [speeds.road_speed(c) for c in out["road_class"]]
    out["circuity"] = speeds.local_circuity
    out["geometry_quality"] = "schematic"
    out["source"] = SOURCE
    cols = [
        "road_id",
        "name",
        "ref",
        "road_class",
        "schemes",
        "status",
        "open_year",
        "lanes",
        "speed_kph",
        "circuity",
        "geometry_quality",
        "source",
        "from_code",
        "to_code",
        "geometry",
    ]
    return out[cols].to_crs(STORAGE_CRS)


def _repair(rows, seat_xy, codes, names, accessible, water, max_water_m, add):
    """Add shortest over-land links until all seats share one component."""
    trunk_lines = list(accessible.geometry.values)
    for _ in range(len(seat_xy)):
        lines = trunk_lines + [r["geometry"] for r in rows]
        seat_points = shapely.points(seat_xy)
        comp_of_seat = _components(lines, seat_points)
        labels, counts = np.unique(comp_of_seat, return_counts=True)
        if len(labels) <= 1:
            break
        main = labels[np.argmax(counts)]
        inside = np.flatnonzero(comp_of_seat == main)
        outside = np.flatnonzero(comp_of_seat != main)
        from scipy.spatial import cKDTree
        tree = cKDTree(seat_xy[inside])
        k = min(8, len(inside))
        dist, idx = tree.query(seat_xy[outside], k=k)
        dist, idx = dist.reshape(len(outside), -1), idx.reshape(len(outside), -1)
        best = None
        for oi, o in enumerate(outside):
            for c in range(k):
                if best is not None and dist[oi, c] >= best[0]:
                    break
                m = inside[idx[oi, c]]
                line = _segment(seat_xy[[o]], seat_xy[[m]])
                if water_m(line, water)[0] <= max_water_m:
                    best = (dist[oi, c], o, m)
                    break
        if best is None:
            break  # only water separates them: a ferry must do it (reported by check)
        _, o, m = best
        add(seat_xy[o], seat_xy[m], codes[o], codes[m], f"{names[o]}—{names[m]}", "county")
    return rows


def _components(lines: list | np.ndarray, seat_points: np.ndarray) -> np.ndarray:
    """Component label of each seat in the graph of lines meeting at shared vertices."""
    if not lines:
        return np.arange(len(seat_points))
    lines = insert_end_vertices(np.asarray(lines, dtype=object), tolerance_m=0.01)
    coords, index = shapely.get_coordinates(lines, return_index=True)
    seat_xy = shapely.get_coordinates(seat_points)
    allxy = np.round(np.vstack([coords, seat_xy]), 3)
    _, key = np.unique(allxy, axis=0, return_inverse=True)
    key = key.ravel()
    n = key.max() + 1
    same = index[:-1] == index[1:]
    a = key[:-1][: len(coords) - 1][same]
    b = key[1 : len(coords)][same]
    adj = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    return labels[key[len(coords) :]]
