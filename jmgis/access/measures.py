"""Accessibility measures on travel-time matrices, and population-weighted summaries.

Matrices are ``(origins, destinations)`` in seconds with ``inf`` for unreachable pairs
(what :func:`jmgis.access.travel_time_matrix` returns).  Decay functions are named, as in
the ipea ``accessibility`` package: ``binary``, ``linear``, ``exponential``, ``gaussian``,
``power``, ``logistic``, ``stepped``; each maps seconds to a weight in [0, 1] and gives 0
for ``inf``.

Unreachable people are never averaged away silently: :func:`summarize` reports the mean
and median over the people who can reach the target and a separate
``unreachable_population`` column; shares within a threshold count them as *not* within.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from jmgis.errors import DataError

DEFAULT_BANDS_MIN = (15, 30, 45, 60)


def _times(tt: np.ndarray, name: str = "travel times") -> np.ndarray:
    arr = np.asarray(tt, dtype=float)
    if np.isnan(arr).any():
        i = np.argwhere(np.isnan(arr))[0]
        raise DataError(f"{name} contain NaN (use inf for unreachable)", feature=tuple(i))
    if (arr < 0).any():
        raise DataError(f"{name} must be ≥ 0 seconds")
    return arr


def _positive(value: float, name: str) -> float:
    value = float(value)
    if not value > 0:
        raise DataError(f"{name} must be > 0, got {value}", field=name)
    return value


def _binary(t: np.ndarray, *, threshold_s: float) -> np.ndarray:
    return (t <= _positive(threshold_s, "threshold_s")).astype(float)


def _linear(t: np.ndarray, *, threshold_s: float) -> np.ndarray:
    return np.clip(1.0 - t / _positive(threshold_s, "threshold_s"), 0.0, 1.0)


def _exponential(t: np.ndarray, *, beta_per_min: float) -> np.ndarray:
    return np.exp(-_positive(beta_per_min, "beta_per_min") * t / 60.0)


def _gaussian(t: np.ndarray, *, sigma_s: float) -> np.ndarray:
    sigma = _positive(sigma_s, "sigma_s")
    with np.errstate(over="ignore"):
        return np.exp(-0.5 * (t / sigma) ** 2)


def _power(t: np.ndarray, *, beta: float, min_s: float = 60.0) -> np.ndarray:
    floor = _positive(min_s, "min_s")
    return (np.maximum(t, floor) / floor) ** -_positive(beta, "beta")


def _logistic(t: np.ndarray, *, threshold_s: float, scale_s: float) -> np.ndarray:
    mid, scale = _positive(threshold_s, "threshold_s"), _positive(scale_s, "scale_s")
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp((t - mid) / scale))


def _stepped(t: np.ndarray, *, steps: Mapping[float, float]) -> np.ndarray:
    """``steps`` = {upper bound in seconds: weight}; beyond the last bound the weight is 0."""
    if not steps:
        raise DataError("stepped decay needs at least one step", field="steps")
    out = np.zeros_like(t)
    done = np.zeros(t.shape, dtype=bool)
    for bound, weight in sorted(steps.items()):
        if not 0 <= weight <= 1:
            raise DataError(f"step weight must be in [0, 1], got {weight}", field="steps")
        hit = ~done & (t <= bound)
        out[hit] = weight
        done |= hit
    return out


DECAY_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "binary": _binary,
    "linear": _linear,
    "exponential": _exponential,
    "gaussian": _gaussian,
    "power": _power,
    "logistic": _logistic,
    "stepped": _stepped,
}


def decay(name: str, times_s: np.ndarray, **params: object) -> np.ndarray:
    """Weights in [0, 1] for ``times_s`` (seconds) with the named decay function.

    =============  ===========================================  ==========================
    name           weight                                       parameters
    =============  ===========================================  ==========================
    binary         1 if t ≤ T else 0                            ``threshold_s``
    linear         max(0, 1 − t/T)                              ``threshold_s``
    exponential    exp(−β·t/60)                                 ``beta_per_min``
    gaussian       exp(−½ (t/σ)²)                               ``sigma_s``
    power          (max(t, t0)/t0)^−β                           ``beta``, ``min_s`` (60)
    logistic       1 / (1 + exp((t − T)/s))                     ``threshold_s``, ``scale_s``
    stepped        weight of the first bound ≥ t, 0 beyond      ``steps`` {bound_s: w}
    =============  ===========================================  ==========================

    ``inf`` (unreachable) always gets weight 0.

    Parameters
    ----------
    name : str
        The decay function (see the table).
    times_s : numpy.ndarray
        Travel times (seconds).
    **params : object
        The function's parameters (see the table).

    Returns
    -------
    numpy.ndarray
        Weights, same shape as ``times_s``.
    """
    if name not in DECAY_FUNCTIONS:
        raise DataError(
            f"unknown decay function {name!r}; known: {', '.join(DECAY_FUNCTIONS)}",
            field="decay",
        )
    t = _times(times_s)
    try:
        w = DECAY_FUNCTIONS[name](t, **params)
    except TypeError as exc:
        raise DataError(f"decay {name!r}: {exc}", field="decay") from None
    return np.where(np.isfinite(t), w, 0.0)


def _opportunities(opportunities: Sequence[float] | None, n: int) -> np.ndarray:
    if opportunities is None:
        return np.ones(n)
    arr = np.asarray(opportunities, dtype=float)
    if arr.shape != (n,):
        raise DataError(f"expected {n} opportunity values (one per destination), got {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if len(bad):
        raise DataError(
            f"opportunities contain {float(arr[bad[0]])} (must be finite)",
            feature=int(bad[0]) + 1,
            field="opportunities",
        )
    return arr


def cumulative_opportunities(
    tt: np.ndarray, threshold_s: float, opportunities: Sequence[float] | None = None
) -> np.ndarray:
    """Opportunities reachable within ``threshold_s`` seconds, per origin.

    ``opportunities`` are per destination (jobs, beds, ...); default 1 each (a count).

    Parameters
    ----------
    tt : numpy.ndarray
        ``(n_origins, n_destinations)`` travel times (seconds).
    threshold_s : float
        Travel-time limit (seconds).
    opportunities : Sequence of float or None
        Opportunities per destination (``None`` = 1 each).

    Returns
    -------
    numpy.ndarray
        Reachable opportunities per origin.
    """
    t = _times(tt)
    return (t <= _positive(threshold_s, "threshold_s")) @ _opportunities(opportunities, t.shape[1])


def nearest_time(tt: np.ndarray) -> np.ndarray:
    """Seconds to the nearest destination per origin (``inf`` if none is reachable).

    Raises
    ------
    DataError
        When there is no destination at all.
    """
    t = _times(tt)
    if t.ndim != 2 or t.shape[1] == 0:
        raise DataError("the destination set is empty: no nearest destination")
    return t.min(axis=1)


def gravity(
    tt: np.ndarray,
    opportunities: Sequence[float] | None = None,
    *,
    decay_function: str = "exponential",
    **params: object,
) -> np.ndarray:
    """Gravity accessibility Σ_j O_j · f(t_ij) per origin.

    With a named decay ``f`` (see :func:`decay`; e.g. ``decay_function="exponential",
    beta_per_min=0.05``).

    Parameters
    ----------
    tt : numpy.ndarray
        ``(n_origins, n_destinations)`` travel times (seconds).
    opportunities : Sequence of float or None
        Opportunities per destination (``None`` = 1 each).
    decay_function : str
        Name of the decay (see :func:`decay`).
    **params : object
        Its parameters.

    Returns
    -------
    numpy.ndarray
        Accessibility per origin.
    """
    t = _times(tt)
    return decay(decay_function, t, **params) @ _opportunities(opportunities, t.shape[1])


def _check_population(population: pd.Series | np.ndarray, labels: Sequence[Hashable]) -> np.ndarray:
    pop = np.asarray(population, dtype=float)
    bad = np.flatnonzero(~np.isfinite(pop) | (pop < 0))
    if len(bad):
        raise DataError(
            f"population is {float(pop[bad[0]])} (must be a finite number ≥ 0)",
            feature=labels[bad[0]],
            field="population",
        )
    return pop


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Lower weighted median: the smallest value with ≥ half the weight at or below it.

    Parameters
    ----------
    values : numpy.ndarray
        The values (e.g. minutes).
    weights : numpy.ndarray
        Weight of each value (e.g. population), ≥ 0.

    Returns
    -------
    float
        The median value.
    """
    if weights.sum() <= 0:
        raise DataError("weighted median of zero total weight")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])


def summarize(
    times_min: pd.Series | np.ndarray,
    population: pd.Series | np.ndarray,
    groups: pd.Series | np.ndarray | None = None,
    *,
    bands_min: Sequence[float] = DEFAULT_BANDS_MIN,
    labels: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """Population-weighted travel-time summary, overall or per group (county, zone, ...).

    Parameters
    ----------
    times_min
        Minutes per unit (township, cell); ``inf`` = cannot reach the target.
    population
        People per unit (≥ 0, no NaN).
    groups
        Group label per unit; ``None`` gives one row ``group="all"``.
    bands_min
        Thresholds for the ``share_within_<T>`` columns (0–1 of the group's population).
    labels
        Unit names for error messages (default: the Series index or 1-based row).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group, units, population, unreachable_population,
        mean_min, median_min, share_within_<T>..., gini``.  ``mean_min`` and ``gini``
        (population-weighted Gini of the travel times, 0 = equal) are over the reachable
        population; ``median_min`` is over everyone (``inf`` when half or more cannot
        reach it).

    Raises
    ------
    DataError
        NaN population or time, or a group with zero population.
    """
    t = np.asarray(times_min, dtype=float)
    if labels is None:
        labels = list(times_min.index) if isinstance(times_min, pd.Series) else range(1, len(t) + 1)
    labels = list(labels)
    nan = np.flatnonzero(np.isnan(t))
    if len(nan):
        raise DataError("travel time is NaN", feature=labels[nan[0]], field="time")
    pop = _check_population(population, labels)
    if len(pop) != len(t):
        raise DataError(f"{len(t)} times but {len(pop)} population values", field="population")
    g = np.full(len(t), "all", dtype=object) if groups is None else np.asarray(groups, dtype=object)
    rows = []
    for key in pd.unique(g):
        m = g == key
        tg, pg = t[m], pop[m]
        total = pg.sum()
        if total <= 0:
            raise DataError("group has zero population", feature=key, field="population")
        reach = np.isfinite(tg)
        reach_pop = pg[reach].sum()
        row = {
            "group": key,
            "units": int(m.sum()),
            "population": total,
            "unreachable_population": total - reach_pop,
            "mean_min": float(np.average(tg[reach], weights=pg[reach]))
            if reach_pop > 0
            else np.inf,
            "median_min": weighted_median(tg, pg),
        }
        for band in bands_min:
            row[f"share_within_{band:g}"] = float(pg[tg <= band].sum() / total)
        row["gini"] = gini(tg[reach], pg[reach]) if reach_pop > 0 else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Population-weighted Gini coefficient of travel times (0 = everyone equal).

    Raises
    ------
    DataError
        NaN or ``inf`` values (drop or cap unreachable units explicitly first), negative
        values, or zero total weight.

    Parameters
    ----------
    values : numpy.ndarray
        Travel times (finite, ≥ 0).
    weights : numpy.ndarray or None
        Weight of each value (e.g. population); ``None`` = equal.

    Returns
    -------
    float
        The coefficient, 0–1.
    """
    v = np.asarray(values, dtype=float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    if not np.isfinite(v).all():
        raise DataError("Gini needs finite travel times; drop or cap unreachable units first")
    if (v < 0).any() or np.isnan(w).any() or (w < 0).any() or w.sum() <= 0:
        raise DataError("Gini needs values ≥ 0 and weights ≥ 0 with a positive total")
    mean = np.average(v, weights=w)
    if mean == 0:
        return 0.0
    # mean absolute difference over all weighted pairs / (2 · mean)
    order = np.argsort(v)
    v, w = v[order], w[order]
    cw = np.cumsum(w)
    cwv = np.cumsum(w * v)
    total_w = cw[-1]
    # Σ_i Σ_j w_i w_j |v_i − v_j| = 2 Σ_i w_i (v_i·W_<i − (wv)_<i)
    below_w = cw - w
    below_wv = cwv - w * v
    mad_sum = 2.0 * np.sum(w * (v * below_w - below_wv))
    # clamp: rounding can leave −1e-17 for identical values
    return float(max(0.0, mad_sum / total_w**2 / (2.0 * mean)))


def worst_served(
    table: pd.DataFrame, column: str, n: int = 10, *, population: str | None = None
) -> pd.DataFrame:
    """The ``n`` rows with the longest ``column``.

    Unreachable (``inf``) first, ties broken by larger ``population``
    when given.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per unit (township …).
    column : str
        The travel-time column to rank by.
    n : int
        How many rows.
    population : str or None
        The population column used to break ties.

    Returns
    -------
    pandas.DataFrame
        The rows, worst first.
    """
    if column not in table.columns:
        raise DataError(f"no column {column!r}", field=column)
    keys = [column] + ([population] if population else [])
    return table.sort_values(keys, ascending=False, kind="stable").head(n)
