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

Documented edge cases: a facility with capacity 0 has R_j = 0 (it serves no one and takes
no demand away from the others); a facility no demand can reach has R_j = 0 (its supply
is reported in :attr:`FCAResult.unreached_supply`); a demand location reaching no
facility has A_i = 0.  Negative, NaN or infinite capacity or population is an error.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from jmgis.access.measures import _positive, _times, decay
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


def _fca(t: np.ndarray, p: np.ndarray, s: np.ndarray, w: np.ndarray) -> FCAResult:
    demand_in_catchment = p @ w  # per supply
    reached = demand_in_catchment > 0
    ratio = np.zeros_like(s)
    ratio[reached] = s[reached] / demand_in_catchment[reached]
    return FCAResult(w @ ratio, ratio, float(s[~reached].sum()))


def two_step_fca(
    demand_to_supply_s: np.ndarray,
    demand: Sequence[float],
    supply: Sequence[float],
    catchment_s: float,
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

    Returns
    -------
    FCAResult
        Supply-to-demand ratio per facility and accessibility per demand location.
    """
    t, p, s = _validate(demand_to_supply_s, demand, supply)
    w = decay("binary", t, threshold_s=_positive(catchment_s, "catchment_s"))
    return _fca(t, p, s, w)


def enhanced_two_step_fca(
    demand_to_supply_s: np.ndarray,
    demand: Sequence[float],
    supply: Sequence[float],
    catchment_s: float,
    *,
    steps: Mapping[float, float] | None = None,
) -> FCAResult:
    """E2SFCA (Luo & Qi 2009): 2SFCA with a stepped distance-decay weight.

    ``steps`` = {upper bound in seconds: weight}; default three equal sub-zones of the
    catchment weighted 1.00, 0.68, 0.22.

    Parameters
    ----------
    demand_to_supply_s : numpy.ndarray
        ``(n_demand, n_supply)`` seconds from each demand location to each facility.
    demand : Sequence of float
        Population per demand location.
    supply : Sequence of float
        Capacity per facility (beds, doctors …).
    catchment_s : float
        Catchment (seconds).
    steps : Mapping of float to float or None
        Upper bound (seconds) → weight; ``None`` = three equal sub-zones weighted 1, 0.68, 0.22.

    Returns
    -------
    FCAResult
        Supply-to-demand ratio per facility and accessibility per demand location.
    """
    t, p, s = _validate(demand_to_supply_s, demand, supply)
    catchment = _positive(catchment_s, "catchment_s")
    if steps is None:
        steps = {catchment * (k + 1) / 3: wk for k, wk in enumerate(E2SFCA_WEIGHTS)}
    w = decay("stepped", t, steps=steps)
    return _fca(t, p, s, w)


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
