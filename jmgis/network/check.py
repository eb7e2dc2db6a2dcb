"""``jmgis network check``: validation report of the network of a scenario year.

Problems (any of them makes the check fail):

- **unreachable seats**: a township seat (or gateway) that cannot reach, or be reached
  from, the seats and gateways of the main network;
- **snapping outliers**: a seat, station, port, airport or interchange joined to the
  network by a connector longer than ``max_snap_m`` (parks and POIs, which stand for
  areas of several km², longer than ``max_snap_area_m``), or not joined at all;
- **dangling lines**: a road, rail or ferry feature cut off from the main network
  (none of its nodes is in the largest connected part);
- **features without source**: any transport feature (or derived local road) whose
  ``source`` is empty;
- **short trips too fast**: a pair of township seats closer than 15 km whose door-to-door
  time means more than 60 km/h as the crow flies (the bound and its basis:
  :mod:`jmgis.network.realism`);
- **slower without a cause** (with ``since=``): a pair of township seats that takes
  longer than in the earlier year although no feature of its earlier fastest path was
  removed or slowed in the data (:func:`jmgis.network.monotonic.slower_pairs`).  Slower
  pairs *with* a responsible feature are listed for information.

Dangling *ends* (line ends that touch nothing, e.g. where a schematic road stops at the
city edge) are listed for information; they are not errors in a schematic network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

DEFAULT_MAX_SNAP_M = 3000.0
DEFAULT_MAX_SNAP_AREA_M = 5000.0
AREA_KINDS = frozenset({"park", "poi"})


@dataclass
class CheckReport:
    """Findings of :func:`check_network`."""

    year: int
    nodes: int = 0
    edges: int = 0
    unreachable: list[dict] = field(default_factory=list)
    snapping_outliers: list[dict] = field(default_factory=list)
    dangling_lines: list[dict] = field(default_factory=list)
    dangling_ends: list[dict] = field(default_factory=list)
    without_source: list[dict] = field(default_factory=list)
    external: list[dict] = field(default_factory=list)
    local_links: dict[str, float] = field(default_factory=dict)
    max_snap_m: float = DEFAULT_MAX_SNAP_M
    max_snap_area_m: float = DEFAULT_MAX_SNAP_AREA_M
    snap_stats: dict[str, float] = field(default_factory=dict)
    since: int | None = None
    slower_pairs: list[dict] = field(default_factory=list)
    short_trips: dict = field(default_factory=dict)

    @property
    def unexplained_slower(self) -> list[dict]:
        """Slower pairs with no responsible feature in the data (model artefacts)."""
        return [r for r in self.slower_pairs if not r["responsible"]]

    @property
    def too_fast(self) -> list[dict]:
        """Short seat trips faster than the crow-fly bound (:mod:`jmgis.network.realism`)."""
        return list(self.short_trips.get("too_fast", [])) if self.short_trips else []

    @property
    def problems(self) -> int:
        """How many problems the check found.

        Unreachable seats, snapping outliers, dangling lines, features without source,
        short trips above the crow-fly bound and pairs slower without a cause.
        """
        return (
            len(self.too_fast)
            + len(self.unreachable)
            + len(self.snapping_outliers)
            + len(self.dangling_lines)
            + len(self.without_source)
            + len(self.unexplained_slower)
        )

    @property
    def ok(self) -> bool:
        """Whether the check found no problem."""
        return self.problems == 0

    def to_dict(self) -> dict[str, Any]:
        """The check as plain JSON-ready data."""
        return {
            "year": self.year,
            "nodes": self.nodes,
            "edges": self.edges,
            "ok": self.ok,
            "problems": self.problems,
            "max_snap_m": self.max_snap_m,
            "max_snap_area_m": self.max_snap_area_m,
            "snap_stats": self.snap_stats,
            "unreachable_seats": self.unreachable,
            "snapping_outliers": self.snapping_outliers,
            "dangling_lines": self.dangling_lines,
            "dangling_ends": self.dangling_ends,
            "features_without_source": self.without_source,
            "external_legs": self.external,
            "local_links": self.local_links,
            "since": self.since,
            "slower_pairs": self.slower_pairs,
            "short_trips": self.short_trips,
        }

    def text(self) -> str:
        """The report as a planner reads it."""
        out = [
            f"network {self.year}: {self.nodes} nodes, {self.edges} directed edges",
            f"connectors: median {self.snap_stats.get('median_m', 0):.0f} m, "
            f"95th percentile {self.snap_stats.get('p95_m', 0):.0f} m, "
            f"max {self.snap_stats.get('max_m', 0):.0f} m",
        ]

        def section(title: str, rows: list[dict], fmt) -> None:
            out.append(f"{title}: {len(rows)}")
            out.extend(f"  - {fmt(r)}" for r in rows[:50])
            if len(rows) > 50:
                out.append(f"  … and {len(rows) - 50} more")

        section(
            "unreachable seats and gateways",
            self.unreachable,
            lambda r: (
                f"{r['name']} ({r['code']}): cannot reach {r['cannot_reach']} / "
                f"cannot be reached from {r['unreachable_from']} of the seats and gateways"
            ),
        )
        section(
            f"snapping outliers (> {self.max_snap_m:.0f} m; parks/POIs > "
            f"{self.max_snap_area_m:.0f} m)",
            self.snapping_outliers,
            lambda r: (
                f"{r['kind']} {r['name']} ({r['node']}): "
                + ("not joined to the network" if r["snap_m"] is None else f"{r['snap_m']:.0f} m")
            ),
        )
        section(
            "dangling lines (cut off from the network)",
            self.dangling_lines,
            lambda r: f"{r['mode']} {r['feature_id']} {r['name']}",
        )
        section(
            "features without source",
            self.without_source,
            lambda r: f"{r['layer']} {r['feature_id']}",
        )
        out.append(
            f"dangling ends (information): {len(self.dangling_ends)}"
            + (
                " — " + ", ".join(sorted({r["feature_id"] for r in self.dangling_ends})[:12])
                if self.dangling_ends
                else ""
            )
        )
        if self.local_links:
            out.append(
                f"derived local links (information): {self.local_links['count']:.0f}, "
                f"seat → trunk road median {self.local_links['seat_median_km']:.1f} km, "
                f"max {self.local_links['seat_max_km']:.1f} km"
            )
        if self.external:
            out.append(
                "external legs (information; outside the modelled network, timed at the "
                "external speed): "
                + ", ".join(f"{r['name']} {r['km']:.0f} km" for r in self.external)
            )
        if self.short_trips:
            st = self.short_trips
            out.append(
                f"seat trips under {st['max_km']:.0f} km faster than {st['bound_kph']:.0f} km/h "
                f"as the crow flies, door to door: {len(st['too_fast'])} of {st['trips']}; "
                f"crow-fly median {st['median_kph']:.0f}, p90 {st['p90_kph']:.0f}, "
                f"max {st['max_kph']:.0f} km/h"
            )
            out.extend(
                f"  - {r['origin_name']} → {r['destination_name']}: {r['km']} km in "
                f"{r['min']} min ({r['kph']} km/h)"
                for r in st["too_fast"][:50]
            )
        if self.since is not None:

            def slower(r: dict) -> str:
                cause = (
                    ", ".join(
                        f"{f['feature_id']} {f['name']} ({f['change']})" for f in r["responsible"]
                    )
                    or "no feature removed or slowed in the data"
                )
                return (
                    f"{r['origin_name']} → {r['destination_name']}: {r['before_min']:.1f} → "
                    f"{r['after_min']:.1f} min (+{r['delta_min']:.1f}); {cause}"
                )

            section(
                f"seat pairs slower than in {self.since} without a cause in the data",
                self.unexplained_slower,
                slower,
            )
            explained = [r for r in self.slower_pairs if r["responsible"]]
            out.append(
                f"seat pairs slower than in {self.since} with a cause (information): "
                f"{len(explained)}"
            )
            out.extend(f"  - {slower(r)}" for r in explained[:20])
        out.append("OK" if self.ok else f"{self.problems} problem(s)")
        return "\n".join(out)


def _unreachable(G: nx.MultiDiGraph) -> list[dict]:
    """Seats and gateways outside the strongly connected part that holds most seats.

    Each cannot reach, or cannot be reached from, the others.
    """
    from jmgis.routing.engine import travel_time_matrix

    seats = [n for n, d in G.nodes(data=True) if d["kind"] == "seat"]
    gateways = [n for n, d in G.nodes(data=True) if d["kind"] == "gateway"]
    if not seats:
        return []
    targets = seats + gateways
    to = np.isfinite(travel_time_matrix(G, targets, targets))
    mutual = to & to.T
    # the part holding most seats: the row with the most mutual reach
    core = mutual[int(np.argmax(mutual[: len(seats)].sum(axis=1)))]
    out = []
    for i, node in enumerate(targets):
        if core[i]:
            continue
        out.append(
            {
                "node": node,
                "code": G.nodes[node]["ref"],
                "name": G.nodes[node]["name"],
                "cannot_reach": int((core & ~to[i]).sum()),
                "unreachable_from": int((core & ~to[:, i]).sum()),
            }
        )
    return out


def _dangling(G: nx.MultiDiGraph) -> tuple[list[dict], list[dict]]:
    if G.number_of_nodes() == 0:
        return [], []
    main = max(nx.weakly_connected_components(G), key=len)
    features: dict[tuple[str, str], dict] = {}
    for u, _v, d in G.edges(data=True):
        if d["mode"] not in ("road", "rail", "ferry"):
            continue
        key = (d["mode"], str(d["feature_id"]))
        entry = features.setdefault(key, {"name": d.get("name", ""), "in_main": False})
        entry["in_main"] = entry["in_main"] or u in main
    lines = [
        {"mode": m, "feature_id": f, "name": e["name"]}
        for (m, f), e in sorted(features.items())
        if not e["in_main"]
    ]
    U = G.to_undirected(as_view=True)
    ends = []
    for n, d in G.nodes(data=True):
        if d["kind"] != "junction":
            continue
        nbrs = set(U.neighbors(n))
        if len(nbrs) == 1:
            edge = next(iter(U.get_edge_data(n, next(iter(nbrs))).values()))
            ends.append({"node": n, "feature_id": str(edge.get("feature_id"))})
    return lines, ends


def _local_link_stats(G: nx.MultiDiGraph) -> dict[str, float]:
    """Lengths of the derived local links.

    Above all the seat → trunk road ones (which stand in for the county road a seat really uses,
    and are the long access legs).
    """
    lengths: dict[str, float] = {}
    for _, _, d in G.edges(data=True):
        fid = str(d.get("feature_id"))
        if d.get("mode") == "road" and fid.startswith("local:"):
            lengths[fid] = lengths.get(fid, 0.0) + d["length_m"] / 2  # both directions
    if not lengths:
        return {}
    seat = np.array([v for k, v in lengths.items() if k.count(":") == 1 and k[6:].isdigit()])
    return {
        "count": float(len(lengths)),
        "seat_median_km": float(np.median(seat) / 1000) if len(seat) else 0.0,
        "seat_max_km": float(seat.max() / 1000) if len(seat) else 0.0,
    }


def _without_source(layers: dict) -> list[dict]:
    out = []
    for layer, frame in layers.items():
        if frame is None or not len(frame):
            continue
        id_col = next((c for c in frame.columns if c.endswith("_id")), None)
        src = frame.get("source")
        for i in range(len(frame)):
            value = None if src is None else src.iloc[i]
            if not isinstance(value, str) or not value.strip():
                fid = str(frame[id_col].iloc[i]) if id_col else i + 1
                out.append({"layer": layer, "feature_id": fid})
    return out


def bundled_layers() -> dict:
    """The transport layers and the derived local roads, for the source check."""
    from jmgis import transport
    from jmgis.network.build import local_roads

    layers = {name: transport.load(name) for name in transport.LAYER_NAMES}
    layers["local_road"] = local_roads()
    return layers


def check_network(
    year: int,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    max_snap_area_m: float = DEFAULT_MAX_SNAP_AREA_M,
    G: nx.MultiDiGraph | None = None,
    layers: dict | None = None,
    since: int | None = None,
    G_since: nx.MultiDiGraph | None = None,
    crowfly_bound_kph: float | None = None,
    short_trip_km: float | None = None,
) -> CheckReport:
    """Validate the network of scenario ``year`` (see the module docstring).

    ``G`` and ``layers`` (name → frame, checked for ``source``) default to the bundled
    network of that year and its layers.  With ``since`` (an earlier year; its network
    ``G_since`` defaults to the bundled one) every seat pair slower than in that year is
    listed with the features responsible, and one without a cause is a problem.

    Parameters
    ----------
    year : int
        Scenario year.
    max_snap_m : float
        Longest acceptable connector of a point (metres).
    max_snap_area_m : float
        Longest acceptable connector of an area's point (parks; metres).
    G : networkx.MultiDiGraph or None
        The graph to check (built for ``year`` when ``None``).
    layers : dict or None
        The transport layers (the bundled ones when ``None``).
    since : int or None
        An earlier scenario year to compare with (slower pairs are listed).
    G_since : networkx.MultiDiGraph or None
        The network of ``since`` (built when ``None``).
    crowfly_bound_kph : float or None
        Crow-fly speed (km/h) no short seat trip may exceed, door to door (default
        :data:`jmgis.network.realism.DEFAULT_CROWFLY_BOUND_KPH`, 60).
    short_trip_km : float or None
        Straight-line distance (km) under which a trip is short (default 15).

    Returns
    -------
    CheckReport
        The problems found.
    """
    from jmgis.network.build import shared_graph

    if G is None:
        G = shared_graph(year)
    report = CheckReport(
        year=G.graph.get("year", year),
        nodes=G.number_of_nodes(),
        edges=G.number_of_edges(),
        max_snap_m=max_snap_m,
        max_snap_area_m=max_snap_area_m,
    )
    report.unreachable = _unreachable(G)
    build_report = G.graph.get("report")
    snaps = build_report.snaps if build_report is not None else []
    finite = np.array([s.snap_m for s in snaps if np.isfinite(s.snap_m)])
    if len(finite):
        report.snap_stats = {
            "count": float(len(finite)),
            "median_m": float(np.median(finite)),
            "p95_m": float(np.percentile(finite, 95)),
            "max_m": float(finite.max()),
        }
    report.snapping_outliers = [
        {
            "node": s.node,
            "kind": s.kind,
            "name": s.name,
            "snap_m": None if not np.isfinite(s.snap_m) else round(s.snap_m, 1),
        }
        for s in snaps
        if not np.isfinite(s.snap_m)
        or s.snap_m > (max_snap_area_m if s.kind in AREA_KINDS else max_snap_m)
    ]
    report.external = [
        {"node": s.node, "kind": s.kind, "name": s.name, "km": round(s.snap_m / 1000, 1)}
        for s in (build_report.external if build_report is not None else [])
    ]
    report.dangling_lines, report.dangling_ends = _dangling(G)
    report.local_links = _local_link_stats(G)
    report.without_source = _without_source(bundled_layers() if layers is None else layers)
    from jmgis.network.realism import (
        DEFAULT_CROWFLY_BOUND_KPH,
        DEFAULT_SHORT_TRIP_KM,
        short_trip_speeds,
    )

    bound = DEFAULT_CROWFLY_BOUND_KPH if crowfly_bound_kph is None else float(crowfly_bound_kph)
    max_km = DEFAULT_SHORT_TRIP_KM if short_trip_km is None else float(short_trip_km)
    report.short_trips = {
        "max_km": max_km,
        "bound_kph": bound,
        **short_trip_speeds(G, max_km=max_km, bound_kph=bound),
    }
    if since is not None:
        from jmgis.network.monotonic import slower_pairs

        before = G_since if G_since is not None else shared_graph(since)
        report.since = int(before.graph.get("year", since))
        report.slower_pairs = slower_pairs(before, G)
    return report
