"""Door-to-door realism of short trips: crow-fly speeds of seat-to-seat trips.

A trip of a few kilometres between township seats cannot average 80 km/h as the crow
flies door to door: it starts and ends on local streets, meets junctions and signals and
reaches an expressway only over a ramp.  :func:`short_trip_speeds` lists the seat pairs
closer than ``max_km`` whose straight-line distance divided by the modelled time exceeds
``bound_kph``; ``jmgis network check`` **fails** (exit 1) when there is one.

**The bound** (:data:`DEFAULT_CROWFLY_BOUND_KPH`, 60 km/h for trips under
:data:`DEFAULT_SHORT_TRIP_KM` = 15 km) is a plausibility limit, not a measurement.  Its
basis: road networks are 1.2–1.4 times longer than the straight line (the circuity range
of :mod:`jmgis.jiangmen.plausibility`), so a crow-fly 60 km/h is 72–84 km/h on the road,
door to door.  That is the operating speed of free-flowing expressway driving alone
(高速公路 design speed 100–120 km/h, JTG B01-2014, operated at 0.7–0.85 of it); a short
trip also drives local streets (城市支路 design speed 20–40 km/h, CJJ 37-2012), urban
arterials with signals (主干路 40–60 km/h) and ramps, and parks at its end, so no short
trip door to door reaches it.  The door-to-door model (:mod:`jmgis.network.door`) keeps
every bundled trip under it in 2020, 2025 and 2035 (max ≈ 51 km/h).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

# The constants are read by the command line at start-up (``network check`` options):
# this module imports numpy and the routing engine only when it computes.

DEFAULT_SHORT_TRIP_KM = 15.0
DEFAULT_CROWFLY_BOUND_KPH = 60.0


def short_trip_speeds(
    G: nx.Graph,
    *,
    max_km: float = DEFAULT_SHORT_TRIP_KM,
    bound_kph: float = DEFAULT_CROWFLY_BOUND_KPH,
    kinds: tuple[str, ...] = ("seat",),
    weight: str | None = None,
) -> dict:
    """Crow-fly speeds of the trips between nodes of ``kinds`` closer than ``max_km``.

    Parameters
    ----------
    G
        Network with node ``x``/``y`` in metres.
    max_km
        Straight-line distance below which a trip counts as short (km).
    bound_kph
        Crow-fly speed a short trip should not exceed (km/h).
    kinds
        Node kinds compared (default the township seats).
    weight
        Edge attribute in seconds (default
        :data:`jmgis.routing.engine.DEFAULT_WEIGHT`, ``travel_time_s``).

    Returns
    -------
    dict
        ``trips`` (short reachable trips), ``median_kph``, ``p90_kph``, ``max_kph``
        (crow-fly km/h) and ``too_fast``: rows ``origin_name``, ``destination_name``,
        ``km``, ``min``, ``kph`` above the bound, fastest first.
    """
    import numpy as np

    from jmgis.routing.engine import DEFAULT_WEIGHT, travel_time_matrix

    weight = DEFAULT_WEIGHT if weight is None else weight
    nodes = [n for n, d in G.nodes(data=True) if d.get("kind") in set(kinds)]
    if len(nodes) < 2:
        return {"trips": 0, "median_kph": 0.0, "p90_kph": 0.0, "max_kph": 0.0, "too_fast": []}
    xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes], dtype=float)
    km = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) / 1000.0
    t = travel_time_matrix(G, nodes, nodes, weight=weight)
    short = (km < max_km) & np.isfinite(t) & (t > 0)
    np.fill_diagonal(short, False)
    i, j = np.nonzero(short)
    kph = km[i, j] / (t[i, j] / 3600.0)
    rows = [
        {
            "origin_name": G.nodes[nodes[a]].get("name", ""),
            "destination_name": G.nodes[nodes[b]].get("name", ""),
            "km": round(float(km[a, b]), 1),
            "min": round(float(t[a, b]) / 60.0, 1),
            "kph": round(float(v), 1),
        }
        for a, b, v in zip(i, j, kph, strict=True)
        if v > bound_kph
    ]
    rows.sort(key=lambda r: -r["kph"])
    return {
        "trips": len(kph),
        "median_kph": float(np.median(kph)) if len(kph) else 0.0,
        "p90_kph": float(np.percentile(kph, 90)) if len(kph) else 0.0,
        "max_kph": float(kph.max()) if len(kph) else 0.0,
        "too_fast": rows,
    }
