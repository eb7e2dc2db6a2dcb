"""Monotonic scenarios: a later year never makes a trip slower without a cause in the data.

:func:`slower_pairs` compares the seat-to-seat travel times of two networks (an earlier
and a later scenario year) and lists every pair that gets slower by more than a
tolerance, with the **features responsible**: the features of the earlier fastest path
that are gone in the later network or take longer there (closed, downgraded, re-routed
in the data).  A slower pair with no such feature is a model artefact (a connector that
re-snapped, a seat that lost its access when a new line arrived) and makes
``jmgis network check --since YEAR`` fail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import networkx as nx
import numpy as np

from jmgis.routing.engine import DEFAULT_WEIGHT, path_edges, shortest_path, travel_time_matrix

# Slower by less than this is rounding, not a change (seconds).
DEFAULT_TOLERANCE_S = 30.0


def _feature_times(G: nx.Graph, weight: str = DEFAULT_WEIGHT) -> dict[str, float]:
    """Total travel time (seconds) of each feature's edges in ``G``."""
    out: dict[str, float] = defaultdict(float)
    for _, _, data in G.edges(data=True):
        fid = data.get("feature_id")
        if fid:
            out[str(fid)] += float(data.get(weight, 0.0))
    return dict(out)


def _model_features(G: nx.Graph) -> set[str]:
    """Features built by the model (connectors, transfers), not read from the data."""
    return {
        str(d["feature_id"])
        for _, _, d in G.edges(data=True)
        if d.get("feature_id") and d.get("mode") in ("connector", "transfer")
    }


def _path_features(G: nx.Graph, origin: object, dest: object, weight: str) -> list[dict]:
    path = shortest_path(G, origin, dest, weight=weight)
    seen: dict[str, dict] = {}
    for e in path_edges(G, path, weight=weight):
        data = G.edges[e] if len(e) == 3 else G.edges[e[0], e[1]]
        fid = data.get("feature_id")
        if fid and str(fid) not in seen:
            seen[str(fid)] = {
                "feature_id": str(fid),
                "name": data.get("name", ""),
                "mode": data.get("mode", ""),
            }
    return list(seen.values())


def slower_pairs(
    G_before: nx.Graph,
    G_after: nx.Graph,
    *,
    kinds: Iterable[str] = ("seat",),
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    weight: str = DEFAULT_WEIGHT,
) -> list[dict]:
    """Pairs of places (nodes of ``kinds`` in both graphs) that are slower in ``G_after``.

    Parameters
    ----------
    G_before, G_after
        The networks of an earlier and a later scenario year.
    kinds
        Node kinds compared (default the township seats).
    tolerance_s
        A pair counts as slower when it takes more than this many seconds longer.
    weight
        Edge attribute in seconds.

    Returns
    -------
    list of dict
        One row per slower pair: ``origin``, ``destination``, their ``origin_name``,
        ``destination_name``, ``before_min``, ``after_min``, ``delta_min`` and
        ``responsible`` — the data features of the earlier fastest path removed in the
        later network or slower there (``feature_id``, ``name``, ``mode``, ``change``);
        an empty list means no feature of the data explains the slowdown.
    """
    wanted = set(kinds)
    nodes = [n for n, d in G_before.nodes(data=True) if d.get("kind") in wanted and n in G_after]
    if len(nodes) < 2:
        return []
    before = travel_time_matrix(G_before, nodes, nodes, weight=weight)
    after = travel_time_matrix(G_after, nodes, nodes, weight=weight)
    with np.errstate(invalid="ignore"):
        slower = (after - before > tolerance_s) & np.isfinite(before)
    np.fill_diagonal(slower, False)
    if not slower.any():
        return []
    times_b = _feature_times(G_before, weight)
    times_a = _feature_times(G_after, weight)
    model = _model_features(G_before)
    rows = []
    for i, j in zip(*np.nonzero(slower), strict=True):
        o, d = nodes[i], nodes[j]
        responsible = []
        for feat in _path_features(G_before, o, d, weight):
            fid = feat["feature_id"]
            if fid in model:
                continue
            if fid not in times_a:
                responsible.append({**feat, "change": "removed"})
            elif times_a[fid] > times_b.get(fid, 0.0) + 1.0:
                responsible.append({**feat, "change": "slower"})
        rows.append(
            {
                "origin": o,
                "destination": d,
                "origin_name": G_before.nodes[o].get("name", ""),
                "destination_name": G_before.nodes[d].get("name", ""),
                "before_min": round(float(before[i, j]) / 60.0, 2),
                "after_min": round(float(after[i, j]) / 60.0, 2)
                if np.isfinite(after[i, j])
                else float("inf"),
                "delta_min": round(float(after[i, j] - before[i, j]) / 60.0, 2)
                if np.isfinite(after[i, j])
                else float("inf"),
                "responsible": responsible,
            }
        )
    rows.sort(key=lambda r: -r["delta_min"])
    return rows
