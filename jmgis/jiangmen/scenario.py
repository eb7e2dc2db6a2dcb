"""Scenario comparison: the profile of two years, the change, and what causes it.

A transport feature *changed* between the years when it is new, gone, or its total
travel time or length differs (an upgrade, a realignment); township-seat connectors are
not features of the plan and are ignored.  For each township and target whose time
changed, the changed features that lie on the fastest path of the later year (for a
gain) or of the earlier year (for a loss) are its causes; their plan-catalog
``project_ids`` are listed (a feature without a project id is listed by its own id,
prefixed ``feature:``, so no cause is hidden).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from jmgis.jiangmen.township_access import (
    Target,
    jiangmen_graph,
    profile,
    seat_nodes,
    targets,
    zone_summary,
)
from jmgis.routing.engine import compile_graph, path_edges, shortest_paths, travel_time_matrix

# Below this many minutes a difference is rounding, not a change.
CHANGE_TOLERANCE_MIN = 0.05


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare_years`.

    Attributes
    ----------
    township
        One row per township × target: ``code, name, target, year_before, year_after,
        t_before_min, t_after_min, change_min, features, projects``.
    zone
        Zone summaries of both years side by side with ``change_mean_min`` and
        ``change_share_within_<T>``.
    features
        The changed transport features: ``feature_id, name, mode, change`` (new, removed,
        changed) and ``project_ids``.
    """

    township: pd.DataFrame
    zone: pd.DataFrame
    features: pd.DataFrame

    @property
    def changes(self) -> pd.DataFrame:
        """Alias of :attr:`township`."""
        return self.township


def _feature_signatures(G: nx.Graph) -> tuple[dict[str, tuple], dict[str, dict]]:
    """Per feature, the total travel time and length by mode.

    Total travel time and length by mode (rounded to 1 s / 1 m), so a feature merely split at a new
    junction does not count as changed.  Seat connectors (feature id = a township code) are no
    project and are skipped.
    """
    totals: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    info: dict[str, dict] = {}
    for _, _, data in G.edges(data=True):
        fid = data.get("feature_id")
        if not fid or (data.get("mode") == "connector" and str(fid).isdigit()):
            continue
        acc = totals[str(fid)][data.get("mode")]
        acc[0] += float(data["travel_time_s"])
        acc[1] += float(data.get("length_m") or 0.0)
        info.setdefault(str(fid), {"name": data.get("name", ""), "mode": data.get("mode", "")})
    signatures = {
        fid: tuple(sorted((str(m), round(t), round(length)) for m, (t, length) in by.items()))
        for fid, by in totals.items()
    }
    return signatures, info


def changed_features(G_before: nx.Graph, G_after: nx.Graph) -> pd.DataFrame:
    """Features whose edges differ between two graphs (new, removed or changed).

    Parameters
    ----------
    G_before, G_after : networkx.Graph
        The networks of the earlier and the later year.

    Returns
    -------
    pandas.DataFrame
        One row per feature id: change kind, seconds and metres by mode before and after.
    """
    before, info_b = _feature_signatures(G_before)
    after, info_a = _feature_signatures(G_after)
    rows = []
    for fid in sorted(set(before) | set(after)):
        if before.get(fid) == after.get(fid):
            continue
        change = "new" if fid not in before else "removed" if fid not in after else "changed"
        meta = info_a.get(fid) or info_b.get(fid) or {}
        rows.append(
            {
                "feature_id": fid,
                "name": meta.get("name", ""),
                "mode": meta.get("mode", ""),
                "change": change,
                "project_ids": _project_ids().get(fid, []),
            }
        )
    return pd.DataFrame(rows, columns=["feature_id", "name", "mode", "change", "project_ids"])


def _project_ids() -> dict[str, list[str]]:
    from jmgis import transport

    out: dict[str, list[str]] = {}
    for layer, id_col in (("road", "road_id"), ("rail", "line_id")):
        frame = transport.load(layer)
        if "project_ids" not in frame.columns:
            continue
        for fid, value in zip(frame[id_col], frame["project_ids"], strict=True):
            if isinstance(value, str) and value.strip():
                out[str(fid)] = [p.strip() for p in value.split(",") if p.strip()]
            elif isinstance(value, list | tuple | np.ndarray):
                out[str(fid)] = [str(p) for p in value]
    return out


def _best_nodes(
    G: nx.Graph, origins: Sequence[Hashable], target: Target
) -> tuple[np.ndarray, list[Hashable | None]]:
    if not target.nodes:
        return np.full(len(origins), np.inf), [None] * len(origins)
    tt = travel_time_matrix(G, origins, target.nodes) + target.extra_s[None, :]
    best = tt.argmin(axis=1)
    times = tt[np.arange(len(origins)), best]
    return times / 60.0, [
        target.nodes[b] if np.isfinite(t) else None for b, t in zip(best, times, strict=True)
    ]


def _path_features(G: nx.Graph, origin: Hashable, dest: Hashable | None) -> set[str]:
    if dest is None:
        return set()
    path = shortest_paths(G, origin, [dest])[0]
    out = set()
    for u, v, *key in path_edges(G, path):
        data = G.edges[u, v, key[0]] if key else G.edges[u, v]
        if data.get("feature_id"):
            out.add(str(data["feature_id"]))
    return out


def _lost_accesses(
    G_before: nx.Graph, G_after: nx.Graph, origin: Hashable, dest: Hashable | None
) -> set[str]:
    """Accesses of the earlier fastest path that the later network no longer has.

    Accesses of the earlier fastest path that the later network no longer has: the
    connectors, ramps and transfers (model links, not data features) of that path whose
    link is gone — named ``access:<feature id>`` (e.g. ``access:ic_440785102``, a ramp).
    """
    if dest is None:
        return set()
    path = shortest_paths(G_before, origin, [dest])[0]
    out = set()
    for u, v, *key in path_edges(G_before, path):
        data = G_before.edges[u, v, key[0]] if key else G_before.edges[u, v]
        if data.get("mode") in ("connector", "transfer") and not G_after.has_edge(u, v):
            out.add(f"access:{data.get('feature_id') or u}")
    return out


def compare_years(
    year_before: int,
    year_after: int,
    *,
    G_before: nx.Graph | None = None,
    G_after: nx.Graph | None = None,
    population: pd.DataFrame | None = None,
) -> Comparison:
    """Compare the Jiangmen profile of two scenario years.

    A loss (a township slower or cut off) names the changed features of its earlier
    fastest path; when there is none, the accesses that path used and the later network
    lacks (``access:<id>``: a seat connector, a ramp, a transfer) — a model artefact
    rather than a project (see ``jmgis network check --since``).

    Parameters
    ----------
    year_before, year_after
        The two years (e.g. 2020 and 2025).
    G_before, G_after
        Networks to use (default :func:`jmgis.network.build_graph` of each year).
    population
        Township population for the zone summaries (default the bundled table).

    Returns
    -------
    Comparison
        Both profiles, the per-township change (minutes) and the changed features.
    """
    from jmgis.admin.tables import townships

    Ga = jiangmen_graph(int(year_before)) if G_before is None else G_before
    Gb = jiangmen_graph(int(year_after)) if G_after is None else G_after
    compile_graph(Ga)
    compile_graph(Gb)
    towns = townships()
    codes = towns["code"].astype(str).tolist()
    names = dict(zip(codes, towns["name"], strict=True))
    origins_a, origins_b = seat_nodes(Ga, codes), seat_nodes(Gb, codes)
    features = changed_features(Ga, Gb)
    changed = set(features["feature_id"])
    project_of = dict(zip(features["feature_id"], features["project_ids"], strict=True))
    targets_b = {t.name: t for t in targets(Gb)}
    rows = []
    for target_a in targets(Ga):
        target_b = targets_b[target_a.name]
        ta, best_a = _best_nodes(Ga, origins_a, target_a)
        tb, best_b = _best_nodes(Gb, origins_b, target_b)
        for i, code in enumerate(codes):
            delta = tb[i] - ta[i] if np.isfinite(ta[i]) or np.isfinite(tb[i]) else 0.0
            causes: set[str] = set()
            if np.isnan(delta) or abs(delta) > CHANGE_TOLERANCE_MIN:
                if not (delta > 0):  # a gain (or newly reachable): the new fastest path
                    causes |= _path_features(Gb, origins_b[i], best_b[i]) & changed
                if not (delta < 0):  # a loss: what the old fastest path used
                    causes |= _path_features(Ga, origins_a[i], best_a[i]) & changed
                    if not causes and np.isfinite(ta[i]):  # no data cause: name the access
                        causes |= _lost_accesses(Ga, Gb, origins_a[i], best_a[i])
            feats = sorted(causes)
            projects = sorted(
                {p for f in feats for p in project_of.get(f, [])}
                | {f"feature:{f}" for f in feats if not project_of.get(f)}
            )
            rows.append(
                {
                    "code": code,
                    "name": names[code],
                    "target": target_a.name,
                    "year_before": int(year_before),
                    "year_after": int(year_after),
                    "t_before_min": ta[i],
                    "t_after_min": tb[i],
                    "change_min": tb[i] - ta[i]
                    if np.isfinite(ta[i]) and np.isfinite(tb[i])
                    else (-np.inf if np.isfinite(tb[i]) else np.inf if np.isfinite(ta[i]) else 0.0),
                    "features": feats,
                    "projects": projects,
                }
            )
    township = pd.DataFrame(rows)
    zone = _zone_changes(
        profile(year_before, G=Ga), profile(year_after, G=Gb), population=population
    )
    return Comparison(township, zone, features)


def _zone_changes(
    before: pd.DataFrame, after: pd.DataFrame, *, population: pd.DataFrame | None
) -> pd.DataFrame:
    za = zone_summary(before, population)
    zb = zone_summary(after, population)
    keys = ["group_kind", "group_code", "group_name", "target"]
    merged = za.merge(zb, on=keys, suffixes=("_before", "_after"))
    merged["change_mean_min"] = merged["mean_min_after"] - merged["mean_min_before"]
    for col in [c for c in za.columns if c.startswith("share_within_")]:
        merged[f"change_{col}"] = merged[f"{col}_after"] - merged[f"{col}_before"]
    return merged
