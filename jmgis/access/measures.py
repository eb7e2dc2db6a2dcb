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


def _exponential(t: np.ndarray, *, beta_per_s: float) -> np.ndarray:
    return np.exp(-_positive(beta_per_s, "beta") * t)


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


# seconds per unit of the times a decay function or measure is given
TIME_UNITS: dict[str, float] = {"s": 1.0, "min": 60.0}

# parameter name in the stated unit → (name in seconds, kind): "time" parameters scale
# with the unit, "rate" parameters (per unit of time) scale inversely
_PARAMS: dict[str, tuple[str, str]] = {
    "threshold": ("threshold_s", "time"),
    "sigma": ("sigma_s", "time"),
    "scale": ("scale_s", "time"),
    "t0": ("min_s", "time"),
    "beta": ("beta_per_s", "rate"),
}
# explicitly suffixed names: their own unit whatever ``unit=`` says
_SUFFIXED: dict[str, tuple[str, str, float]] = {
    "threshold_s": ("threshold_s", "time", 1.0),
    "threshold_min": ("threshold_s", "time", 60.0),
    "sigma_s": ("sigma_s", "time", 1.0),
    "sigma_min": ("sigma_s", "time", 60.0),
    "scale_s": ("scale_s", "time", 1.0),
    "scale_min": ("scale_s", "time", 60.0),
    "min_s": ("min_s", "time", 1.0),
    "min_min": ("min_s", "time", 60.0),
    "beta_per_s": ("beta_per_s", "rate", 1.0),
    "beta_per_min": ("beta_per_s", "rate", 60.0),
}


def unit_factor(unit: str) -> float:
    """Seconds per ``unit`` (``"s"`` or ``"min"``).

    Raises
    ------
    DataError
        Any other unit.
    """
    if unit not in TIME_UNITS:
        raise DataError(
            f"unknown time unit {unit!r}; use one of {', '.join(TIME_UNITS)}", field="unit"
        )
    return TIME_UNITS[unit]


def _params_in_seconds(name: str, params: Mapping[str, object], factor: float) -> dict:
    out: dict[str, object] = {}
    for key, value in params.items():
        if key == "steps":
            steps = value
            if not isinstance(steps, Mapping):
                raise DataError("steps must be a mapping {upper bound: weight}", field="steps")
            out["steps"] = {float(b) * factor: w for b, w in steps.items()}
            continue
        if key in _PARAMS:
            target, kind = _PARAMS[key]
            scale = factor
        elif key in _SUFFIXED:
            target, kind, scale = _SUFFIXED[key]
        else:
            raise DataError(f"decay {name!r}: unknown parameter {key!r}", field=key)
        if target in out:
            raise DataError(f"decay {name!r}: {key!r} given twice (in two units)", field=key)
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise DataError(
                f"decay {name!r}: {key} must be a number, got {value!r}", field=key
            ) from None
        out[target] = number * scale if kind == "time" else number / scale
    return out


def _time_scale_s(name: str, params: Mapping[str, object]) -> float | None:
    """The characteristic time of a decay in seconds (where its weight changes)."""
    if params.get("steps"):
        return max(float(b) for b in params["steps"])  # type: ignore[attr-defined]  # steps is a sequence of seconds
    for key in ("threshold_s", "sigma_s", "min_s"):
        if key in params:
            return float(params[key])  # type: ignore[arg-type]
    if "beta_per_s" in params and float(params["beta_per_s"]) > 0:  # type: ignore[arg-type]
        return 1.0 / float(params["beta_per_s"])  # type: ignore[arg-type]
    return None


def check_time_units(
    times_s: np.ndarray, scale_s: float | None, unit: str, what: str = "decay"
) -> None:
    """Refuse the obvious unit slip between seconds and minutes.

    Refuse the obvious unit slip: every travel time 60× shorter than the decay's
    characteristic time (the times were minutes, read as seconds) or every positive
    time 60× longer (seconds read as minutes, or a parameter in minutes).

    Parameters
    ----------
    times_s
        Travel times already converted to seconds (``inf`` = unreachable).
    scale_s
        The decay's characteristic time in seconds (threshold, σ, 1/β, last step).
    unit
        The unit the caller stated, for the message.
    what
        What is checked (e.g. ``"E2SFCA catchment_s"``), the start of the message.

    Raises
    ------
    DataError
        When all positive finite times lie beyond a factor 60 of ``scale_s``.
    """
    if scale_s is None or not np.isfinite(scale_s) or scale_s <= 0:
        return
    t = np.asarray(times_s, dtype=float)
    finite = t[np.isfinite(t) & (t > 0)]
    if finite.size == 0:
        return
    shown = 1.0 / TIME_UNITS[unit]
    if finite.max() * 60.0 <= scale_s:
        raise DataError(
            f"{what}: every travel time is ≤ {finite.max() * shown:g} {unit} while the decay "
            f"acts over {scale_s * shown:g} {unit} — are the times in minutes? "
            "state unit='min' (or convert the times to seconds)",
            field="unit",
        )
    if finite.min() >= scale_s * 60.0:
        raise DataError(
            f"{what}: every travel time is ≥ {finite.min() * shown:g} {unit} while the decay "
            f"acts over {scale_s * shown:g} {unit} — is a parameter in minutes while the "
            f"times are in seconds? give the parameters in {unit!r} (or say unit=)",
            field="unit",
        )


def decay(
    name: str,
    times: np.ndarray,
    *,
    unit: str = "s",
    check_units: bool = True,
    **params: object,
) -> np.ndarray:
    """Weights in [0, 1] for ``times`` with the named decay function.

    The times and every time parameter are in one stated ``unit`` (``"s"``, the default,
    as :func:`jmgis.access.travel_time_matrix` returns them, or ``"min"``); a rate
    (``beta``) is per that unit.  A parameter whose name carries its own unit
    (``threshold_s``, ``sigma_min``, ``beta_per_min`` …) is converted from that unit.

    =============  ===========================================  ==========================
    name           weight                                       parameters
    =============  ===========================================  ==========================
    binary         1 if t ≤ T else 0                            ``threshold``
    linear         max(0, 1 − t/T)                              ``threshold``
    exponential    exp(−β·t)                                    ``beta`` (per unit)
    gaussian       exp(−½ (t/σ)²)                               ``sigma``
    power          (max(t, t0)/t0)^−β                           ``beta``, ``t0`` (60 s)
    logistic       1 / (1 + exp((t − T)/s))                     ``threshold``, ``scale``
    stepped        weight of the first bound ≥ t, 0 beyond      ``steps`` {bound: w}
    =============  ===========================================  ==========================

    (``power``'s ``beta`` is an exponent, without unit.)  ``inf`` (unreachable) always
    gets weight 0.

    Parameters
    ----------
    name
        The decay function.
    times
        Travel times in ``unit`` (``inf`` = unreachable).
    unit
        ``"s"`` (default) or ``"min"``: the unit of the times and the parameters.
    check_units
        Refuse the obvious slip (see :func:`check_time_units`): all times 60× shorter or
        longer than the decay's characteristic time.  ``False`` skips the check.
    params
        The function's parameters (see the table), in ``unit`` unless the name carries
        its own unit (``threshold_s``, ``sigma_min``, ``beta_per_min`` …).

    Returns
    -------
    numpy.ndarray
        Weights in [0, 1], same shape as ``times``.

    Raises
    ------
    DataError
        Unknown function or parameter, a parameter given in two units, a unit slip.
    """
    if name not in DECAY_FUNCTIONS:
        raise DataError(
            f"unknown decay function {name!r}; known: {', '.join(DECAY_FUNCTIONS)}",
            field="decay",
        )
    factor = unit_factor(unit)
    t = _times(times) * factor
    if name == "power":
        # the exponent is unit-free: keep it away from the rate conversion
        exponent = params.pop("beta", None)
        seconds = _params_in_seconds(name, params, factor)
        if exponent is not None:
            seconds["beta"] = exponent
    else:
        seconds = _params_in_seconds(name, params, factor)
    if check_units:
        check_time_units(t, _time_scale_s(name, seconds), unit, f"decay {name!r}")
    try:
        w = DECAY_FUNCTIONS[name](t, **seconds)
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
    unit: str = "s",
    **params: object,
) -> np.ndarray:
    """Gravity accessibility Σ_j O_j · f(t_ij) per origin, with a named decay ``f``.

    Parameters
    ----------
    tt
        ``(origins, destinations)`` travel times in ``unit`` (``inf`` = unreachable).
    opportunities
        Per destination (default 1 each).
    decay_function, params
        See :func:`decay` (e.g. ``decay_function="exponential", beta=0.05, unit="min"``
        or ``beta_per_min=0.05`` with times in seconds).
    unit
        ``"s"`` (default) or ``"min"``: unit of ``tt`` and of the decay parameters.

    Returns
    -------
    numpy.ndarray
        One value per origin.
    """
    t = _times(tt)
    w = decay(decay_function, t, unit=unit, **params)  # type: ignore[arg-type]  # params are the decay's own keywords
    return w @ _opportunities(opportunities, t.shape[1])


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
