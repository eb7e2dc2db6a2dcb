"""Access/egress connectors: points (seats, stations, ports, parks, POIs) to the network.

A point is joined to the nearest eligible network node by a two-way ``connector`` edge
whose straight length is recorded as ``snap_m`` (metres).  Where a land polygon is given,
a connector may not cross open water (more than ``max_water_m`` of it): the next nearest
candidate is taken instead, so an island seat is never joined straight across the sea.
Snaps longer than ``report_snap_m`` are returned as outliers and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree

from jmgis.network.graph import add_link, add_node

log = logging.getLogger("jmgis.network")

#: Road classes a point cannot join except at an interchange (limited access).
LIMITED_ACCESS_CLASSES = frozenset({"expressway"})

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
    """Nodes incident to at least one edge whose data satisfies ``predicate``."""
    out = set()
    for u, v, d in G.edges(data=True):
        if predicate(d):
            out.add(u)
            out.add(v)
    return [n for n in G.nodes if n in out]


class Snapper:
    """Nearest-candidate search over a fixed set of network nodes (KD-tree)."""

    def __init__(
        self,
        G: nx.MultiDiGraph,
        candidates: list[str],
        *,
        land: shapely.Geometry | None = None,
        max_water_m: float = 300.0,
    ) -> None:
        self.G = G
        self.ids = list(candidates)
        self.xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in self.ids], dtype=float)
        self.tree = cKDTree(self.xy) if len(self.ids) else None
        self.land = land
        if land is not None:
            shapely.prepare(land)
        self.max_water_m = max_water_m

    def nearest(self, x: float, y: float, *, k: int = 16) -> tuple[str, float] | None:
        """The nearest candidate reachable without crossing water; ``None`` if none."""
        if self.tree is None:
            return None
        k = min(k, len(self.ids))
        dist, idx = self.tree.query([x, y], k=k)
        dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
        if self.land is None:
            return self.ids[int(idx[0])], float(dist[0])
        lines = shapely.linestrings(
            np.stack([np.repeat([[x, y]], len(idx), axis=0), self.xy[idx]], axis=1)
        )
        wet = shapely.length(shapely.difference(lines, self.land))
        ok = np.flatnonzero(wet <= self.max_water_m)
        if len(ok) == 0:
            return None
        return self.ids[int(idx[ok[0]])], float(dist[ok[0]])


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
            log.warning("%s %s (%s): no network node reachable over land", kind, ref, name)
            continue
        target, dist = hit
        extra = {"road_class": road_class} if road_class else {}
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
        snaps.append(Snap(node, target, dist, kind, name))
        if dist > report_snap_m:
            log.warning(
                "%s %s (%s) snapped %.0f m to the network (over %.0f m)",
                kind,
                ref,
                name,
                dist,
                report_snap_m,
            )
    return snaps
