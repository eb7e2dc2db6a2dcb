"""Results as geodata: the graph as node/edge GeoDataFrames and back, places as graph
nodes, a route between two towns with legs, minutes, km and lines."""

from __future__ import annotations

import math

import numpy as np
import pytest

import jmgis as jm
from jmgis.errors import DataError


@pytest.fixture(scope="module")
def G():  # noqa: N802 (the graph is G everywhere in jmgis)
    return jm.network.shared_graph(2025)


def _plain(d):
    return {k: v for k, v in d.items() if v is not None}


def test_graph_to_gdfs_and_back_keeps_every_node_edge_and_time(G):
    nodes, edges = jm.graph_to_gdfs(G)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    assert list(edges.index.names) == ["u", "v", "key"]
    assert nodes.crs.equals(G.graph["crs"]) and edges.crs.equals(G.graph["crs"])
    # an edge's line runs from its first node to its second
    (u, v, _k), line = next(iter(edges.geometry.items()))
    assert line.coords[0] == (G.nodes[u]["x"], G.nodes[u]["y"])
    assert line.coords[-1] == (G.nodes[v]["x"], G.nodes[v]["y"])
    H = jm.graph_from_gdfs(nodes, edges, G.graph)
    assert dict(H.graph) == dict(G.graph)
    for u, v, k, d in G.edges(keys=True, data=True):
        assert _plain(H.edges[u, v, k]) == _plain(d)
    for n, d in G.nodes(data=True):
        assert _plain(H.nodes[n]) == _plain(d)
    seats = [n for n in G if str(n).startswith("seat:")][:5]
    assert np.array_equal(
        jm.travel_time_matrix(G, seats, seats), jm.travel_time_matrix(H, seats, seats)
    )


def test_graph_from_gdfs_refuses_edges_without_times(G):
    nodes, edges = jm.graph_to_gdfs(G)
    with pytest.raises(DataError):
        jm.graph_from_gdfs(nodes, edges.drop(columns="travel_time_s"))


def test_a_township_resolves_to_its_seat_node_and_a_point_to_the_nearest_junction(G):
    code = jm.resolve_township("棠下镇")
    assert jm.nearest_node(G, "棠下镇") == f"seat:{code}"
    assert jm.nearest_node(G, code) == f"seat:{code}"
    junction = next(n for n, d in G.nodes(data=True) if d["kind"] == "junction")
    import geopandas as gpd
    import shapely

    x, y = G.nodes[junction]["x"], G.nodes[junction]["y"]
    lonlat = gpd.GeoSeries([shapely.Point(x + 3, y - 2)], crs=G.graph["crs"]).to_crs(4490)
    assert jm.nearest_node(G, lonlat.iloc[0]) == junction
    assert jm.nearest_node(G, (lonlat.iloc[0].x, lonlat.iloc[0].y)) == junction


def test_route_between_two_towns_has_legs_minutes_km_and_lines(G):
    r = jm.route("棠下镇", "台城街道", year=2025, G=G)
    assert r.legs and r.minutes > 0 and r.distance_km > 0
    assert math.isclose(sum(leg.seconds for leg in r.legs), r.seconds)
    gdf = r.to_gdf()
    assert len(gdf) == len(r.legs) and gdf.crs.equals("EPSG:4490")
    assert set(gdf["geometry_quality"]) == {"schematic"}
    assert math.isclose(gdf["km"].sum(), r.distance_km, abs_tol=0.01 * len(gdf))
    assert all(round(v, 1) == v for v in gdf["minutes"])
    # the line starts at the origin's seat
    start = gdf.to_crs(G.graph["crs"]).geometry.iloc[0].coords[0]
    seat = G.nodes[r.origin]
    assert math.hypot(start[0] - seat["x"], start[1] - seat["y"]) < 1
    assert f"{r.minutes:.1f} 分钟" in r.summary()
    m = r.explore()
    names = [getattr(c, "layer_name", "") for c in m._children.values()]
    assert "路线：棠下镇—台城街道" in names
