"""Access/egress connectors: points (seats, stations, ports, parks, POIs) to the network.

A point is joined to the network by a two-way ``connector`` edge whose straight length
is recorded as ``snap_m`` (metres): to the nearest point of an eligible road *edge*
(:class:`EdgeSnapper`, which splits the edge there — schematic roads have few vertices, so
snapping to vertices would overstate access distances) or to the nearest eligible *node*
(:class:`Snapper`).  Where a water polygon is given, a connector may not cross more than
``max_water_m`` of it: the next nearest candidate is taken instead, so an island seat is
never joined straight across the sea.  Snaps longer than ``report_snap_m`` are returned as
outliers (logged at debug level; ``jmgis network check`` lists them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from jmgis.network.graph import add_link, add_node
from jmgis.vocab import GRADE_SEPARATED_CLASSES as GRADE_SEPARATED_ROADS

log = logging.getLogger("jmgis.network")

#: Road classes a point cannot join except at an interchange (limited access).
LIMITED_ACCESS_CLASSES = frozenset({"expressway"})

#: Road classes a seat, station or point never joins directly (grade-separated roads:
#: 高速公路 entered only at interchanges; 城市快速路, whose junctions are its control
#: points).  Issue 15, door-to-door model.
GRADE_SEPARATED_CLASSES = frozenset(LIMITED_ACCESS_CLASSES | set(GRADE_SEPARATED_ROADS))

DEFAULT_REPORT_SNAP_M = 2000.0


@dataclass(frozen=True)
class Snap:
    """One connector: point node, network node, straight distance (m)."""

    node: str
    target: str
    snap_m: float
    kind: str
    name: str


def road_access_nodes(G: nx.MultiDiGraph) -> list[str]:
    """Junctions a vehicle can enter: touching a road edge that is not limited-access."""
    out = set()
    for u, v, d in G.edges(data=True):
        if d.get("mode") == "road" and d.get("road_class") not in LIMITED_ACCESS_CLASSES:
            out.add(u)
            out.add(v)
    return [n for n in G.nodes if n in out]


def nodes_on(G: nx.MultiDiGraph, predicate: Callable[[dict], bool]) -> list[str]:
    """Nodes incident to at least one edge whose data satisfies ``predicate``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    predicate : Callable
        Edge data → whether it counts.

    Returns
    -------
    list of str
        The node ids.
    """
    out = set()
    for u, v, d in G.edges(data=True):
        if predicate(d):
            out.add(u)
            out.add(v)
    return [n for n in G.nodes if n in out]


#: A water tile holds at most this many vertices (see :class:`WaterIndex`).
TILE_VERTICES = 256


class WaterIndex:
    """A water polygon cut into small tiles with an STR-tree over them.

    Intersecting a short connector with the whole coastline's polygon costs time in
    proportion to the polygon's vertices (thousands), for every connector; cut into
    quadrants until each tile has at most :data:`TILE_VERTICES` vertices, each line is
    intersected only with the few tiles its box touches.  The tiles partition the polygon
    (they meet only along their cut lines), so the summed lengths equal the length of the
    intersection with the whole polygon.

    Parameters
    ----------
    water
        The water polygon (analysis CRS, metres).
    """

    def __init__(self, water: shapely.Geometry) -> None:
        self.water = water
        tiles: list[shapely.Geometry] = []
        self._cut(water, tiles, depth=0)
        self.tiles = np.array(tiles, dtype=object)
        shapely.prepare(self.tiles)
        self.tree = shapely.STRtree(self.tiles)

    def _cut(self, geom: shapely.Geometry, out: list, depth: int) -> None:
        if geom.is_empty:
            return
        if shapely.get_num_coordinates(geom) <= TILE_VERTICES or depth >= 12:
            out.append(geom)
            return
        x0, y0, x1, y1 = geom.bounds
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        for box in ((x0, y0, xm, ym), (xm, y0, x1, ym), (x0, ym, xm, y1), (xm, ym, x1, y1)):
            part = shapely.clip_by_rect(geom, *box)
            part = shapely.get_parts(part)
            part = part[shapely.get_type_id(part) >= 3]  # polygons only, not the cut lines
            if len(part):
                self._cut(shapely.multipolygons(part) if len(part) > 1 else part[0], out, depth + 1)

    def length_in(self, lines: np.ndarray) -> np.ndarray:
        """Length (m) of each line inside the water, in bulk.

        Parameters
        ----------
        lines
            Array of LineStrings (analysis CRS).

        Returns
        -------
        numpy.ndarray
            Metres of each line lying in the water.
        """
        out = np.zeros(len(lines))
        if len(lines) == 0:
            return out
        line_idx, tile_idx = self.tree.query(lines, predicate="intersects")
        if len(line_idx):
            parts = shapely.length(shapely.intersection(lines[line_idx], self.tiles[tile_idx]))
            out += np.bincount(line_idx, weights=parts, minlength=len(lines))
        return out


_INDEXES: dict[int, tuple[shapely.Geometry, WaterIndex]] = {}


def water_index(water: shapely.Geometry | WaterIndex) -> WaterIndex:
    """The :class:`WaterIndex` of a water polygon, built once per polygon object."""
    if isinstance(water, WaterIndex):
        return water
    hit = _INDEXES.get(id(water))
    if hit is None or hit[0] is not water:
        if len(_INDEXES) >= 8:
            _INDEXES.pop(next(iter(_INDEXES)))
        hit = (water, WaterIndex(water))
        _INDEXES[id(water)] = hit
    return hit[1]


def water_m(lines: np.ndarray, water: shapely.Geometry | WaterIndex | None) -> np.ndarray:
    """Length of each line that lies in ``water`` (zeros without a water polygon).

    Parameters
    ----------
    lines
        Array of LineStrings (analysis CRS, metres).
    water
        The water polygon, its :class:`WaterIndex`, or ``None``.

    Returns
    -------
    numpy.ndarray
        Metres of each line in the water.
    """
    lines = np.asarray(lines, dtype=object)
    if water is None or len(lines) == 0:
        return np.zeros(len(lines))
    return water_index(water).length_in(lines)


class Snapper:
    """Nearest-candidate search over a fixed set of network nodes (KD-tree)."""

    def __init__(
        self,
        G: nx.MultiDiGraph,
        candidates: list[str],
        *,
        water: shapely.Geometry | None = None,
        max_water_m: float = 300.0,
    ) -> None:
        self.G = G
        self.ids = list(candidates)
        self.xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in self.ids], dtype=float)
        from scipy.spatial import cKDTree  # loaded only to build (scipy.spatial is slow)
        self.tree = cKDTree(self.xy) if len(self.ids) else None
        self.water = water
        self.max_water_m = max_water_m

    def nearest(self, x: float, y: float, *, k: int = 16) -> tuple[str, float] | None:
        """The nearest candidate reachable without crossing water; ``None`` if none.

        Parameters
        ----------
        x, y : float
            The point (metres).
        k : int
            Candidates tried, nearest first.

        Returns
        -------
        tuple of (str, float) or None
            Node id and distance (metres).
        """
        if self.tree is None:
            return None
        k = min(k, len(self.ids))
        dist, idx = self.tree.query([x, y], k=k)
        dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
        lines = shapely.linestrings(
            np.stack([np.repeat([[x, y]], len(idx), axis=0), self.xy[idx]], axis=1)
        )
        ok = np.flatnonzero(water_m(lines, self.water) <= self.max_water_m)
        if len(ok) == 0:
            return None
        return self.ids[int(idx[ok[0]])], float(dist[ok[0]])


class EdgeSnapper:
    """Nearest point on an eligible straight edge, with splitting of the snapped edges.

    Parameters
    ----------
    G
        The graph; edges are taken as straight between their nodes (true for the
        schematic segments :func:`~jmgis.network.graph.segments_at_vertices` makes).
    eligible
        Which edges a point may join (by edge data).
    water, max_water_m
        As for :class:`Snapper`.
    """

    def __init__(
        self,
        G: nx.MultiDiGraph,
        eligible: Callable[[dict], bool],
        *,
        water: shapely.Geometry | None = None,
        max_water_m: float = 300.0,
    ) -> None:
        self.G = G
        self.eligible = eligible
        pairs = {tuple(sorted((u, v))) for u, v, d in G.edges(data=True) if eligible(d) and u != v}
        self.pairs = sorted(pairs)
        xy = {n: (G.nodes[n]["x"], G.nodes[n]["y"]) for pair in self.pairs for n in pair}
        self.lines = shapely.linestrings(
            np.array([[xy[u], xy[v]] for u, v in self.pairs], dtype=float).reshape(-1, 2, 2)
        )
        self.tree = shapely.STRtree(self.lines)
        self.water = water
        self.max_water_m = max_water_m
        self._count = sum(1 for n in G if ":s" in n)

    def locate(self, x: float, y: float) -> tuple[int, float, float] | None:
        """(segment index, fraction along it, distance m) of the nearest reachable point.

        Parameters
        ----------
        x, y : float
            The point (metres).

        Returns
        -------
        tuple of (int, float, float) or None
            Segment index, fraction along it (0–1) and distance (metres).
        """
        if not self.pairs:
            return None
        point = shapely.Point(x, y)
        radius = max(float(self.tree.query_nearest(point, return_distance=True)[1][0]), 1.0)
        for _ in range(6):
            idx = self.tree.query(point, predicate="dwithin", distance=radius * 1.5)
            if len(idx):
                dist = shapely.distance(self.lines[idx], point)
                order = np.argsort(dist)
                idx, dist = idx[order], dist[order]
                frac = shapely.line_locate_point(self.lines[idx], point, normalized=True)
                feet = shapely.line_interpolate_point(self.lines[idx], frac, normalized=True)
                legs = shapely.linestrings(
                    np.stack(
                        [np.repeat([[x, y]], len(idx), axis=0), shapely.get_coordinates(feet)],
                        axis=1,
                    )
                )
                ok = np.flatnonzero(water_m(legs, self.water) <= self.max_water_m)
                if len(ok):
                    j = ok[0]
                    return int(idx[j]), float(frac[j]), float(dist[j])
            radius *= 3
        return None

    def split(self, requests: list[tuple[int, float]]) -> list[str]:
        """Split segments at the requested fractions; returns the node at each request.

        A fraction within 1 m of a segment end uses that end's node.
        """
        out: list[str | None] = [None] * len(requests)
        by_seg: dict[int, list[tuple[float, int]]] = {}
        for r, (seg, frac) in enumerate(requests):
            u, v = self.pairs[seg]
            length = float(self.lines[seg].length)
            if frac * length < 1.0:
                out[r] = u
            elif (1 - frac) * length < 1.0:
                out[r] = v
            else:
                by_seg.setdefault(seg, []).append((frac, r))
        for seg, items in by_seg.items():
            u, v = self.pairs[seg]
            fracs = sorted({f for f, _ in items})
            ux, uy = self.G.nodes[u]["x"], self.G.nodes[u]["y"]
            vx, vy = self.G.nodes[v]["x"], self.G.nodes[v]["y"]
            new = []
            fid = next(
                (d.get("feature_id") for d in (self.G.get_edge_data(u, v) or {}).values()),
                None,
            ) or next(iter((self.G.get_edge_data(v, u) or {}).values()), {}).get(  # type: ignore[call-overload]  # networkx edge data is untyped
                "feature_id"
            )
            for f in fracs:
                self._count += 1
                node = f"n:{fid}:s{self._count}"
                add_node(self.G, node, ux + f * (vx - ux), uy + f * (vy - uy), kind="junction")
                new.append(node)
            for f, r in items:
                out[r] = new[fracs.index(f)]
            chain_f = [0.0, *fracs, 1.0]
            chain_n = [u, *new, v]
            for a, b in ((u, v), (v, u)):
                for key, data in list((self.G.get_edge_data(a, b) or {}).items()):
                    if not self.eligible(data):
                        continue
                    self.G.remove_edge(a, b, key)
                    nodes = chain_n if a == u else chain_n[::-1]
                    fr = chain_f if a == u else [1 - f for f in chain_f[::-1]]
                    for i in range(len(nodes) - 1):
                        share = fr[i + 1] - fr[i]
                        piece = dict(data)
                        piece["length_m"] = data["length_m"] * share
                        piece["travel_time_s"] = data["travel_time_s"] * share
                        self.G.add_edge(nodes[i], nodes[i + 1], **piece)
        return [str(n) for n in out]


def connect_to_edges(
    G: nx.MultiDiGraph,
    points: gpd.GeoDataFrame,
    *,
    kind: str,
    id_field: str,
    name_field: str = "name",
    snapper: EdgeSnapper,
    speed_kph: float,
    prefix: str | None = None,
    node_field: str | None = None,
    road_class: str | None = None,
    report_snap_m: float = DEFAULT_REPORT_SNAP_M,
) -> list[Snap]:
    """Like :func:`connect_points`, joining each point to the nearest point of an edge.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    points : geopandas.GeoDataFrame
        The points, in the graph's CRS.
    kind : str
        Node kind of the new nodes (``seat``, ``park`` …).
    id_field : str
        The points' id column.
    name_field : str
        The points' name column.
    snapper : EdgeSnapper
        Finds the nearest reachable point of an edge.
    speed_kph : float
        Speed on the connectors (km/h).
    prefix : str or None
        Prefix of the node ids (``kind`` when ``None``).
    node_field : str or None
        Take the node id from this column instead.
    road_class : str or None
        Road class recorded on the connectors.
    report_snap_m : float
        Connectors longer than this (metres) are reported.

    Returns
    -------
    list of Snap
        One record per connected point (node, target, distance in metres).
    """
    prefix = prefix or kind
    xs = shapely.get_x(points.geometry.values)
    ys = shapely.get_y(points.geometry.values)
    located, rows = [], []
    for (_, row), x, y in zip(points.iterrows(), xs, ys, strict=True):
        ref = row[id_field]
        node = str(row[node_field]) if node_field else f"{prefix}:{ref}"
        name = row.get(name_field) if name_field in row else None
        name = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        if node not in G:
            add_node(G, node, x, y, kind=kind, ref=ref, name=name)
        rows.append((node, ref, name))
        located.append(snapper.locate(x, y))
    targets = snapper.split([(s, f) for s, f, _ in (h for h in located if h is not None)])
    snaps: list[Snap] = []
    it = iter(targets)
    for (node, ref, name), hit in zip(rows, located, strict=True):
        if hit is None:
            snaps.append(Snap(node, "", float("inf"), kind, name))
            log.debug("%s %s (%s): no network edge reachable over land", kind, ref, name)
            continue
        target, dist = next(it), hit[2]
        snaps.append(
            _connect(
                G,
                node,
                target,
                dist,
                kind=kind,
                ref=ref,
                name=name,
                speed_kph=speed_kph,
                road_class=road_class,
                report_snap_m=report_snap_m,
            )
        )
    return snaps


def _connect(
    G: nx.MultiDiGraph,
    node: str,
    target: str,
    dist: float,
    *,
    kind: str,
    ref: object,
    name: str,
    speed_kph: float,
    road_class: str | None,
    report_snap_m: float,
) -> Snap:
    """Add the two-way connector ``node``—``target`` of ``dist`` metres and report it."""
    extra: dict[str, Any] = {"road_class": road_class} if road_class else {}
    add_link(
        G,
        node,
        target,
        length_m=dist,
        speed_kph=speed_kph,
        mode="connector",
        feature_id=ref,
        name=name,
        snap_m=dist,
        **extra,
    )
    if dist > report_snap_m:
        log.debug(
            "%s %s (%s) snapped %.0f m to the network (over %.0f m)",
            kind,
            ref,
            name,
            dist,
            report_snap_m,
        )
    return Snap(node, target, dist, kind, name)


def connect_points(
    G: nx.MultiDiGraph,
    points: gpd.GeoDataFrame,
    *,
    kind: str,
    id_field: str,
    name_field: str = "name",
    snapper: Snapper,
    speed_kph: float,
    prefix: str | None = None,
    node_field: str | None = None,
    road_class: str | None = None,
    report_snap_m: float = DEFAULT_REPORT_SNAP_M,
    extra_attrs: Callable[[object], dict] | None = None,
) -> list[Snap]:
    """Add each point as a node ``"<prefix>:<id>"`` and connect it to the nearest candidate.

    With ``node_field`` the node id is taken from that column instead (for nodes that
    already exist, such as stations and piers).

    ``points`` must be in the graph's CRS.  Returns the snaps; those longer than
    ``report_snap_m`` are logged as warnings.  A point with no candidate reachable over
    land is added without a connector and reported with ``snap_m = inf``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    points : geopandas.GeoDataFrame
        The points, in the graph's CRS.
    kind : str
        Node kind of the new nodes (``seat``, ``park`` …).
    id_field : str
        The points' id column.
    name_field : str
        The points' name column.
    snapper : Snapper
        Finds the nearest reachable candidate node.
    speed_kph : float
        Speed on the connectors (km/h).
    prefix : str or None
        Prefix of the node ids (``kind`` when ``None``).
    node_field : str or None
        Take the node id from this column instead.
    road_class : str or None
        Road class recorded on the connectors.
    report_snap_m : float
        Connectors longer than this (metres) are reported.
    extra_attrs : Callable or None
        Point row → further node attributes.

    Returns
    -------
    list of Snap
        One record per connected point (node, target, distance in metres).
    """
    prefix = prefix or kind
    snaps: list[Snap] = []
    xs = shapely.get_x(points.geometry.values)
    ys = shapely.get_y(points.geometry.values)
    for (_, row), x, y in zip(points.iterrows(), xs, ys, strict=True):
        ref = row[id_field]
        node = str(row[node_field]) if node_field else f"{prefix}:{ref}"
        name = row.get(name_field) if name_field in row else None
        name = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        attrs = extra_attrs(row) if extra_attrs else {}
        if node not in G:
            add_node(G, node, x, y, kind=kind, ref=ref, name=name, **attrs)
        hit = snapper.nearest(x, y)
        if hit is None:
            snaps.append(Snap(node, "", float("inf"), kind, name))
            log.debug("%s %s (%s): no network node reachable over land", kind, ref, name)
            continue
        target, dist = hit
        snaps.append(
            _connect(
                G,
                node,
                target,
                dist,
                kind=kind,
                ref=ref,
                name=name,
                speed_kph=speed_kph,
                road_class=road_class,
                report_snap_m=report_snap_m,
            )
        )
    return snaps


def connect_point_layers(
    G: nx.MultiDiGraph,
    points: Mapping[str, gpd.GeoDataFrame] | None,
    *,
    speed_kph: float,
    report_snap_m: float = DEFAULT_REPORT_SNAP_M,
) -> list[Snap]:
    """Join point layers ``{kind: frame}`` to the nearest road node of ``G``.

    The layers are seats, parks, POIs in any CRS, with an id column ``<kind>_id``, ``id`` or
    ``code`` and ``name``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    points : Mapping of str to geopandas.GeoDataFrame or None
        Point layers by kind.
    speed_kph : float
        Speed on the connectors (km/h).
    report_snap_m : float
        Connectors longer than this (metres) are reported.

    Returns
    -------
    list of Snap
        One record per connected point (node, target, distance in metres).
    """
    snaps: list[Snap] = []
    if not points:
        return snaps
    snapper = Snapper(G, [n for n, d in G.nodes(data=True) if d.get("kind") == "junction"])
    for kind, frame in points.items():
        frame = frame.to_crs(G.graph["crs"])
        id_field = next((c for c in (f"{kind}_id", "id", "code") if c in frame.columns), None)
        if id_field is None:
            from jmgis.errors import DataError

            raise DataError(
                f"no id column ({kind}_id, id or code) in the {kind} points", field="id"
            )
        snaps += connect_points(
            G,
            frame,
            kind=kind,
            id_field=id_field,
            snapper=snapper,
            speed_kph=speed_kph,
            report_snap_m=report_snap_m,
        )
    return snaps
