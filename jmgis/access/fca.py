"""Two-step floating catchment area (2SFCA) and its enhanced variant (E2SFCA).

Direction matters on a directed network (one-way streets, ferries, a rail timetable): both
steps use the time **from each demand location to each supply location**, ``t_ij`` with
``i`` = demand, ``j`` = supply — the trip people make to the facility.  The matrix
argument is therefore named ``demand_to_supply_s``; :func:`demand_to_supply_times`
computes it from a graph in that direction.  (Passing the supply → demand matrix instead
silently answers another question — the bug reported in pysal/access #18.)

Step 1, per supply ``j``:  R_j = S_j / Σ_i P_i · W(t_ij)
Step 2, per demand ``i``:  A_i = Σ_j R_j · W(t_ij)

with ``W`` = 1 inside the catchment for 2SFCA, and a stepped weight for E2SFCA (Luo & Qi
2009, Health & Place 15(4): three sub-zones of the catchment weighted 1.00, 0.68, 0.22).

Also gravity-weighted 2SFCA (:func:`gravity_two_step_fca`, a continuous decay in both
steps) and 3SFCA (:func:`three_step_fca`, Wan, Zou & Sternberg 2012: a selection weight
shares each person's demand among the facilities in reach).  The catchment is always the
outer limit: a pair beyond ``catchment_s`` has weight 0 whatever the steps or decay say.

Documented edge cases: a facility with capacity 0 has R_j = 0 (it serves no one and takes
no demand away from the others); a facility no demand can reach has R_j = 0 (its supply
is reported in :attr:`FCAResult.unreached_supply`); a demand location outside every
catchment gets ``unserved="nan"`` (default — PySAL ``access`` gives such a location no
value) or ``unserved="zero"``.  Negative, NaN or infinite capacity or population is an
error; a catchment 60× longer or shorter than every travel time (minutes given for
seconds) is refused.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from jmgis.access.measures import _positive, _times, check_time_units, decay
from jmgis.errors import DataError
from jmgis.routing.engine import DEFAULT_WEIGHT, travel_time_matrix

# Luo & Qi (2009): Gaussian-derived weights of the 0–10, 10–20, 20–30 min sub-zones.
E2SFCA_WEIGHTS = (1.0, 0.68, 0.22)


@dataclass(frozen=True)
class FCAResult:
    """Result of a floating-catchment computation.

    Attributes
    ----------
    access
        A_i per demand location: supply per person reachable (e.g. beds per person).
    ratio
        R_j per supply location: supply per person in its catchment.
    unreached_supply
        Total capacity of facilities no demand can reach (not counted anywhere).
    """

    access: np.ndarray
    ratio: np.ndarray
    unreached_supply: float


def _validate(
    tt: np.ndarray, demand: Sequence[float], supply: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = _times(tt, "demand→supply times")
    if t.ndim != 2:
        raise DataError("demand_to_supply_s must be a 2-D (demand × supply) matrix")
    p = np.asarray(demand, dtype=float)
    s = np.asarray(supply, dtype=float)
    if p.shape != (t.shape[0],):
        raise DataError(f"{t.shape[0]} demand rows but {p.shape} population values")
    if s.shape != (t.shape[1],):
        raise DataError(f"{t.shape[1]} supply columns but {s.shape} capacity values")
    if t.shape[1] == 0:
        raise DataError("the supply set is empty", field="supply")
    # inf would turn every ratio it touches into inf or NaN without an error
    bad = np.flatnonzero(~np.isfinite(p) | (p < 0))
    if len(bad):
        raise DataError(
            f"population is {float(p[bad[0]])} (must be a finite number ≥ 0)",
            feature=int(bad[0]) + 1,
            field="population",
        )
    bad = np.flatnonzero(~np.isfinite(s) | (s < 0))
    if len(bad):
        raise DataError(
            f"capacity is {float(s[bad[0]])} (must be a finite number ≥ 0)",
            feature=int(bad[0]) + 1,
            field="capacity",
        )
    return t, p, s


UNSERVED_OPTIONS = ("nan", "zero")
# PySAL ``access`` (1.1): a demand location outside every catchment gets no value (NaN)
# from ``two_stage_fca`` / ``three_stage_fca``; jmgis matches that by default.
DEFAULT_UNSERVED = "nan"


def _unserved(option: str) -> float:
    if option not in UNSERVED_OPTIONS:
        raise DataError(
            f"unserved must be one of {', '.join(UNSERVED_OPTIONS)}, got {option!r}",
            field="unserved",
        )
    return np.nan if option == "nan" else 0.0


def _fca(
    t: np.ndarray,
    p: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    unserved: str = DEFAULT_UNSERVED,
    g: np.ndarray | None = None,
) -> FCAResult:
    """Both FCA steps with weights ``w``, and 3SFCA selection weights ``g``.

    Both steps with weights ``w`` (demand × supply) and, for 3SFCA, selection
    weights ``g`` multiplying ``w`` in both steps.
    """
    fill = _unserved(unserved)
    wg = w if g is None else w * g
    demand_in_catchment = p @ wg  # per supply
    reached = demand_in_catchment > 0
    ratio = np.zeros_like(s)
    ratio[reached] = s[reached] / demand_in_catchment[reached]
    access = wg @ ratio
    # a demand location with no facility of positive weight is outside every catchment
    served = (w > 0).any(axis=1)
    access = np.where(served, access, fill)
    return FCAResult(access, ratio, float(s[~reached].sum()))


def _weights(
    t: np.ndarray, catchment_s: float, kind: str, params: Mapping[str, object]
) -> np.ndarray:
    """Decay weights in [0, 1], zero beyond the catchment.

    Decay weights in [0, 1], zero beyond the catchment (the catchment is the outer
    limit whatever the decay says).
    """
    w = decay(kind, t, check_units=False, **params)  # type: ignore[arg-type]  # params are the decay's own keywords
    return np.where(t <= catchment_s, w, 0.0)


def two_step_fca(
    demand_to_supply_s: np.ndarray,
    demand: Sequence[float],
    supply: Sequence[float],
    catchment_s: float,
    *,
    unserved: str = DEFAULT_UNSERVED,
    check_units: bool = True,
) -> FCAResult:
    """Classic 2SFCA (Luo & Wang 2003) with a binary catchment of ``catchment_s`` seconds.

    Parameters
    ----------
    demand_to_supply_s
        ``(n_demand, n_supply)`` seconds from each demand location to each facility.
    demand
        Population per demand location.
    supply
        Capacity per facility (beds, doctors, places; ≥ 0).
    catchment_s
        Catchment size in seconds (> 0); pairs with ``t ≤ catchment_s`` count.
    unserved
        Value of a demand location outside every catchment: ``"nan"`` (default, as PySAL
        ``access``) or ``"zero"``.
    check_units
        Refuse a catchment 60× longer or shorter than every travel time (minutes passed
        as seconds; :func:`jmgis.access.measures.check_time_units`).

    Returns
    -------
    FCAResult
        Access per demand location, ratio per facility, unreached supply.
    """
    t, p, s = _validate(demand_to_supply_s, demand, supply)
    catchment = _positive(catchment_s, "catchment_s")
    if check_units:
        check_time_units(t, catchment, "s", "2SFCA catchment_s")
    w = _weights(t, catchment, "binary", {"threshold_s": catchment})
    return _fca(t, p, s, w, unserved)


def _steps(catchment: float, steps: Mapping[float, float] | None) -> dict[float, float]:
    if steps is None:
        return {catchment * (k + 1) / 3: wk for k, wk in enumerate(E2SFCA_WEIGHTS)}
    if not steps:
        raise DataError("steps must hold at least one {upper bound: weight}", field="steps")
    return {float(b): float(w) for b, w in steps.items()}


def enhanced_two_step_fca(
    demand_to_supply_s: np.ndarray,
    demand: Sequence[float],
    supply: Sequence[float],
    catchment_s: float,
    *,
    steps: Mapping[float, float] | None = None,
    unserved: str = DEFAULT_UNSERVED,
    check_units: bool = True,
) -> FCAResult:
    """E2SFCA (Luo & Qi 2009): 2SFCA with a stepped distance-decay weight.

    Parameters
    ----------
    demand_to_supply_s, demand, supply
        As for :func:`two_step_fca` (seconds, people, capacity).
    catchment_s
        Catchment size in seconds: pairs beyond it have weight 0 **also when** ``steps``
        reach farther (the catchment is the outer limit of the method).
    steps
        ``{upper bound in seconds: weight}``; default three equal sub-zones of the
        catchment weighted 1.00, 0.68, 0.22.
    unserved
        ``"nan"`` (default, as PySAL ``access``) or ``"zero"`` for demand outside every
        catchment.
    check_units
        Refuse a catchment 60× longer or shorter than every travel time (minutes passed
        as seconds; :func:`jmgis.access.measures.check_time_units`).

    Returns
    -------
    FCAResult
    """
    t, p, s = _validate(demand_to_supply_s, demand, supply)
    catchment = _positive(catchment_s, "catchment_s")
    if check_units:
        check_time_units(t, catchment, "s", "E2SFCA catchment_s")
    w = _weights(t, catchment, "stepped", {"steps": _steps(catchment, steps)})
    return _fca(t, p, s, w, unserved)


def gravity_two_step_fca(
    demand_to_supply_s: np.ndarray,
    demand: Sequence[float],
    supply: Sequence[float],
    catchment_s: float = np.inf,
    *,
    decay_function: str = "gaussian",
    unserved: str = DEFAULT_UNSERVED,
    check_units: bool = True,
    **params: object,
) -> FCAResult:
    """Gravity-weighted 2SFCA (Wang 2012; Dai 2010).

    Gravity-weighted 2SFCA (Wang 2012; Dai 2010): both steps weighted by a continuous
    decay ``f`` of the travel time, optionally within a catchment.

    R_j = S_j / Σ_i P_i f(t_ij),  A_i = Σ_j R_j f(t_ij)

    Parameters
    ----------
    demand_to_supply_s, demand, supply
        As for :func:`two_step_fca` (seconds, people, capacity).
    catchment_s
        Outer limit in seconds (default none: every reachable pair counts).
    decay_function, params
        A decay of :func:`jmgis.access.decay` with parameters **in seconds**
        (``sigma_s=900``, ``beta_per_min=0.1``, ``threshold_s=…`` …).
    unserved
        ``"nan"`` (default) or ``"zero"`` for demand with no facility of positive weight.
    check_units
        Refuse decay parameters 60× longer or shorter than every travel time (checked by
        :func:`jmgis.access.decay`; see :func:`jmgis.access.measures.check_time_units`).

    Returns
    -------
    FCAResult
    """
    t, p, s = _validate(demand_to_supply_s, demand, supply)
    catchment = float(catchment_s)
    if not catchment > 0:
        raise DataError(f"catchment_s must be > 0, got {catchment}", field="catchment_s")
    w = decay(decay_function, t, unit="s", check_units=check_units, **params)
    w = np.where(t <= catchment, w, 0.0)
    return _fca(t, p, s, w, unserved)


def three_step_fca(
    demand_to_supply_s: np.ndarray,
    demand: Sequence[float],
    supply: Sequence[float],
    catchment_s: float,
    *,
    steps: Mapping[float, float] | None = None,
    unserved: str = DEFAULT_UNSERVED,
    check_units: bool = True,
) -> FCAResult:
    """3SFCA (Wan, Zou & Sternberg 2012): E2SFCA with a selection weight.

    3SFCA (Wan, Zou & Sternberg 2012, IJGIS 26(6)): E2SFCA with a selection weight that
    shares each person's demand among the facilities they can reach.

    G_ij = W_ij / Σ_k W_ik (over the facilities in i's catchment),
    R_j = S_j / Σ_i G_ij P_i W_ij,  A_i = Σ_j G_ij R_j W_ij,

    with the stepped weights ``W`` of :func:`enhanced_two_step_fca` (Wan et al. use the
    same Gaussian-derived sub-zone weights).

    Parameters
    ----------
    demand_to_supply_s, demand, supply, catchment_s, steps
        As for :func:`enhanced_two_step_fca` (seconds).
    unserved
        ``"nan"`` (default, as PySAL ``access``) or ``"zero"``.
    check_units
        Refuse a catchment 60× longer or shorter than every travel time (minutes passed
        as seconds; :func:`jmgis.access.measures.check_time_units`).

    Returns
    -------
    FCAResult
    """
    t, p, s = _validate(demand_to_supply_s, demand, supply)
    catchment = _positive(catchment_s, "catchment_s")
    if check_units:
        check_time_units(t, catchment, "s", "3SFCA catchment_s")
    w = _weights(t, catchment, "stepped", {"steps": _steps(catchment, steps)})
    total = w.sum(axis=1, keepdims=True)
    g = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    return _fca(t, p, s, w, unserved, g)


def demand_to_supply_times(
    G: nx.Graph,
    demand_nodes: Sequence[Hashable],
    supply_nodes: Sequence[Hashable],
    *,
    cutoff_s: float | None = None,
    weight: str = DEFAULT_WEIGHT,
) -> np.ndarray:
    """The ``(n_demand, n_supply)`` matrix for 2SFCA.

    Seconds from each demand node to each supply node (the direction people travel).

    Parameters
    ----------
    G : networkx.Graph
        Graph with node ``x``/``y`` (metres) and ``G.graph["crs"]``.
    demand_nodes : Sequence of Hashable
        Nodes of the demand locations.
    supply_nodes : Sequence of Hashable
        Nodes of the facilities.
    cutoff_s : float or None
        Stop searching beyond this travel time (seconds); ``None`` = no limit.
    weight : str
        Edge attribute used as travel cost (seconds).

    Returns
    -------
    numpy.ndarray
        ``(n_demand, n_supply)`` seconds; ``inf`` where unreachable.
    """
    return travel_time_matrix(G, demand_nodes, supply_nodes, cutoff_s=cutoff_s, weight=weight)
