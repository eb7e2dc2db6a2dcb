"""Measures exactly as defined (issue 15.4): catchments with steps, decay units, unserved
demand, gravity 2SFCA and 3SFCA — against the definitions and against PySAL ``access``."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from jmgis.access import (
    decay,
    enhanced_two_step_fca,
    gravity,
    gravity_two_step_fca,
    three_step_fca,
    two_step_fca,
)
from jmgis.errors import DataError

INF = math.inf
MIN = 60.0


def test_e2sfca_respects_the_catchment_when_steps_reach_farther():
    """The issue's case: only the facility at 0 s is inside a 0.9 s catchment."""
    res = enhanced_two_step_fca(
        [[0, 1]], [1], [1, 1], 0.9, steps={10: 1, 20: 0.68, 30: 0.22}, check_units=False
    )
    assert res.access[0] == pytest.approx(1.0)
    assert res.ratio[1] == 0 and res.unreached_supply == 1.0


def test_e2sfca_steps_inside_the_catchment_are_used_as_given():
    t = np.array([[5.0, 15.0, 25.0]]) * MIN
    res = enhanced_two_step_fca(t, [10], [1, 1, 1], 30 * MIN, steps={600: 1, 1200: 0.5, 1800: 0.1})
    # each facility serves only this location: R_j = 1 / (10 w_j), A = Σ w_j R_j = 3/10
    assert res.access[0] == pytest.approx(0.3)
    np.testing.assert_allclose(res.ratio, [1 / 10, 1 / 5, 1 / 1])


def test_unserved_demand_is_nan_by_default_and_zero_on_request():
    t = np.array([[10 * MIN], [90 * MIN]])
    for method in (two_step_fca, enhanced_two_step_fca, three_step_fca):
        nan = method(t, [1, 1], [1], 30 * MIN)
        zero = method(t, [1, 1], [1], 30 * MIN, unserved="zero")
        assert np.isnan(nan.access[1]) and zero.access[1] == 0
        assert nan.access[0] == zero.access[0] == pytest.approx(1.0)
    with pytest.raises(DataError, match="unserved"):
        two_step_fca(t, [1, 1], [1], 30 * MIN, unserved="none")


def test_exponential_decay_in_one_stated_unit():
    e = math.exp(-1)
    assert decay("exponential", np.array([60.0]), beta_per_min=1)[0] == pytest.approx(e)
    assert decay("exponential", np.array([60.0]), beta=1 / 60)[0] == pytest.approx(e)
    assert decay("exponential", np.array([1.0]), unit="min", beta=1)[0] == pytest.approx(e)
    assert decay("exponential", np.array([1.0]), unit="min", beta_per_min=1)[0] == pytest.approx(e)
    assert gravity(np.array([[1.0]]), unit="min", beta=1)[0] == pytest.approx(e)


def test_the_minutes_for_seconds_slip_is_an_error():
    # the slip: times in minutes given where seconds are expected
    with pytest.raises(DataError, match="minutes"):
        decay("exponential", np.array([1.0, 0.5]), beta_per_min=1)
    # a catchment in minutes with times in seconds
    with pytest.raises(DataError, match="minutes"):
        two_step_fca(np.array([[1200.0, 2400.0]]), [1], [1, 1], catchment_s=15)
    with pytest.raises(DataError, match="two units"):
        decay("binary", np.array([60.0]), threshold=60, threshold_s=60)
    with pytest.raises(DataError, match="unit"):
        decay("binary", np.array([60.0]), unit="h", threshold=1)
    # explicit opt-out
    decay("exponential", np.array([1.0]), beta_per_min=1, check_units=False)


times_s = arrays(float, st.integers(1, 12), elements=st.one_of(st.just(INF), st.floats(0, 7200)))


@settings(max_examples=150, deadline=None)
@given(
    times_s,
    st.sampled_from(["binary", "linear", "gaussian", "logistic", "exponential", "stepped"]),
    st.floats(60, 3600),
)
def test_decay_is_the_same_in_seconds_and_minutes(t, name, scale):
    params = {
        "binary": {"threshold": scale},
        "linear": {"threshold": scale},
        "gaussian": {"sigma": scale},
        "logistic": {"threshold": scale, "scale": scale / 10},
        "exponential": {"beta": 1 / scale},
        "stepped": {"steps": {scale / 2: 1.0, scale: 0.5}},
    }[name]
    # the same decay in minutes: times and bounds / 60, a rate per minute × 60
    in_min = {
        k: {b / 60: w for b, w in v.items()} if k == "steps" else v * 60 if k == "beta" else v / 60
        for k, v in params.items()
    }
    ws = decay(name, t, check_units=False, **params)
    wm = decay(name, t / 60, unit="min", check_units=False, **in_min)
    np.testing.assert_allclose(ws, wm, rtol=1e-9, atol=1e-12)
    assert ((ws >= 0) & (ws <= 1)).all()
    assert (ws[~np.isfinite(t)] == 0).all()


@st.composite
def fca_inputs(draw):
    n_d = draw(st.integers(1, 6))
    n_s = draw(st.integers(1, 5))
    t = draw(arrays(float, (n_d, n_s), elements=st.one_of(st.just(INF), st.floats(0, 7200))))
    pop = draw(arrays(float, n_d, elements=st.floats(1, 1e5)))
    cap = draw(arrays(float, n_s, elements=st.floats(0, 1e3)))
    return t, pop, cap


@settings(max_examples=150, deadline=None)
@given(fca_inputs(), st.floats(60, 7200))
def test_nothing_beyond_the_catchment_counts(data, catchment):
    """Moving a pair from beyond the catchment to anywhere else beyond it changes nothing,
    whatever the steps say (E2SFCA, 3SFCA, gravity 2SFCA)."""
    t, pop, cap = data
    far = np.where(t > catchment, t * 2 + 1, t)
    steps = {catchment / 2: 1.0, catchment * 3: 0.5}  # steps reaching past the catchment
    kw = {"unserved": "zero", "check_units": False}
    for a, b in [
        (
            enhanced_two_step_fca(t, pop, cap, catchment, steps=steps, **kw),
            enhanced_two_step_fca(far, pop, cap, catchment, steps=steps, **kw),
        ),
        (
            three_step_fca(t, pop, cap, catchment, steps=steps, **kw),
            three_step_fca(far, pop, cap, catchment, steps=steps, **kw),
        ),
        (
            gravity_two_step_fca(t, pop, cap, catchment, sigma_s=catchment, **kw),
            gravity_two_step_fca(far, pop, cap, catchment, sigma_s=catchment, **kw),
        ),
    ]:
        np.testing.assert_allclose(a.access, b.access, rtol=1e-12)


@settings(max_examples=150, deadline=None)
@given(fca_inputs(), st.floats(60, 7200))
def test_every_fca_allocates_exactly_the_reached_supply(data, catchment):
    """Σ_i P_i·A_i = Σ_j S_j of the facilities someone reaches, for all variants; unserved
    demand is NaN by default and exactly the locations with no facility in reach."""
    t, pop, cap = data
    for res in (
        three_step_fca(t, pop, cap, catchment, check_units=False),
        gravity_two_step_fca(t, pop, cap, catchment, sigma_s=catchment / 2, check_units=False),
    ):
        served = ~np.isnan(res.access)
        allocated = float(pop[served] @ res.access[served])
        assert allocated == pytest.approx(cap.sum() - res.unreached_supply, rel=1e-9, abs=1e-6)
    in_reach = (t <= catchment).any(axis=1)
    res = two_step_fca(t, pop, cap, catchment, check_units=False)
    np.testing.assert_array_equal(~np.isnan(res.access), in_reach)


def _pysal(t, pop, cap):
    access = pytest.importorskip("access")
    n_d, n_s = t.shape
    dem = pd.DataFrame({"geoid": range(n_d), "pop": pop})
    sup = pd.DataFrame({"geoid": range(100, 100 + n_s), "cap": cap})
    i, j = np.nonzero(np.isfinite(t))
    cost = pd.DataFrame({"origin": i, "dest": j + 100, "cost": t[i, j] / 60.0})
    return access.Access(
        demand_df=dem,
        demand_index="geoid",
        demand_value="pop",
        supply_df=sup,
        supply_index="geoid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    ), access.weights


@pytest.mark.parametrize("seed", range(5))
def test_fca_variants_match_pysal_access(seed):
    rng = np.random.default_rng(seed)
    t = rng.uniform(1, 60, (12, 4)) * MIN
    t[rng.random(t.shape) < 0.15] = INF
    t[0] = 55 * MIN  # one location outside every 30-min catchment
    pop = rng.uniform(100, 1000, 12)
    cap = rng.uniform(1, 10, 4)
    A, weights = _pysal(t, pop, cap)
    steps_min = {10: 1.0, 20: 0.68, 30: 0.22}
    steps_s = {b * MIN: w for b, w in steps_min.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref2 = A.two_stage_fca(name="a", max_cost=30).iloc[:, 0]
        refe = A.enhanced_two_stage_fca(name="b", max_cost=30, weight_fn=weights.step_fn(steps_min))
        ref3 = A.three_stage_fca(name="c", max_cost=30, weight_fn=weights.step_fn(steps_min))
    ours = {
        "2": two_step_fca(t, pop, cap, 30 * MIN).access,
        "e": enhanced_two_step_fca(t, pop, cap, 30 * MIN, steps=steps_s).access,
        "3": three_step_fca(t, pop, cap, 30 * MIN, steps=steps_s).access,
    }
    for key, ref in (("2", ref2), ("e", refe.iloc[:, 0]), ("3", ref3.iloc[:, 0])):
        theirs = ref.reindex(range(12)).to_numpy(dtype=float)
        np.testing.assert_allclose(ours[key], theirs, rtol=1e-9, equal_nan=True, err_msg=key)
    assert np.isnan(ours["2"][0]) and np.isnan(ours["3"][0])
