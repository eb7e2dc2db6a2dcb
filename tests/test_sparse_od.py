"""Sparse OD (issue 16.4): target-stopping and contraction-hierarchy pair queries give the
same travel times as a full Dijkstra."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jmgis.errors import DataError
from jmgis.routing import sparse
from jmgis.routing.engine import compile_arrays, travel_time_matrix


@st.composite
def graphs_and_pairs(draw, integer: bool):
    n = draw(st.integers(2, 25))
    m = draw(st.integers(0, 80))
    u = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    v = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    if integer:  # whole seconds: exact in the CH's milliseconds
        w = draw(st.lists(st.integers(0, 900), min_size=m, max_size=m))
    else:
        w = draw(
            st.lists(st.floats(0, 900, allow_nan=False, width=32), min_size=m, max_size=m)
        )
    k = draw(st.integers(1, 12))
    o = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    d = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    xy = draw(
        st.lists(
            st.tuples(st.floats(-1000, 1000, width=32), st.floats(-1000, 1000, width=32)),
            min_size=n,
            max_size=n,
        )
    )
    cg = compile_arrays(np.array(u, int), np.array(v, int), np.array(w, float), n)
    return cg, np.array(o), np.array(d), np.array(xy, float)


def _reference(cg, o, d):
    full = travel_time_matrix(cg, list(o))
    return full[np.arange(len(o)), d]


@settings(max_examples=150, deadline=None)
@given(graphs_and_pairs(integer=False))
def test_target_stopping_equals_dijkstra(case):
    cg, o, d, _ = case
    expected = _reference(cg, o, d)
    got = sparse.pair_times(cg, list(o), list(d), method="target")
    assert np.array_equal(np.isinf(got), np.isinf(expected))
    assert np.allclose(got, expected, rtol=0, atol=1e-9, equal_nan=False)
    assert np.array_equal(sparse.pair_times(cg, list(o), list(d), method="dijkstra"), expected)



@settings(max_examples=100, deadline=None)
@given(graphs_and_pairs(integer=True))
def test_ch_equals_dijkstra_exactly_on_whole_seconds(case):
    pytest.importorskip("routingkit_cch")
    cg, o, d, xy = case
    expected = _reference(cg, o, d)
    for coords in (xy, None):
        sparse._HIERARCHIES.pop(cg, None)
        got = sparse.pair_times(cg, list(o), list(d), method="ch", xy=coords)
        assert np.array_equal(got, expected)


@settings(max_examples=100, deadline=None)
@given(graphs_and_pairs(integer=False))
def test_ch_equals_dijkstra_within_the_millisecond_rounding(case):
    pytest.importorskip("routingkit_cch")
    cg, o, d, xy = case
    expected = _reference(cg, o, d)
    got = sparse.pair_times(cg, list(o), list(d), method="ch", xy=xy)
    assert np.array_equal(np.isinf(got), np.isinf(expected))
    finite = np.isfinite(expected)
    # each edge is rounded to the millisecond: at most 0.5 ms per edge of a path (< n edges)
    assert np.all(np.abs(got[finite] - expected[finite]) <= 0.5e-3 * cg.n + 1e-9)


@settings(max_examples=50, deadline=None)
@given(graphs_and_pairs(integer=True))
def test_pandana_equals_dijkstra_on_whole_seconds(case):
    """pandana truncates weights to its integer milliseconds; jmgis hands it rounded
    milliseconds, so whole seconds come back exactly (one-way edges, parallel edges and
    unreachable pairs included) — except that pandana gives a zero-time edge 1 ms, so a
    path through k of them comes back at most k ms long."""
    # 50 examples: each builds a pandana hierarchy, ≈ 0.2 s whatever the graph's size
    pytest.importorskip("pandana")
    cg, o, d, xy = case
    expected = _reference(cg, o, d)
    got = sparse.pair_times(cg, list(o), list(d), method="pandana", xy=xy)
    if not (cg.matrix.data == 0).any():
        assert np.array_equal(got, expected)
    assert np.array_equal(np.isinf(got), np.isinf(expected))
    finite = np.isfinite(expected)
    excess = got[finite] - expected[finite]
    # a path has fewer than n edges
    assert np.all((excess >= -1e-9) & (excess <= 1e-3 * (cg.n - 1) + 1e-9))


@settings(max_examples=50, deadline=None)
@given(graphs_and_pairs(integer=False))
def test_pandana_equals_dijkstra_within_the_millisecond_rounding(case):
    pytest.importorskip("pandana")
    cg, o, d, xy = case
    expected = _reference(cg, o, d)
    got = sparse.pair_times(cg, list(o), list(d), method="pandana", xy=xy)
    assert np.array_equal(np.isinf(got), np.isinf(expected))
    finite = np.isfinite(expected)
    # each edge rounded to the millisecond (±0.5 ms), one under 0.5 ms counted as 1 ms by
    # pandana (+1 ms at most); a path has fewer than n edges
    assert np.all(np.abs(got[finite] - expected[finite]) <= 1e-3 * (cg.n - 1) + 1e-9)


def test_pandana_rounds_rather_than_truncates_and_prints_nothing(capfd):
    """pandana alone would truncate 0.9996 s to 0.999 s; jmgis's rounding gives 1.000 s.
    Its C++ progress output (printed on build) does not reach the terminal, and printing
    works again afterwards."""
    pytest.importorskip("pandana")
    cg = compile_arrays(np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([0.9996, 2.0, 0.4]), 5)
    got = sparse.pair_times(cg, [0, 0, 3, 1, 4], [1, 3, 0, 1, 0], method="pandana")
    assert got.tolist() == [1.0, 3.4, np.inf, 0.0, np.inf]
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    print("still printing")
    assert capfd.readouterr().out == "still printing\n"


def test_pandana_direct_and_public_queries_agree():
    """jmgis calls pandana's C++ query on its internal node indexes (jmgis's positions);
    pandana's public method, which maps ids first, gives the same answers."""
    pytest.importorskip("pandana")
    from tests.synthetic import road_network

    arrays = road_network(20, as_arrays=True)
    n = len(arrays["x"])
    cg = compile_arrays(arrays["u"][:-30], arrays["v"][:-30], arrays["travel_time_s"][:-30], n)
    rng = np.random.default_rng(5)
    o, d = rng.integers(0, n, 300), rng.integers(0, n, 300)
    ph = sparse.PandanaHierarchy(cg)
    direct = ph.pair_seconds(o, d)
    ph._direct = False
    public = ph.pair_seconds(o, d)
    assert np.array_equal(direct, public)
    expected = _reference(cg, o, d)
    assert np.array_equal(np.isinf(direct), np.isinf(expected))


def test_backends_missing_are_data_errors(monkeypatch):
    cg = compile_arrays(np.array([0]), np.array([1]), np.array([5.0]), 2)
    monkeypatch.setattr(sparse, "pandana_available", lambda: False)
    monkeypatch.setattr(sparse, "ch_available", lambda: False)
    with pytest.raises(DataError, match=r"jmgis\[fast\]"):
        sparse.pair_times(cg, [0], [1], method="pandana")
    with pytest.raises(DataError, match=r"jmgis\[fast\]"):
        sparse.pair_times(cg, [0], [1], method="ch")
    # auto falls back to a plain query
    assert sparse.pair_times(cg, [0], [1]).tolist() == [5.0]


def test_pandana_edge_cases():
    pytest.importorskip("pandana")
    one = compile_arrays(np.array([], int), np.array([], int), np.array([], float), 1)
    assert sparse.pair_times(one, [0], [0], method="pandana").tolist() == [0.0]
    cg = compile_arrays(np.array([0]), np.array([1]), np.array([5.0]), 2)
    with pytest.raises(DataError, match="finite coordinate pairs"):
        sparse.PandanaHierarchy(cg, np.array([[0.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(DataError, match="finite coordinate pairs"):
        sparse.PandanaHierarchy(cg, np.zeros((3, 2)))


def test_pandana_hierarchy_is_kept_with_the_compiled_graph():
    pytest.importorskip("pandana")
    cg = compile_arrays(np.array([0, 1]), np.array([1, 2]), np.array([3.0, 4.0]), 3)
    first = sparse.pandana_hierarchy(cg)
    assert sparse.pandana_hierarchy(cg) is first
    assert sparse.pair_times(cg, [0], [2], method="pandana").tolist() == [7.0]


def test_networkx_graph_by_node_ids_and_auto():
    G = nx.MultiDiGraph()
    for i in range(6):
        G.add_node(f"n{i}", x=float(i), y=0.0)
    for i in range(5):
        G.add_edge(f"n{i}", f"n{i + 1}", travel_time_s=10.0 + i)
    G.add_edge("n0", "n5", travel_time_s=30.0)
    got = sparse.pair_times(G, ["n0", "n0", "n5", "n2"], ["n5", "n3", "n0", "n4"])
    assert got.tolist() == [30.0, 33.0, np.inf, 25.0]


def test_auto_picks_by_graph_size_and_origins(monkeypatch):
    pytest.importorskip("routingkit_cch")
    monkeypatch.setattr(sparse, "pandana_available", lambda: False)
    n = sparse.SMALL_GRAPH_NODES + 10
    u = np.arange(n - 1)
    cg = compile_arrays(u, u + 1, np.ones(n - 1), n)
    few = np.arange(3)
    many = np.arange(sparse.CH_MIN_ORIGINS)
    assert sparse.choose_method(cg, few) == "target"
    assert sparse.choose_method(cg, many, has_xy=False) == "target"
    assert sparse.choose_method(cg, many) == "ch"
    small = compile_arrays(u[:10], u[:10] + 1, np.ones(10), 11)
    assert sparse.choose_method(small, many) == "dijkstra"


def _big_path_graph():
    n = sparse.SMALL_GRAPH_NODES + 10
    u = np.arange(n - 1)
    return compile_arrays(u, u + 1, np.ones(n - 1), n)


def test_auto_takes_pandana_for_distinct_pairs_and_ch_for_groups(monkeypatch):
    """The rule of the module docstring, with both backends installed and none built."""
    monkeypatch.setattr(sparse, "pandana_available", lambda: True)
    monkeypatch.setattr(sparse, "ch_available", lambda: True)
    cg = _big_path_graph()
    k = sparse.CH_MIN_ORIGINS
    distinct_o, distinct_d = np.arange(k), np.arange(k, 2 * k)
    assert sparse.choose_method(cg, distinct_o, distinct_d) == "pandana"
    # no coordinates: pandana needs none
    assert sparse.choose_method(cg, distinct_o, distinct_d, has_xy=False) == "pandana"
    m = sparse.CH_PAIRS_PER_GROUP
    # k origins × m destinations each, and k × m origins → k destinations
    grouped_o = np.repeat(np.arange(k), m)
    grouped_d = np.arange(k * m)
    assert sparse.choose_method(cg, grouped_o, grouped_d) == "ch"
    assert sparse.choose_method(cg, grouped_d, grouped_o) == "ch"
    # one pair fewer per group than the threshold: pandana
    small_o = np.repeat(np.arange(k), m - 1)
    assert sparse.choose_method(cg, small_o, np.arange(len(small_o))) == "pandana"
    # grouped, but no coordinates for a CCH: pandana rather than no hierarchy
    assert sparse.choose_method(cg, grouped_o, grouped_d, has_xy=False) == "pandana"
    # too few distinct origins for any build: target-stopping
    assert sparse.choose_method(cg, np.arange(3), np.arange(3)) == "target"
    monkeypatch.setattr(sparse, "pandana_available", lambda: False)
    assert sparse.choose_method(cg, distinct_o, distinct_d) == "ch"


def test_auto_uses_a_built_hierarchy_whatever_the_shape(monkeypatch):
    monkeypatch.setattr(sparse, "pandana_available", lambda: True)
    monkeypatch.setattr(sparse, "ch_available", lambda: True)
    cg = _big_path_graph()
    few, grouped = np.arange(3), np.zeros(sparse.CH_PAIRS_PER_GROUP, dtype=int)
    distinct = np.arange(sparse.CH_MIN_ORIGINS)
    sentinel = object()
    monkeypatch.setitem(sparse._HIERARCHIES, cg, sentinel)
    assert sparse.choose_method(cg, few, few) == "ch"
    assert sparse.choose_method(cg, distinct, distinct) == "ch"
    monkeypatch.setitem(sparse._PANDANA, cg, sentinel)
    assert sparse.choose_method(cg, distinct, distinct) == "pandana"
    assert sparse.choose_method(cg, grouped, np.arange(len(grouped))) == "ch"
    del sparse._HIERARCHIES[cg]
    assert sparse.choose_method(cg, grouped, np.arange(len(grouped))) == "pandana"


def test_auto_end_to_end_with_both_backends():
    """pair_times(method="auto") on a large grid: distinct pairs go to pandana, a few
    origins × many destinations to the CCH, both equal to Dijkstra within the rounding."""
    pytest.importorskip("routingkit_cch")
    pytest.importorskip("pandana")
    from tests.synthetic import road_network

    arrays = road_network(75, as_arrays=True)
    n = len(arrays["x"])
    assert n >= sparse.SMALL_GRAPH_NODES
    cg = compile_arrays(arrays["u"], arrays["v"], arrays["travel_time_s"], n)
    xy = np.c_[arrays["x"], arrays["y"]]
    rng = np.random.default_rng(11)
    o, d = rng.integers(0, n, 200), rng.integers(0, n, 200)
    got = sparse.pair_times(cg, o, d, xy=xy)
    assert cg in sparse._PANDANA and cg not in sparse._HIERARCHIES
    ref = sparse.pair_times(cg, o, d, method="dijkstra")
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    fin = np.isfinite(ref)
    assert np.max(np.abs(got[fin] - ref[fin])) < 1.0  # ≤ 1 ms per edge of < 1000 edges
    o2 = np.repeat(rng.integers(0, n, 2), sparse.CH_PAIRS_PER_GROUP)
    d2 = rng.integers(0, n, len(o2))
    # pandana is built: the rule keeps using it rather than building a CCH...
    assert sparse.choose_method(cg, o2, d2) == "pandana"
    # ...while with a CCH built too, the grouped shape goes to the CCH
    sparse.contraction_hierarchy(cg, xy=xy)
    assert sparse.choose_method(cg, o2, d2) == "ch"
    got2 = sparse.pair_times(cg, o2, d2, xy=xy)
    ref2 = sparse.pair_times(cg, o2, d2, method="dijkstra")
    fin2 = np.isfinite(ref2)
    assert np.array_equal(np.isinf(got2), np.isinf(ref2))
    assert np.max(np.abs(got2[fin2] - ref2[fin2])) < 1.0


def test_bad_requests_are_data_errors():
    cg = compile_arrays(np.array([0]), np.array([1]), np.array([5.0]), 2)
    with pytest.raises(DataError, match="one of each"):
        sparse.pair_times(cg, [0, 1], [1])
    with pytest.raises(DataError, match="not a node"):
        sparse.pair_times(cg, [0], [7])
    with pytest.raises(DataError, match="unknown method"):
        sparse.pair_times(cg, [0], [1], method="astar")
    assert sparse.pair_times(cg, [], []).shape == (0,)


@pytest.mark.parametrize("group_min", [1, 2, 10**9])
@settings(max_examples=60, deadline=None)
@given(case=graphs_and_pairs(integer=True))
def test_ch_grouped_and_single_pair_queries_agree_with_dijkstra(group_min, case):
    """Origins (destinations) with several pairs go through RoutingKit's one-to-many
    (many-to-one) query, the others through one query per pair: every split gives the
    Dijkstra times exactly (whole seconds)."""
    pytest.importorskip("routingkit_cch")
    cg, o, d, xy = case
    expected = _reference(cg, o, d)
    old = sparse.CH_GROUP_MIN
    sparse.CH_GROUP_MIN = group_min
    try:
        got = sparse.pair_times(cg, list(o), list(d), method="ch", xy=xy)
    finally:
        sparse.CH_GROUP_MIN = old
    assert np.array_equal(got, expected)


def test_ch_many_pairs_per_origin_and_destination():
    """A few origins × many destinations and many origins → one destination (the usual OD
    shapes) on a grid, against Dijkstra."""
    pytest.importorskip("routingkit_cch")
    from tests.synthetic import road_network

    arrays = road_network(30, as_arrays=True)
    n = len(arrays["x"])
    cg = compile_arrays(arrays["u"], arrays["v"], np.round(arrays["travel_time_s"]), n)
    xy = np.c_[arrays["x"], arrays["y"]]
    rng = np.random.default_rng(3)
    o = np.r_[np.repeat(rng.integers(0, n, 4), 50), rng.integers(0, n, 60)]
    d = np.r_[rng.integers(0, n, 200), np.full(60, 7)]
    got = sparse.pair_times(cg, list(o), list(d), method="ch", xy=xy)
    assert np.array_equal(got, _reference(cg, o, d))
