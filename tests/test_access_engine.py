"""The csgraph engine against networkx's Dijkstra on random directed multigraphs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jmgis.access import (
    k_nearest_facilities,
    nearest_facility,
    path_edges,
    shortest_path,
    snap_points,
    travel_time_matrix,
    travel_times_to,
)
from jmgis.errors import DataError

W = "travel_time_s"


@st.composite
def multigraphs(draw, max_nodes: int = 12):
    """Random directed multigraphs: parallel edges, zero weights, self loops, isolated and
    unreachable nodes, string and int node ids."""
    n = draw(st.integers(1, max_nodes))
    ids = draw(
        st.sampled_from(
            [list(range(n)), [f"n:{i}" for i in range(n)], [10 * i + 3 for i in range(n)]]
        )
    )
    G = nx.MultiDiGraph()
    G.add_nodes_from(draw(st.permutations(ids)))
    weights = st.one_of(st.just(0.0), st.integers(0, 50).map(float), st.floats(0, 1000))
    edges = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids), weights), max_size=4 * n)
    )
    for u, v, w in edges:
        G.add_edge(u, v, travel_time_s=w)
    return G


def nx_lengths(G, source, cutoff=None):
    return nx.single_source_dijkstra_path_length(G, source, cutoff=cutoff, weight=W)


@settings(max_examples=150, deadline=None)
@given(multigraphs(), st.data())
def test_matrix_equals_networkx(G, data):
    nodes = list(G.nodes)
    origins = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=5))
    cutoff = data.draw(st.one_of(st.none(), st.floats(0.5, 800)))
    full = travel_time_matrix(G, origins, cutoff_s=cutoff)
    assert full.shape == (len(origins), len(nodes))
    for row, o in zip(full, origins, strict=True):
        lengths = nx_lengths(G, o, cutoff)
        expected = np.array([lengths.get(v, math.inf) for v in nodes])
        np.testing.assert_allclose(row, expected, rtol=1e-12, atol=0)
    dests = data.draw(st.lists(st.sampled_from(nodes), max_size=6))
    sub = travel_time_matrix(G, origins, dests, cutoff_s=cutoff)
    assert sub.shape == (len(origins), len(dests))
    pos = {v: i for i, v in enumerate(nodes)}
    np.testing.assert_array_equal(sub, full[:, [pos[d] for d in dests]])


@settings(max_examples=100, deadline=None)
@given(multigraphs(), st.data())
def test_nearest_and_k_nearest_equal_networkx(G, data):
    nodes = list(G.nodes)
    facilities = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=4))
    res = nearest_facility(G, facilities)
    # networkx: multi-source Dijkstra on the reversed graph = time from each node to a facility
    expected = nx.multi_source_dijkstra_path_length(G.reverse(copy=True), set(facilities), weight=W)
    for i, v in enumerate(nodes):
        assert res.time_s[i] == pytest.approx(expected.get(v, math.inf), rel=1e-12)
        if math.isfinite(res.time_s[i]):
            own = nx.dijkstra_path_length(G, v, facilities[res.facility[i]], weight=W)
            assert own == pytest.approx(res.time_s[i], rel=1e-12)
        else:
            assert res.facility[i] == -1
    frm = nearest_facility(G, facilities, direction="from")
    expected_from = nx.multi_source_dijkstra_path_length(G, set(facilities), weight=W)
    np.testing.assert_allclose(
        frm.time_s, [expected_from.get(v, math.inf) for v in nodes], rtol=1e-12
    )
    k = data.draw(st.integers(1, 5))
    times, which = k_nearest_facilities(G, facilities, k)
    assert times.shape == (len(nodes), k)
    for i, v in enumerate(nodes):
        lengths = nx_lengths(G, v)
        all_times = sorted(lengths.get(f, math.inf) for f in facilities)
        all_times += [math.inf] * (k - len(all_times))
        np.testing.assert_allclose(times[i], all_times[:k], rtol=1e-12)
        for t, f in zip(times[i], which[i], strict=True):
            if math.isfinite(t):
                assert lengths[facilities[f]] == pytest.approx(t, rel=1e-12)
            else:
                assert f == -1


@settings(max_examples=100, deadline=None)
@given(multigraphs(), st.data())
def test_paths_are_fastest_and_name_the_fastest_parallel_edge(G, data):
    nodes = list(G.nodes)
    o = data.draw(st.sampled_from(nodes))
    d = data.draw(st.sampled_from(nodes))
    lengths = nx_lengths(G, o)
    if d not in lengths:
        with pytest.raises(DataError, match="cannot be reached"):
            shortest_path(G, o, d)
        return
    path = shortest_path(G, o, d)
    assert path[0] == o and path[-1] == d
    edges = path_edges(G, path)
    total = 0.0
    for u, v, key in edges:
        w = G.edges[u, v, key][W]
        assert w == min(attrs[W] for attrs in G.get_edge_data(u, v).values())
        total += w
    assert total == pytest.approx(lengths[d], rel=1e-12, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(multigraphs(), st.data())
def test_times_to_targets_are_the_transpose(G, data):
    nodes = list(G.nodes)
    targets = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=4))
    to = travel_times_to(G, targets)
    forward = travel_time_matrix(G, nodes, targets)
    np.testing.assert_allclose(to, forward.T, rtol=1e-12)


def test_undirected_graph_and_other_weight():
    G = nx.Graph()
    G.add_edge("a", "b", length_m=5.0, travel_time_s=1.0)
    G.add_edge("b", "c", length_m=7.0, travel_time_s=1.0)
    G.add_edge("a", "c", length_m=20.0, travel_time_s=5.0)
    np.testing.assert_array_equal(travel_time_matrix(G, ["c"], ["a"]), [[2.0]])
    np.testing.assert_array_equal(travel_time_matrix(G, ["c"], ["a"], weight="length_m"), [[12.0]])


def test_cache_sees_added_edges():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", travel_time_s=10.0)
    assert travel_time_matrix(G, ["a"], ["b"])[0, 0] == 10.0
    G.add_edge("a", "b", travel_time_s=4.0)
    assert travel_time_matrix(G, ["a"], ["b"])[0, 0] == 4.0


@pytest.mark.parametrize("cutoff", [0, -5, float("nan")])
def test_bad_cutoff_is_an_error(cutoff):
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", travel_time_s=1.0)
    with pytest.raises(DataError, match="cutoff"):
        travel_time_matrix(G, ["a"], cutoff_s=cutoff)


def test_bad_weights_and_unknown_nodes_are_errors():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", travel_time_s=-1.0)
    with pytest.raises(DataError, match="travel_time_s"):
        travel_time_matrix(G, ["a"])
    H = nx.MultiDiGraph()
    H.add_edge("a", "b")
    with pytest.raises(DataError, match="no 'travel_time_s'"):
        travel_time_matrix(H, ["a"])
    H.edges["a", "b", 0]["travel_time_s"] = 3.0
    with pytest.raises(DataError, match="'zz' is not a node"):
        travel_time_matrix(H, ["a"], ["b", "zz"])


def test_empty_sets():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", travel_time_s=1.0)
    assert travel_time_matrix(G, ["a", "b"], []).shape == (2, 0)
    with pytest.raises(DataError, match="facility set is empty"):
        nearest_facility(G, [])


def test_snap_within_and_beyond_distance():
    G = nx.MultiDiGraph(crs="EPSG:4547")
    G.add_node("j1", x=0.0, y=0.0, kind="junction")
    G.add_node("j2", x=1000.0, y=0.0, kind="junction")
    G.add_node("s", x=10.0, y=0.0, kind="station")
    snapped = snap_points(G, np.array([[900.0, 30.0], [20.0, 0.0]]), max_distance_m=200)
    assert snapped.nodes == ["j2", "s"]
    only_junctions = snap_points(G, np.array([[20.0, 0.0]]), kinds={"junction"})
    assert only_junctions.nodes == ["j1"]
    assert only_junctions.offnet_seconds(36.0)[0] == pytest.approx(2.0)
    with pytest.raises(DataError, match=r"feature far.*within 200 m"):
        snap_points(G, np.array([[500.0, 400.0]]), max_distance_m=200, labels=["far"])


@settings(max_examples=50, deadline=None)
@given(multigraphs(), st.data())
def test_compiled_from_arrays_equals_compiled_from_networkx(G, data):
    from jmgis.access import compile_arrays

    nodes = list(G.nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    edges = list(G.edges(data=W))
    compiled = compile_arrays(
        np.array([pos[u] for u, _, _ in edges], dtype=int),
        np.array([pos[v] for _, v, _ in edges], dtype=int),
        np.array([w for _, _, w in edges], dtype=float),
        len(nodes),
        node_ids=nodes,
    )
    origins = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=4))
    np.testing.assert_array_equal(
        travel_time_matrix(compiled, origins), travel_time_matrix(G, origins)
    )


def test_compile_arrays_rejects_bad_edges():
    from jmgis.access import compile_arrays

    with pytest.raises(DataError, match="endpoints"):
        compile_arrays(np.array([0]), np.array([5]), np.array([1.0]), 3)
    with pytest.raises(DataError, match="finite"):
        compile_arrays(np.array([0]), np.array([1]), np.array([np.nan]), 3)


def test_points_matrix_adds_both_off_network_legs():
    import geopandas as gpd
    import shapely

    from jmgis.access import points_travel_time_matrix

    G = nx.MultiDiGraph(crs="EPSG:4547")
    G.add_node("a", x=400_000.0, y=2_500_000.0, kind="junction")
    G.add_node("b", x=401_000.0, y=2_500_000.0, kind="junction")
    G.add_edge("a", "b", travel_time_s=60.0)
    origins = gpd.GeoSeries([shapely.Point(400_000, 2_500_100)], crs="EPSG:4547")
    dests = gpd.GeoSeries([shapely.Point(401_000, 2_499_800)], crs="EPSG:4547")
    # 100 m and 200 m at 36 km/h (10 m/s) = 10 s + 20 s, plus 60 s on the network
    tt = points_travel_time_matrix(G, origins, dests, offnet_speed_kph=36.0)
    assert tt[0, 0] == pytest.approx(90.0)
    back = points_travel_time_matrix(G, dests, origins, offnet_speed_kph=36.0)
    assert np.isinf(back[0, 0])  # the only link is one-way
    assert np.isinf(points_travel_time_matrix(G, origins, dests, cutoff_s=80)[0, 0])
    with pytest.raises(DataError, match="within 50 m"):
        points_travel_time_matrix(G, origins, dests, max_distance_m=50)
