"""Noding line layers and reporting their topology.

A user's road layer rarely has a vertex where two roads cross; :func:`node_lines` splits
every line at every crossing and shared point (shapely 2 ``union_all``) and gives each
piece back the attributes of the feature it came from (``STRtree`` query, vectorised).
:func:`topology_report` then lists the dangles (line ends that touch nothing — often
undershoots), the disconnected parts and the collinear overlaps between features.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely


@dataclass
class TopologyReport:
    """What noding found.

    Attributes
    ----------
    n_features, n_nodes, n_edges
        Input features, graph nodes, directed edges.
    crossings
        Pieces created by splitting lines where they cross or touch.
    dangles
        Line ends that touch no other line: ``{"node", "x", "y", "feature_id",
        "gap_m"}`` where ``gap_m`` is the distance to the nearest *other* line (a small
        gap is an undershoot).
    components
        Sizes (nodes) of the weakly connected parts, largest first.
    overlaps
        Feature id pairs whose lines run along each other.
    """

    n_features: int = 0
    n_nodes: int = 0
    n_edges: int = 0
    crossings: int = 0
    dangles: list[dict] = field(default_factory=list)
    components: list[int] = field(default_factory=list)
    overlaps: list[tuple[str, str]] = field(default_factory=list)
    undershoot_m: float = 10.0

    @property
    def undershoots(self) -> list[dict]:
        """Dangles within ``undershoot_m`` of another line (probably meant to connect)."""
        return [d for d in self.dangles if d["gap_m"] <= self.undershoot_m]

    @property
    def disconnected(self) -> bool:
        """Whether the lines fall apart into more than one component."""
        return len(self.components) > 1

    def summary(self) -> str:
        """A few lines a planner can read."""
        lines = [
            f"{self.n_features} features → {self.n_nodes} nodes, {self.n_edges} directed edges "
            f"({self.crossings} pieces from splitting at crossings)",
            f"{len(self.components)} connected part(s)"
            + (f"; sizes {self.components[:5]}" if self.disconnected else ""),
            f"{len(self.dangles)} dangling end(s), {len(self.undershoots)} within "
            f"{self.undershoot_m:g} m of another line (undershoots)",
        ]
        if self.overlaps:
            lines.append(f"{len(self.overlaps)} overlapping feature pair(s): {self.overlaps[:5]}")
        for d in self.undershoots[:10]:
            lines.append(
                f"  undershoot at feature {d['feature_id']} ({d['x']:.1f}, {d['y']:.1f}): "
                f"{d['gap_m']:.1f} m gap"
            )
        return "\n".join(lines)


def node_lines(
    links: gpd.GeoDataFrame, *, tolerance_m: float = 0.01
) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]], int]:
    """Split lines at every crossing; each piece keeps its feature's attributes.

    Parameters
    ----------
    links
        Link table (``feature_id`` and attributes; LineString geometry, metres).
    tolerance_m
        Distance within which a piece is attributed to a feature.

    Returns
    -------
    (segments, overlaps, n_split)
        ``segments``: one row per piece, oriented like its feature (so one-way links keep
        their direction) with ``seq``; ``overlaps``: feature pairs sharing a piece;
        ``n_split``: pieces beyond one per feature.
    """
    geoms = links.geometry.to_numpy()
    if len(geoms) == 0:
        return links.assign(seq=[]), [], 0
    pieces = shapely.get_parts(shapely.union_all(geoms))
    pieces = pieces[shapely.length(pieces) > 0]
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    tree = shapely.STRtree(geoms)
    pi, gi = tree.query(mid, predicate="dwithin", distance=tolerance_m)
    owner = np.full(len(pieces), -1)
    overlaps: set[tuple[str, str]] = set()
    fids = links["feature_id"].astype(str).to_numpy()
    # lowest feature index owns a piece; other features on it are overlaps
    order = np.lexsort((gi, pi))
    pi, gi = pi[order], gi[order]
    first = np.r_[True, pi[1:] != pi[:-1]]
    owner[pi[first]] = gi[first]
    for p, g in zip(pi[~first], gi[~first], strict=True):
        a, b = sorted((fids[owner[p]], fids[g]))
        if a != b:
            overlaps.add((a, b))
    missing = np.flatnonzero(owner < 0)
    if len(missing):
        owner[missing] = tree.query_nearest(mid[missing], all_matches=False)[1]
    # orient each piece like its feature
    start = shapely.line_locate_point(geoms[owner], shapely.get_point(pieces, 0))
    end = shapely.line_locate_point(geoms[owner], shapely.get_point(pieces, -1))
    flip = start > end
    pieces[flip] = shapely.reverse(pieces[flip])
    along = np.minimum(start, end)
    out = links.iloc[owner].copy()
    out = out.set_geometry(gpd.GeoSeries(pieces, index=out.index, crs=links.crs))
    out["_along"] = along
    out = out.reset_index(drop=True).sort_values(["feature_id", "_along"], kind="stable")
    out["seq"] = out.groupby("feature_id").cumcount().to_numpy()
    out = out.drop(columns="_along").reset_index(drop=True)
    return out, sorted(overlaps), max(0, len(pieces) - len(links))


def topology_report(
    G: nx.MultiDiGraph,
    links: gpd.GeoDataFrame,
    *,
    crossings: int = 0,
    overlaps: list[tuple[str, str]] | None = None,
    undershoot_m: float = 10.0,
) -> TopologyReport:
    """Dangles, connected parts and overlaps of a graph built from ``links``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    links : geopandas.GeoDataFrame
        The links the graph was built from.
    crossings : int
        Crossings split into junctions while noding.
    overlaps : list of tuple of str or None
        Pairs of features that overlap.
    undershoot_m : float
        Dangles this close to another line (metres) are reported as undershoots.

    Returns
    -------
    TopologyReport
        The report.
    """
    report = TopologyReport(
        n_features=len(links),
        n_nodes=G.number_of_nodes(),
        n_edges=G.number_of_edges(),
        crossings=crossings,
        overlaps=list(overlaps or []),
        undershoot_m=undershoot_m,
    )
    report.components = sorted((len(c) for c in nx.weakly_connected_components(G)), reverse=True)
    U = G.to_undirected(as_view=True)
    geoms = links.geometry.to_numpy()
    fids = links["feature_id"].astype(str).to_numpy()
    tree = shapely.STRtree(geoms)
    for node, data in G.nodes(data=True):
        if data.get("kind") != "junction" or len(set(U.neighbors(node))) != 1:
            continue
        nbr = next(iter(U.neighbors(node)))
        edge = next(iter(U.get_edge_data(node, nbr).values()))
        fid = str(edge.get("feature_id"))
        point = shapely.Point(data["x"], data["y"])
        near = tree.query(point, predicate="dwithin", distance=max(undershoot_m * 100, 1000))
        gaps = [float(shapely.distance(point, geoms[i])) for i in near if fids[i] != fid]
        report.dangles.append(
            {
                "node": node,
                "x": data["x"],
                "y": data["y"],
                "feature_id": fid,
                "gap_m": min(gaps) if gaps else float("inf"),
            }
        )
    return report


def insert_end_vertices(
    geoms: np.ndarray, receives: np.ndarray | None = None, *, tolerance_m: float = 0.01
) -> np.ndarray:
    """Add a vertex to a line wherever another line *ends* on it (a T-junction).

    Crossings are left alone (a schematic expressway crossing a road is not a junction);
    only line ends that lie on another line within ``tolerance_m`` become vertices of
    it.  ``receives`` (bool per line) limits which lines get vertices — pass
    ``False`` for limited-access roads.  Returns new geometries (inputs unchanged).

    Parameters
    ----------
    geoms : numpy.ndarray
        The lines (metres).
    receives : numpy.ndarray or None
        Which lines may get vertices (bool per line; all when ``None``).
    tolerance_m : float
        How close an end must be to count (metres).

    Returns
    -------
    numpy.ndarray
        The lines with the vertices added.
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    if len(geoms) == 0:
        return geoms
    receives = np.ones(len(geoms), dtype=bool) if receives is None else np.asarray(receives)
    ends = np.concatenate([shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)])
    owner = np.concatenate([np.arange(len(geoms)), np.arange(len(geoms))])
    simple = receives & (shapely.get_type_id(geoms) == 1)
    idx = np.flatnonzero(simple)
    if len(idx) == 0:
        return geoms
    tree = shapely.STRtree(geoms[idx])
    pi, li = tree.query(ends, predicate="dwithin", distance=tolerance_m)
    li = idx[li]
    keep = owner[pi] != li
    pi, li = pi[keep], li[keep]
    for line_i in np.unique(li):
        line = geoms[line_i]
        pts = ends[pi[li == line_i]]
        coords = shapely.get_coordinates(line)
        seg = np.hypot(*np.diff(coords, axis=0).T)
        at = np.concatenate([[0.0], np.cumsum(seg)])
        pos = shapely.line_locate_point(line, pts)
        new = [
            (p, shapely.get_coordinates(pt)[0])
            for p, pt in zip(pos, pts, strict=True)
            if np.min(np.abs(at - p)) > tolerance_m
        ]
        if not new:
            continue
        merged = sorted([(a, c) for a, c in zip(at, coords, strict=True)] + new, key=lambda t: t[0])
        geoms[line_i] = shapely.linestrings(np.array([c for _, c in merged]))
    return geoms
