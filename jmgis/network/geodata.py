"""The graph as geodata: node/edge GeoDataFrames and back, and places → graph nodes.

:func:`graph_to_gdfs` / :func:`graph_from_gdfs` follow OSMnx's ``graph_to_gdfs`` /
``graph_from_gdfs``: nodes indexed by node id with ``x``, ``y`` and point geometry, edges
indexed by ``(u, v, key)`` with line geometry, both in the graph's analysis CRS
(``G.graph["crs"]``, metres).  The jmgis graph stores no edge geometry: an edge's line is
the straight segment between its nodes (the graph is built from noded segments, so this is
the segment itself for most road edges; a long rail or ferry link is drawn as a chord),
marked ``geometry_quality = "schematic"``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from jmgis.errors import DataError, ResolveError

__all__ = ["graph_from_gdfs", "graph_to_gdfs", "nearest_node"]


def graph_to_gdfs(
    G: nx.MultiDiGraph, nodes: bool = True, edges: bool = True
) -> gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The nodes and/or edges of ``G`` as GeoDataFrames (OSMnx parity).

    Parameters
    ----------
    G
        A jmgis graph (node attributes ``x``, ``y`` in metres of ``G.graph["crs"]``).
    nodes, edges
        Which frames to return.

    Returns
    -------
    geopandas.GeoDataFrame or tuple
        ``nodes`` (index: node id; ``x``, ``y``, ``kind``, ``ref``, ``name`` …, points) and/or
        ``edges`` (index ``u, v, key``; ``length_m`` (metres), ``travel_time_s`` (seconds),
        ``mode``, ``name`` …, ``geometry_quality``, lines), in the graph's CRS.
    """
    if not (nodes or edges):
        raise ValueError("ask for nodes, edges or both")
    crs = G.graph.get("crs")
    out = []
    if nodes:
        data = pd.DataFrame.from_dict(dict(G.nodes(data=True)), orient="index")
        if data.empty:
            data = pd.DataFrame(columns=["x", "y"])
        geom = shapely.points(data["x"].to_numpy(float), data["y"].to_numpy(float))
        frame = gpd.GeoDataFrame(data, geometry=geom, crs=crs)
        frame.index.name = "node"
        out.append(frame)
    if edges:
        rows = list(G.edges(keys=True, data=True))
        data = pd.DataFrame([d for *_, d in rows])
        data.index = pd.MultiIndex.from_tuples(
            [(u, v, k) for u, v, k, _ in rows], names=["u", "v", "key"]
        )
        xy = {n: (d["x"], d["y"]) for n, d in G.nodes(data=True)}
        lines = [
            shapely.LineString([xy[u], xy[v]]) if "geometry" not in d or d["geometry"] is None
            else d["geometry"]
            for u, v, _k, d in rows
        ]
        data = data.drop(columns="geometry", errors="ignore")
        data["geometry_quality"] = [
            "schematic" if "geometry" not in d or d["geometry"] is None else "derived"
            for *_, d in rows
        ]
        out.append(gpd.GeoDataFrame(data, geometry=lines, crs=crs))
    return out[0] if len(out) == 1 else tuple(out)


def graph_from_gdfs(
    gdf_nodes: gpd.GeoDataFrame,
    gdf_edges: gpd.GeoDataFrame,
    graph_attrs: dict[str, Any] | None = None,
) -> nx.MultiDiGraph:
    """A graph from node and edge frames (the inverse of :func:`graph_to_gdfs`).

    Parameters
    ----------
    gdf_nodes
        Indexed by node id; ``x``, ``y`` are taken from the columns or, when absent, from
        the point geometry.
    gdf_edges
        Indexed by ``(u, v, key)`` (or with ``u``, ``v``, ``key`` columns); must carry
        ``length_m`` (metres) and ``travel_time_s`` (seconds).
    graph_attrs
        Graph attributes (default: ``crs`` from the node frame).

    Returns
    -------
    networkx.MultiDiGraph

    Raises
    ------
    jmgis.errors.DataError
        An edge without ``length_m``/``travel_time_s`` or with an end that is not a node.
    """
    edges = gdf_edges
    if not {"u", "v", "key"} <= set(edges.index.names or []):
        if {"u", "v", "key"} <= set(edges.columns):
            edges = edges.set_index(["u", "v", "key"])
        else:
            raise DataError("edges need a (u, v, key) index or columns", file="edges")
    for column in ("length_m", "travel_time_s"):
        if column not in edges.columns:
            raise DataError(f"edges need a {column} column", file="edges", field=column)
    attrs = dict(graph_attrs or {})
    if "crs" not in attrs and gdf_nodes.crs is not None:
        attrs["crs"] = gdf_nodes.crs.to_string()
    G = nx.MultiDiGraph(**attrs)
    nodes = pd.DataFrame(gdf_nodes.drop(columns=gdf_nodes.geometry.name))
    if "x" not in nodes or "y" not in nodes:
        nodes["x"] = gdf_nodes.geometry.x.to_numpy()
        nodes["y"] = gdf_nodes.geometry.y.to_numpy()
    for node, row in zip(nodes.index, nodes.to_dict("records"), strict=True):
        G.add_node(node, **{k: v for k, v in row.items() if not _missing(v)})
    dropped = [edges.geometry.name, "geometry_quality"]
    plain = pd.DataFrame(edges.drop(columns=dropped, errors="ignore"))
    for (u, v, k), row in zip(plain.index, plain.to_dict("records"), strict=True):
        for end in (u, v):
            if end not in G:
                raise DataError(f"edge end {end!r} is not a node", file="edges", feature=f"{u}→{v}")
        G.add_edge(u, v, key=k, **{a: b for a, b in row.items() if not _missing(b)})
    return G


def _missing(value: Any) -> bool:
    # a NaN is an attribute the element did not have (the frame filled its cell)
    return isinstance(value, float) and np.isnan(value)


def nearest_node(
    G: nx.MultiDiGraph,
    place: Any,
    *,
    kinds: Iterable[str] | None = None,
) -> Hashable:
    """The graph node of a place.

    Parameters
    ----------
    G
        A jmgis graph.
    place
        A node id; a place name, township code or id that
        :func:`jmgis.admin.places.resolve_place` resolves (a township gives its seat node
        ``seat:<code>``, a station ``station:<id>`` …); or a point — a shapely ``Point`` or
        ``(lon, lat)`` in EPSG:4490 — which gives the nearest node of ``kinds``.
    kinds
        Node kinds a point may snap to (default: ``junction``, the road network).

    Returns
    -------
    Hashable
        The node id.

    Raises
    ------
    jmgis.errors.ResolveError
        A name that resolves to nothing, or a place without a node of its own in this
        graph (e.g. a county: pass its point instead).
    """
    if isinstance(place, str | int) and place in G:
        return place
    if isinstance(place, str):
        from jmgis.admin.places import resolve_place

        found = resolve_place(place)
        kind = "seat" if found.kind == "township" else found.kind
        node = f"{kind}:{found.id}"
        if node in G:
            return node
        place = found.point
    if isinstance(place, tuple | list) and len(place) == 2:
        place = shapely.Point(float(place[0]), float(place[1]))
    if not isinstance(place, shapely.Point):
        raise ResolveError(f"cannot find a node for {place!r}: give a name, code or point")
    wanted = set(kinds or ("junction",))
    ids = [n for n, d in G.nodes(data=True) if d.get("kind") in wanted]
    if not ids:
        raise ResolveError(f"the graph has no node of kind {', '.join(sorted(wanted))}")
    point = gpd.GeoSeries([place], crs="EPSG:4490").to_crs(G.graph["crs"]).iloc[0]
    xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in ids], dtype=float)
    return ids[int(np.argmin(np.hypot(xy[:, 0] - point.x, xy[:, 1] - point.y)))]
