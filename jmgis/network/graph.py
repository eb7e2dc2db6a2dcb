"""Assembling a contract graph: nodes, links and reciprocal edges.

Every builder (:func:`jmgis.network.build_graph`, :func:`~jmgis.network.from_layers`,
:func:`~jmgis.network.from_osm`) ends here, so the contract (``docs/ARCHITECTURE.md``) is
enforced in one place:

- graph attributes ``crs``, ``year``, ``modes``;
- node ids are strings, node attributes ``x``, ``y`` (analysis CRS, metres), ``kind``,
  ``ref``, ``name``;
- edge attributes ``length_m``, ``travel_time_s``, ``mode``, ``feature_id``, ``name``,
  ``speed_kph`` and, for roads, ``road_class``;
- a two-way link is two reciprocal directed edges, a one-way link one edge.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from jmgis.vocab import EDGE_MODES as VOCAB_EDGE_MODES

NODE_KINDS = (
    "junction",
    "seat",
    "station",
    "port",
    "airport",
    "interchange",
    "gateway",
    "park",
    "poi",
    "platform",
)
EDGE_MODES = VOCAB_EDGE_MODES

#: Columns of a *link table*: the normalised line features every builder produces
#: before they become edges (analysis CRS, metres).
LINK_COLUMNS = (
    "feature_id",
    "name",
    "mode",
    "road_class",
    "speed_kph",
    "oneway",
    "circuity",
    "source",
)


def empty_graph(crs: str, year: int | None, modes: Iterable[str]) -> nx.MultiDiGraph:
    """A graph carrying the contract's graph attributes.

    Parameters
    ----------
    crs : str
        The graph's (metric) CRS.
    year : int or None
        Scenario year.
    modes : Iterable of str
        The modes the graph holds.

    Returns
    -------
    networkx.MultiDiGraph
        The empty graph.
    """
    return nx.MultiDiGraph(crs=str(crs), year=year, modes=tuple(modes))


def add_node(
    G: nx.MultiDiGraph,
    node_id: str,
    x: float,
    y: float,
    *,
    kind: str,
    ref: object = None,
    name: str | None = None,
    **attrs: object,
) -> str:
    """Add (or update) a node with the contract's attributes; returns its id.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    node_id : str
        The node id.
    x, y : float
        The position (metres).
    kind : str
        Node kind (``junction``, ``seat``, ``station`` …).
    ref : object
        The feature the node stands for.
    name : str or None
        Display name.
    **attrs : object
        Further node attributes.

    Returns
    -------
    str
        ``node_id``.
    """
    G.add_node(
        str(node_id),
        x=float(x),
        y=float(y),
        kind=kind,
        ref=None if ref is None else str(ref),
        name=name or "",
        **attrs,
    )
    return str(node_id)


def add_link(
    G: nx.MultiDiGraph,
    u: str,
    v: str,
    *,
    length_m: float,
    speed_kph: float | None,
    mode: str,
    feature_id: object,
    name: str | None = None,
    oneway: int = 0,
    travel_time_s: float | None = None,
    **attrs: object,
) -> None:
    """Add a link as one (``oneway`` = 1 forward, −1 backward) or two directed edges.

    ``travel_time_s`` defaults to ``length_m`` at ``speed_kph``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    u, v : str
        The end nodes.
    length_m : float
        Length (metres).
    speed_kph : float or None
        Speed (km/h); ``None`` with ``travel_time_s``.
    mode : str
        Edge mode (``road``, ``rail``, ``connector`` …).
    feature_id : object
        The source feature.
    name : str or None
        Display name.
    oneway : int
        0 both ways, 1 forward, -1 backward.
    travel_time_s : float or None
        Travel time (seconds); computed from length and speed when ``None``.
    **attrs : object
        Further edge attributes.
    """
    if travel_time_s is None:
        if not speed_kph or speed_kph <= 0:
            raise ValueError(f"edge {u}->{v} of {feature_id}: no speed to time it")
        travel_time_s = float(length_m) / (float(speed_kph) / 3.6)
    data = {
        "length_m": float(length_m),
        "travel_time_s": float(travel_time_s),
        "mode": mode,
        "feature_id": None if feature_id is None else str(feature_id),
        "name": name or "",
        "speed_kph": None if speed_kph is None else float(speed_kph),
        **attrs,
    }
    if oneway >= 0:
        G.add_edge(u, v, **data)
    if oneway <= 0:
        G.add_edge(v, u, **data)


def segments_at_vertices(links: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split every (multi)line into its straight segments, vectorised.

    Each vertex of a schematic line is a control point, so every vertex becomes a graph
    node; lines that share a control point share a node.  Returns one row per segment
    with the link's columns plus ``seq`` (segment index along its feature) and the
    segment geometry.
    """
    geoms = shapely.get_parts(links.geometry.values, return_index=True)
    parts, owner = geoms
    coords, index = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return links.iloc[0:0].assign(seq=pd.Series(dtype=int))
    same = index[:-1] == index[1:]
    starts = coords[:-1][same]
    ends = coords[1:][same]
    part_of = index[:-1][same]
    segs = shapely.linestrings(np.stack([starts, ends], axis=1))
    row_of = owner[part_of]
    out = links.iloc[row_of].copy()
    out = out.set_geometry(gpd.GeoSeries(segs, index=out.index, crs=links.crs))
    out["seq"] = out.groupby(level=0).cumcount().to_numpy()
    return out.reset_index(drop=True)


def merge_points(xy: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Cluster label of each point: points closer than ``tolerance_m`` share a label.

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` coordinates (metres).
    tolerance_m : float
        Merge distance (metres).

    Returns
    -------
    numpy.ndarray
        Integer labels.
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=int)
    from scipy.spatial import cKDTree  # loaded only to build (scipy.spatial is slow)
    pairs = cKDTree(xy).query_pairs(max(tolerance_m, 1e-9), output_type="ndarray")
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    return labels


def add_segments(
    G: nx.MultiDiGraph,
    segments: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 0.01,
    node_prefix: str = "n",
) -> pd.DataFrame:
    """Turn a segment table (see :data:`LINK_COLUMNS`) into junction nodes and edges.

    Segment ends closer than ``tolerance_m`` become one node, named
    ``"<prefix>:<feature_id>:<k>"`` after the first segment that reaches it.  Optional
    integer columns ``level_u``/``level_v`` keep ends apart that share coordinates but not
    a junction (an expressway passing over a road's control point): only ends of the same
    level merge.  Returns the segment table's ``u``/``v`` node ids (one row per segment)
    so callers can report on them.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    segments : geopandas.GeoDataFrame
        Noded segments with the link columns.
    tolerance_m : float
        Ends closer than this (metres) become one junction.
    node_prefix : str
        Prefix of the junction ids.

    Returns
    -------
    pandas.DataFrame
        The junctions created.
    """
    if len(segments) == 0:
        return pd.DataFrame({"u": [], "v": []})
    first = shapely.get_point(segments.geometry.values, 0)
    last = shapely.get_point(segments.geometry.values, -1)
    xy = np.vstack([shapely.get_coordinates(first), shapely.get_coordinates(last)])
    if "level_u" in segments and "level_v" in segments:
        level = np.concatenate(
            [segments["level_u"].to_numpy(float), segments["level_v"].to_numpy(float)]
        )
        labels = merge_points(np.column_stack([xy, level * 1e9]), tolerance_m)
    else:
        labels = merge_points(xy, tolerance_m)
    n = len(segments)
    fids = segments["feature_id"].astype(str).to_numpy()
    seqs = segments["seq"].to_numpy() if "seq" in segments else np.arange(n)
    names: dict[int, str] = {}
    taken: set[str] = set()
    # Name each node after its first occurrence (start of segment i, or end of segment i).
    order = np.concatenate([np.arange(n) * 2, np.arange(n) * 2 + 1])
    owner = np.concatenate([np.arange(n), np.arange(n)])
    for pos in np.argsort(order, kind="stable"):
        label = int(labels[pos])
        if label in names:
            continue
        i = owner[pos]
        k = int(seqs[i]) + (0 if pos < n else 1)
        name = f"{node_prefix}:{fids[i]}:{k}"
        while name in taken:  # never reuse an id for another place
            name += "'"
        taken.add(name)
        names[label] = name
    for label, node_id in names.items():
        if node_id not in G:
            members = xy[labels == label]
            add_node(G, node_id, *members.mean(axis=0), kind="junction", ref=None)
    u = [names[int(lab)] for lab in labels[:n]]
    v = [names[int(lab)] for lab in labels[n:]]
    lengths = shapely.length(segments.geometry.values)
    circuity = (
        segments["circuity"].fillna(1.0).to_numpy()
        if "circuity" in segments
        else np.ones(n, dtype=float)
    )
    cols = {c: segments[c].to_numpy() for c in LINK_COLUMNS if c in segments}
    for i in range(n):
        if u[i] == v[i]:
            continue  # a segment shorter than the tolerance collapses into its node
        extra = {"road_class": cols["road_class"][i]} if "road_class" in cols else {}
        if cols.get("source") is not None:
            extra["source"] = cols["source"][i]
        add_link(
            G,
            u[i],
            v[i],
            length_m=float(lengths[i] * circuity[i]),
            speed_kph=float(cols["speed_kph"][i]),
            mode=str(cols["mode"][i]),
            feature_id=fids[i],
            name=_text(cols["name"][i]) if "name" in cols else "",
            oneway=int(cols["oneway"][i]) if "oneway" in cols else 0,
            **extra,
        )
    return pd.DataFrame({"u": u, "v": v})


def nodes_frame(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """The graph's nodes as points (analysis CRS), one row per node, index = node id."""
    data = pd.DataFrame.from_dict(dict(G.nodes(data=True)), orient="index")
    if data.empty:
        return gpd.GeoDataFrame(geometry=[], crs=G.graph.get("crs"))
    geom = shapely.points(data["x"].to_numpy(float), data["y"].to_numpy(float))
    return gpd.GeoDataFrame(data, geometry=geom, crs=G.graph.get("crs"))


def edges_frame(G: nx.MultiDiGraph) -> pd.DataFrame:
    """The graph's directed edges as a table (``u``, ``v``, ``key`` and attributes)."""
    rows = [{"u": u, "v": v, "key": k, **d} for u, v, k, d in G.edges(keys=True, data=True)]
    return pd.DataFrame(rows)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)
