"""Measures and 2SFCA/E2SFCA against hand-computed examples."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from jmgis.access import (
    cumulative_opportunities,
    decay,
    demand_to_supply_times,
    enhanced_two_step_fca,
    gini,
    gravity,
    nearest_time,
    summarize,
    two_step_fca,
    worst_served,
)
from jmgis.errors import DataError

INF = math.inf
MIN = 60.0

# demand A (100 people), B (300); facilities X (capacity 10), Y (capacity 5)
# minutes from demand to supply: A→X 10, A→Y 40, B→X 20, B→Y 25
TT = np.array([[10.0, 40.0], [20.0, 25.0]]) * MIN
POP = [100.0, 300.0]
CAP = [10.0, 5.0]


def test_2sfca_hand_example():
    res = two_step_fca(TT, POP, CAP, catchment_s=30 * MIN)
    # X serves A and B: 10/400; Y serves only B (A→Y is 40 min): 5/300
    np.testing.assert_allclose(res.ratio, [10 / 400, 5 / 300])
    np.testing.assert_allclose(res.access, [10 / 400, 10 / 400 + 5 / 300])
    assert res.unreached_supply == 0


def test_e2sfca_hand_example():
    res = enhanced_two_step_fca(TT, POP, CAP, catchment_s=30 * MIN)
    # weights: A→X 10 min → 1.00, B→X 20 → 0.68, B→Y 25 → 0.22, A→Y 40 → 0
    rx, ry = 10 / (100 * 1.0 + 300 * 0.68), 5 / (300 * 0.22)
    np.testing.assert_allclose(res.ratio, [rx, ry])
    np.testing.assert_allclose(res.access, [rx, 0.68 * rx + 0.22 * ry])


def test_2sfca_uses_demand_to_supply_direction_on_one_way_links():
    G = nx.MultiDiGraph()
    G.add_edge("A", "X", travel_time_s=10 * MIN)  # A reaches X quickly ...
    G.add_edge("X", "A", travel_time_s=50 * MIN)  # ... but not the other way round
    G.add_edge("B", "X", travel_time_s=50 * MIN)
    G.add_edge("X", "B", travel_time_s=10 * MIN)
    tt = demand_to_supply_times(G, ["A", "B"], ["X"])
    np.testing.assert_array_equal(tt, [[10 * MIN], [50 * MIN]])
    res = two_step_fca(tt, [100, 300], [10], catchment_s=30 * MIN)
    np.testing.assert_allclose(res.access, [10 / 100, np.nan])  # B is in no catchment


def test_zero_capacity_facility_changes_nothing_and_unreached_supply_is_reported():
    with_zero = two_step_fca(
        np.hstack([TT, [[5 * MIN], [5 * MIN]], [[INF], [INF]]]),
        POP,
        [*CAP, 0.0, 7.0],
        catchment_s=30 * MIN,
    )
    plain = two_step_fca(TT, POP, CAP, catchment_s=30 * MIN)
    np.testing.assert_allclose(with_zero.access, plain.access)
    assert with_zero.ratio[2] == 0 and with_zero.ratio[3] == 0
    assert with_zero.unreached_supply == 7.0
    assert np.isfinite(with_zero.access).all()


@pytest.mark.parametrize(
    ("pop", "cap", "match"),
    [([math.nan, 1], CAP, "population is nan"), (POP, [-1, 2], "capacity is -1")],
)
def test_fca_bad_input(pop, cap, match):
    with pytest.raises(DataError, match=match):
        two_step_fca(TT, pop, cap, catchment_s=1800)


def test_fca_empty_supply_and_bad_catchment():
    with pytest.raises(DataError, match="supply set is empty"):
        two_step_fca(np.zeros((2, 0)), POP, [], catchment_s=1800)
    with pytest.raises(DataError, match="catchment_s must be > 0"):
        two_step_fca(TT, POP, CAP, catchment_s=0)


def test_cumulative_gravity_nearest():
    tt = np.array([[5, 20, INF], [INF, INF, INF]]) * MIN
    np.testing.assert_array_equal(cumulative_opportunities(tt, 20 * MIN, [1, 2, 4]), [3, 0])
    np.testing.assert_array_equal(cumulative_opportunities(tt, 19 * MIN), [1, 0])
    g = gravity(np.array([[0.0, 600.0, INF]]), [1, 1, 5], beta_per_min=0.1)
    np.testing.assert_allclose(g, [1 + math.exp(-1)])
    np.testing.assert_array_equal(nearest_time(tt), [5 * MIN, INF])
    with pytest.raises(DataError, match="destination set is empty"):
        nearest_time(np.zeros((3, 0)))


def test_named_decay_functions():
    t = np.array([0.0, 300.0, 600.0, 1200.0, INF])
    np.testing.assert_allclose(decay("linear", t, threshold_s=600), [1, 0.5, 0, 0, 0])
    np.testing.assert_allclose(decay("binary", t, threshold_s=600), [1, 1, 1, 0, 0])
    np.testing.assert_allclose(decay("gaussian", t, sigma_s=600)[2], math.exp(-0.5))
    np.testing.assert_allclose(decay("power", t, beta=1, min_s=300), [1, 1, 0.5, 0.25, 0])
    np.testing.assert_allclose(decay("logistic", t, threshold_s=600, scale_s=60)[2], 0.5)
    np.testing.assert_allclose(decay("stepped", t, steps={300: 1.0, 900: 0.5}), [1, 1, 0.5, 0, 0])
    with pytest.raises(DataError, match="unknown decay function 'cubic'"):
        decay("cubic", t)
    with pytest.raises(DataError, match="NaN"):
        decay("linear", np.array([math.nan]), threshold_s=10)


def test_population_weighted_summary_by_group():
    times = pd.Series([10, 20, INF, 40], index=["t1", "t2", "t3", "t4"])
    out = summarize(times, [100, 300, 50, 50], ["a", "a", "a", "b"]).set_index("group")
    a, b = out.loc["a"], out.loc["b"]
    assert a.population == 450 and a.unreachable_population == 50 and a.units == 3
    assert a.mean_min == pytest.approx((10 * 100 + 20 * 300) / 400)
    assert a.median_min == 20
    assert a.share_within_15 == pytest.approx(100 / 450)
    assert a.share_within_30 == pytest.approx(400 / 450)
    assert (b.mean_min, b.median_min, b.share_within_30, b.share_within_45) == (40, 40, 0, 1)
    # Gini over the reachable people: 2·100·300·|10−20| / (2 · 400² · 17.5)
    assert a.gini == pytest.approx(2 * 100 * 300 * 10 / (2 * 400**2 * 17.5))
    assert b.gini == 0
    assert not out.isna().any().any()


def test_summary_refuses_nan_population_and_empty_groups():
    with pytest.raises(DataError, match=r"feature t2.*population"):
        summarize(pd.Series([1.0, 2.0], index=["t1", "t2"]), [1.0, math.nan])
    with pytest.raises(DataError, match="zero population"):
        summarize([1.0, 2.0], [0.0, 0.0])


def test_gini_hand_values():
    assert gini(np.array([5.0, 5.0, 5.0])) == 0
    assert gini(np.array([0.0, 0.0, 0.0, 10.0])) == pytest.approx(0.75)
    # weights act as replication
    assert gini(np.array([0.0, 10.0]), np.array([3.0, 1.0])) == pytest.approx(0.75)
    with pytest.raises(DataError, match="finite"):
        gini(np.array([1.0, INF]))


def test_worst_served():
    table = pd.DataFrame({"code": ["a", "b", "c"], "t": [30.0, INF, 45.0], "pop": [1, 2, 3]})
    assert list(worst_served(table, "t", 2)["code"]) == ["b", "c"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402


@st.composite
def fca_inputs(draw):
    n_d = draw(st.integers(1, 6))
    n_s = draw(st.integers(1, 5))
    times = draw(arrays(float, (n_d, n_s), elements=st.one_of(st.just(INF), st.floats(0, 7200))))
    pop = draw(arrays(float, n_d, elements=st.floats(1, 1e5)))
    cap = draw(arrays(float, n_s, elements=st.one_of(st.just(0.0), st.floats(0, 1e3))))
    return times, pop, cap


@settings(max_examples=200, deadline=None)
@given(fca_inputs(), st.floats(60, 7200))
def test_fca_allocates_exactly_the_reached_supply(data, catchment):
    """Σ_i P_i·A_i = Σ_j S_j over the facilities someone reaches (2SFCA and E2SFCA)."""
    times, pop, cap = data
    for method in (two_step_fca, enhanced_two_step_fca):
        res = method(times, pop, cap, catchment_s=catchment, unserved="zero", check_units=False)
        assert np.isfinite(res.access).all() and (res.access >= 0).all()
        allocated = float(pop @ res.access)
        assert allocated == pytest.approx(cap.sum() - res.unreached_supply, rel=1e-9, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    arrays(float, st.integers(1, 20), elements=st.one_of(st.just(0.0), st.floats(1e-3, 1e4))),
    st.floats(0.01, 100),
    st.integers(1, 4),
)
def test_gini_is_scale_free_and_replication_invariant(values, factor, copies):
    g = gini(values)
    assert 0 <= g < 1
    assert gini(values * factor) == pytest.approx(g, abs=1e-9)
    assert gini(np.tile(values, copies)) == pytest.approx(g, abs=1e-9)
    assert gini(values, np.full(len(values), float(copies))) == pytest.approx(g, abs=1e-9)
