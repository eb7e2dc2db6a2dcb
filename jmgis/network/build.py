"""``build_graph``: the Jiangmen multimodal graph for a scenario year.

Sources: the transport layers (:func:`jmgis.transport.load`), filtered to the year with
:func:`jmgis.transport.exists_in`; the township seats (:func:`jmgis.admin.load_seats`); the
derived local roads (:mod:`jmgis.network.local`, drawn against the base-year trunk network
so they are the same in every scenario); the city polygon as land (connectors and local
links never cross open water).

:func:`assemble_graph` does the assembling from frames already filtered to a year, so the
same code serves the bundled data, tests and users with their own layers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from jmgis.crs import analysis_crs as _analysis_crs
from jmgis.network.connectors import (
    DEFAULT_REPORT_SNAP_M,
    GRADE_SEPARATED_CLASSES,
    LIMITED_ACCESS_CLASSES,
    EdgeSnapper,
    Snap,
    Snapper,
    connect_to_edges,
)
from jmgis.network.ferry import add_ferries
from jmgis.network.graph import add_link, add_segments, empty_graph, segments_at_vertices
from jmgis.network.noding import insert_end_vertices
from jmgis.network.rail import _listed, add_rail, first_column
from jmgis.speeds import SpeedTable
from jmgis.vocab import GRAPH_MODES

log = logging.getLogger("jmgis.network")

MODES = GRAPH_MODES
BASE_YEAR = 2020
POINT_LAYERS = ("station", "port", "airport", "interchange", "gateway")
GATEWAY_STATION_M = 30_000.0


@dataclass
class BuildReport:
    """What the assembly did that a user should know (``G.graph["report"]``)."""

    snaps: list[Snap] = field(default_factory=list)
    external: list[Snap] = field(default_factory=list)
    report_snap_m: float = DEFAULT_REPORT_SNAP_M

    @property
    def snapping_outliers(self) -> list[Snap]:
        """Connectors longer than ``report_snap_m`` (or with no reachable node)."""
        return [s for s in self.snaps if s.snap_m > self.report_snap_m]


def _valid_modes(modes: Sequence[str]) -> tuple[str, ...]:
    from jmgis.errors import DataError

    modes = tuple(modes)
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise DataError(f"unknown mode(s) {bad or modes}; choose from {', '.join(MODES)}")
    return modes


def road_links(
    roads: gpd.GeoDataFrame, speeds: SpeedTable, *, use_layer_speed: bool
) -> gpd.GeoDataFrame:
    """The road layer as a link table (see :data:`jmgis.network.graph.LINK_COLUMNS`).

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        The road layer (trunk and local roads).
    speeds : SpeedTable
        Speeds by road class (km/h).
    use_layer_speed : bool
        Take a road's own ``speed_kph`` when it has one.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per road, with its speed (km/h).
    """
    id_col = first_column(roads, "road_id", "id")
    out = gpd.GeoDataFrame(
        {
            "feature_id": roads[id_col].astype(str).to_numpy(),
            "name": _road_names(roads),
            "mode": "road",
            "road_class": roads["road_class"].to_numpy(),
        },
        geometry=roads.geometry.to_numpy(),
        crs=roads.crs,
    )
    table = np.array(
        [speeds.road_speed(c, feature=f) for c, f in zip(out.road_class, out.feature_id)]
    )
    if use_layer_speed and "speed_kph" in roads:
        layer = pd.to_numeric(roads["speed_kph"], errors="coerce").to_numpy(float)
        table = np.where(np.isfinite(layer) & (layer > 0), layer, table)
    out["speed_kph"] = table
    out["oneway"] = _oneway(roads)
    circuity = np.where(
        roads.get("geometry_quality", pd.Series(index=roads.index, dtype=object)).to_numpy()
        == "schematic",
        speeds.schematic_circuity,
        1.0,
    )
    if "circuity" in roads:
        given = pd.to_numeric(roads["circuity"], errors="coerce").to_numpy(float)
        circuity = np.where(np.isfinite(given), given, circuity)
    out["circuity"] = circuity
    out["source"] = roads["source"].to_numpy() if "source" in roads else None
    return out


def _road_names(roads: gpd.GeoDataFrame) -> list[str]:
    names = []
    for name, ref in zip(
        roads.get("name", pd.Series([None] * len(roads))),
        roads.get("ref", pd.Series([None] * len(roads))),
        strict=True,
    ):
        name = name if isinstance(name, str) and name else ""
        ref = ref if isinstance(ref, str) and ref else ""
        names.append(f"{name}（{ref}）" if name and ref and ref not in name else name or ref)
    return names


def _oneway(frame: pd.DataFrame) -> np.ndarray:
    if "oneway" not in frame:
        return np.zeros(len(frame), dtype=int)
    values = []
    for v in frame["oneway"]:
        text = str(v).strip().lower()
        values.append(
            1 if text in ("1", "yes", "true", "t", "y") else -1 if text in ("-1", "reverse") else 0
        )
    return np.array(values, dtype=int)


def assemble_graph(
    layers: Mapping[str, gpd.GeoDataFrame],
    seats: gpd.GeoDataFrame | None,
    *,
    year: int | None,
    modes: Sequence[str] = MODES,
    speeds: SpeedTable | None = None,
    crs: Any = None,
    land: shapely.Geometry | None = None,
    points: Mapping[str, gpd.GeoDataFrame] | None = None,
    use_layer_speed: bool = True,
    report_snap_m: float = DEFAULT_REPORT_SNAP_M,
    base_roads: nx.MultiDiGraph | None = None,
    townships: gpd.GeoDataFrame | None = None,
    door_to_door: bool = True,
) -> nx.MultiDiGraph:
    """Assemble the contract graph from frames already filtered to ``year``.

    Parameters
    ----------
    layers
        ``road`` (required; trunk and local roads together), and optionally ``rail``,
        ``station``, ``port``, ``airport``, ``interchange``, ``gateway``, ``ferry`` —
        any CRS, projected here.
    seats
        Township seats (``code``, ``name``, points) or ``None``.
    land
        Land polygon in EPSG:4490 (connectors do not cross water); ``None`` skips it.
    points
        Extra points to connect, ``{kind: frame}`` with ``id`` (or ``<kind>_id``) and
        ``name`` columns, e.g. ``{"park": parks, "poi": schools}``.
    use_layer_speed
        Take a road's own ``speed_kph`` when it has one (else the table's class speed).
    year : int or None
        Scenario year (recorded on the graph).
    modes : Sequence of str
        Modes to include (default ``road``, ``rail``, ``ferry``).
    speeds : SpeedTable or None
        The speed table (the default one when ``None``).
    crs : Any
        The analysis CRS (EPSG:4547 by default).
    report_snap_m : float
        Connectors longer than this (metres) are reported.
    base_roads : networkx.MultiDiGraph or None
        A road graph already built (the user's own network,
        :mod:`jmgis.network.base_network`): a copy of it replaces ``layers["road"]`` and the
        other layers are joined to it.  Its ``crs`` must be ``crs``.
    townships : geopandas.GeoDataFrame or None
        Township polygons with ``code`` and ``kind`` (街道/镇): the access kind of each
        seat (by code) and point (by the polygon it lies in) for the door-to-door model;
        without it a seat's kind comes from its name, a point's is ``other``.
    door_to_door : bool
        Apply the door-to-door model (:mod:`jmgis.network.door`; default ``True``).

    Returns
    -------
    networkx.MultiDiGraph
        The graph (analysis CRS; ``length_m``, ``travel_time_s`` on edges).
    """
    modes = _valid_modes(modes)
    speeds = SpeedTable.coerce(speeds)
    crs = _analysis_crs(crs)
    G = empty_graph(crs.to_string(), year, modes)
    if base_roads is not None:
        G.add_nodes_from(base_roads.nodes(data=True))
        G.add_edges_from(base_roads.edges(keys=True, data=True))
    report = BuildReport(report_snap_m=report_snap_m)
    G.graph["_report"] = report
    proj = {k: v.to_crs(crs) for k, v in layers.items() if v is not None}
    water = water_polygon(land, crs)

    if base_roads is None:
        links = road_links(proj["road"], speeds, use_layer_speed=use_layer_speed)
        receives = ~links["road_class"].isin(LIMITED_ACCESS_CLASSES).to_numpy()
        links = links.set_geometry(
            gpd.GeoSeries(
                insert_end_vertices(links.geometry.to_numpy(), receives),
                index=links.index,
                crs=links.crs,
            )
        )
        add_segments(G, grade_separate(segments_at_vertices(links)))

    stations = proj.get("station")
    if "rail" in modes and proj.get("rail") is not None and stations is not None:
        add_rail(G, proj["rail"], stations, speeds)
    piers = None
    if "ferry" in modes and proj.get("ferry") is not None and len(proj["ferry"]):
        piers = add_ferries(G, proj["ferry"], speeds, ports=proj.get("port"))

    cspeed = speeds.connector_speed_kph

    def accessible(d: dict) -> bool:
        # no point joins a grade-separated road except an interchange (issue 15)
        return d.get("mode") == "road" and d.get("road_class") not in GRADE_SEPARATED_CLASSES

    def limited(d: dict) -> bool:
        return d.get("mode") == "road" and d.get("road_class") in LIMITED_ACCESS_CLASSES

    city = None
    if land is not None:
        city = shapely.buffer(gpd.GeoSeries([land], crs="EPSG:4490").to_crs(crs).iloc[0], 2000)
        shapely.prepare(city)

    def connect(frame, kind, eligible=accessible, *, over_water=water, record=True, **kw):
        if frame is None or not len(frame):
            return []
        frame = frame.to_crs(crs)
        if city is not None and over_water is not None:
            # points outside the city (external airports) are not held to the water rule
            outside = ~frame.within(city)
            if outside.any():
                inner = connect(
                    frame[~outside],
                    kind,
                    eligible,
                    over_water=over_water,
                    record=record,
                    **dict(kw),
                )
                outer = connect(frame[outside], kind, eligible, over_water=None, record=False, **kw)
                _make_external(G, outer, speeds)
                return inner + outer
        id_field = kw.pop("id_field", None) or first_column(frame, f"{kind}_id", "id", "code")
        snapper = EdgeSnapper(G, eligible, water=over_water)
        snaps = connect_to_edges(
            G,
            frame,
            kind=kind,
            id_field=id_field,
            snapper=snapper,
            speed_kph=kw.pop("speed_kph", cspeed),
            report_snap_m=report_snap_m if record else float("inf"),
            **kw,
        )
        failed = [s for s in snaps if not s.target]
        if failed:
            # island points with no road: the ferry pier is their way out
            pier_nodes = [
                n for n, d in G.nodes(data=True) if d["kind"] == "port" and _has_ferry(G, n)
            ]
            piers_snap = Snapper(G, pier_nodes, water=over_water)
            ok = {s.node for s in snaps if s.target}
            for s in failed:
                if _has_ferry(G, s.node):  # a pier on an island: reached by its ferry
                    snaps[snaps.index(s)] = Snap(s.node, s.node, 0.0, s.kind, s.name)
                    continue
                hit = piers_snap.nearest(G.nodes[s.node]["x"], G.nodes[s.node]["y"])
                if hit is None:
                    continue
                add_link(
                    G,
                    s.node,
                    hit[0],
                    length_m=hit[1],
                    speed_kph=cspeed,
                    mode="connector",
                    feature_id=G.nodes[s.node]["ref"],
                    name=s.name,
                    snap_m=hit[1],
                )
                ok.add(s.node)
                snaps[snaps.index(s)] = Snap(s.node, hit[0], hit[1], s.kind, s.name)
        if record:
            report.snaps.extend(snaps)
        return snaps

    # interchanges first: they are the only way onto an expressway, and only onto the
    # expressways they serve (``road_ids``) that exist in this year
    interchanges = proj.get("interchange")
    if interchanges is not None and len(interchanges):
        ramp = speeds.road.get("ramp", cspeed)
        for i in range(len(interchanges)):
            row = interchanges.iloc[i : i + 1]
            served = _listed(row.iloc[0].get("road_ids")) if "road_ids" in row else set()
            # one ramp to EACH listed expressway: joining only the nearest one let a new
            # line through the interchange take the place of the old one (良西镇互通 lost
            # 开春高速 when 镇海湾高速 arrived in 2035; issue 15, monotonic scenarios)
            for group in [{r} for r in sorted(served)] or [set()]:

                def serves(d: dict, group=group) -> bool:
                    return limited(d) and (not group or d.get("feature_id") in group)

                if any(serves(d) for _, _, d in G.edges(data=True)):
                    connect(row, "interchange", serves, speed_kph=ramp, road_class="ramp")
        connect(interchanges, "interchange", speed_kph=ramp, road_class="ramp")
    if seats is not None:
        connect(seats, "seat", id_field="code")
        join_seat_local_roads(G, cspeed)
    if stations is not None:
        inside = stations.within(city) if city is not None else np.ones(len(stations), bool)
        connect(stations[inside], "station")
    connect(proj.get("port"), "port")
    if piers is not None and len(piers):
        connect(
            piers[piers["node"].str.startswith("pier:")],
            "port",
            id_field="node",
            node_field="node",
        )
    connect(proj.get("airport"), "airport")
    gateways = proj.get("gateway")
    if gateways is not None and len(gateways):
        _connect_gateways(G, gateways, stations if "rail" in modes else None, speeds, connect)
    for kind, frame in (points or {}).items():
        connect(frame, kind)
    if door_to_door:
        from jmgis.network.door import TRIP_END_KINDS
        from jmgis.network.door import door_to_door as apply_door_to_door

        # trip ends: seats, parks, POIs and every point layer a user passes in
        ends = [n for n, d in G.nodes(data=True) if d.get("kind") in TRIP_END_KINDS]
        seen = set(ends)
        for kind, frame in (points or {}).items():
            if frame is None or not len(frame):
                continue
            for ref in frame[first_column(frame, f"{kind}_id", "id", "code")]:
                node = f"{kind}:{ref}"
                if node in G and node not in seen:
                    ends.append(node)
                    seen.add(node)
        apply_door_to_door(G, speeds, nodes=ends, kinds=access_kinds(G, ends, townships, crs))
    G.graph["report"] = G.graph.pop("_report")
    return G


def access_kinds(
    G: nx.MultiDiGraph, nodes: Sequence[str], townships: gpd.GeoDataFrame | None, crs: Any
) -> dict[str, str]:
    """Access kind (``urban``/``rural``/``other``) of each trip-end node.

    A seat takes the ``kind`` of its township (by code), another point the kind of the
    township polygon it lies in; without townships a seat's kind comes from its name
    (:func:`jmgis.network.door.access_kind`), a point's is ``other``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The graph (node ``x``/``y`` in metres of ``crs``).
    nodes : Sequence of str
        The trip-end nodes.
    townships : geopandas.GeoDataFrame or None
        Township polygons (``code``, ``kind``).
    crs : Any
        The graph's CRS.

    Returns
    -------
    dict of str to str
        Access kind by node.
    """
    from jmgis.network.door import access_kind

    nodes = [n for n in nodes if n in G]
    out = {}
    for n in nodes:
        d = G.nodes[n]
        out[n] = access_kind(None, d.get("name")) if d.get("kind") == "seat" else "other"
    if townships is None or not len(townships) or "kind" not in townships:
        return out
    by_code = dict(zip(townships["code"].astype(str), townships["kind"], strict=True))
    polys = townships.to_crs(crs)
    points = gpd.GeoSeries(
        gpd.points_from_xy([G.nodes[n]["x"] for n in nodes], [G.nodes[n]["y"] for n in nodes]),
        crs=polys.crs,
    )
    inside = gpd.sjoin(
        gpd.GeoDataFrame(geometry=points), polys[["kind", "geometry"]], predicate="within"
    )
    located = inside.groupby(level=0)["kind"].first()
    for i, n in enumerate(nodes):
        d = G.nodes[n]
        if d.get("kind") == "seat" and str(d.get("ref")) in by_code:
            out[n] = access_kind(by_code[str(d.get("ref"))], d.get("name"))
        elif i in located.index:
            out[n] = access_kind(located.loc[i], None)
    return out


# A derived local road whose end lies this close to a seat starts at the seat (metres).
SEAT_LOCAL_END_M = 1.0


def join_seat_local_roads(G: nx.MultiDiGraph, speed_kph: float) -> int:
    """Join every seat to each derived local road (``local:…``) that ends at it.

    A seat is connected to the nearest road edge; when a later scenario brings a new road
    through the seat, that nearest edge is the new road and the seat used to lose its own
    local access (the 县道 to its interchange: 良西镇 → 大田镇 took 26 min in 2035 instead of
    10 in 2025 with no road closed).  The local roads are derived once from the base year,
    so joining the seat to all of them keeps its access in every year: a later year only
    adds ways out (issue 15: monotonic scenarios).

    Parameters
    ----------
    G
        The graph being assembled, with seats already connected.
    speed_kph
        Connector speed (km/h) for the (≈ 0 m) joins.

    Returns
    -------
    int
        Number of joins added.
    """
    seats = [(n, d) for n, d in G.nodes(data=True) if d.get("kind") == "seat"]
    if not seats:
        return 0
    ends = {
        n
        for u, v, d in G.edges(data=True)
        if str(d.get("feature_id", "")).startswith("local:")
        for n in (u, v)
    }
    if not ends:
        return 0
    end_ids = sorted(ends, key=str)
    xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in end_ids], dtype=float)
    from scipy.spatial import cKDTree  # 0.2 s of imports: only when a graph is built

    tree = cKDTree(xy)
    added = 0
    for node, data in seats:
        neighbours = set(G.successors(node))
        for i in tree.query_ball_point((data["x"], data["y"]), SEAT_LOCAL_END_M):
            target = end_ids[i]
            if target == node or target in neighbours:
                continue
            dist = float(np.hypot(xy[i, 0] - data["x"], xy[i, 1] - data["y"]))
            add_link(
                G,
                node,
                target,
                length_m=dist,
                speed_kph=speed_kph,
                mode="connector",
                feature_id=data.get("ref"),
                name=data.get("name", ""),
                snap_m=dist,
            )
            added += 1
    return added


def grade_separate(segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Mark the inner control points of limited-access roads as a level of their own.

    An expressway drawn through a town's control point does not meet the town's roads
    there: it is entered only at interchanges (joined by connectors), where two
    expressways share a control point (a hub), or at its ends (where it runs into the
    road it ends on).  Adds ``level_u``/``level_v`` for :func:`add_segments`.
    """
    segments = segments.copy()
    limited = segments["road_class"].isin(LIMITED_ACCESS_CLASSES).to_numpy()
    seq = segments["seq"].to_numpy()
    last = segments.groupby("feature_id")["seq"].transform("max").to_numpy()
    segments["level_u"] = (limited & (seq > 0)).astype(int)
    segments["level_v"] = (limited & (seq < last)).astype(int)
    return segments


def water_polygon(land: shapely.Geometry | None, crs: Any) -> shapely.Geometry | None:
    """Open water near the land (analysis CRS).

    The land's convex hull minus the land, simplified to 50 m and shrunk by 100 m so piers and
    coastal points on the shoreline are not "in the sea".

    Outside the hull nothing counts as water (the land polygon is the city, not its
    neighbours), so connectors of external gateways are not blocked.

    Parameters
    ----------
    land : shapely.Geometry or None
        The land polygon in EPSG:4490 (``None`` = no water).
    crs : Any
        The analysis CRS.

    Returns
    -------
    shapely.Geometry or None
        The water polygon, or ``None`` without land.
    """
    if land is None:
        return None
    land_a = gpd.GeoSeries([land], crs="EPSG:4490").to_crs(crs).iloc[0]
    land_a = shapely.simplify(land_a, 50)  # 50 m is far below the water tolerance
    water = shapely.buffer(shapely.difference(shapely.convex_hull(land_a), land_a), -100)
    shapely.prepare(water)
    return water


def _has_ferry(G: nx.MultiDiGraph, node: str) -> bool:
    return any(d.get("mode") == "ferry" for _, _, d in G.edges(node, data=True))


def _make_external(G: nx.MultiDiGraph, snaps: list[Snap], speeds: SpeedTable) -> None:
    """Time the connectors of points outside the city as the unmodelled external leg.

    Straight distance × ``local_circuity`` at ``external_speed_kph`` (``external=True``); they are
    listed in ``report.external``, not as snapping outliers.
    """
    report = G.graph.get("_report")
    for s in snaps:
        if not s.target:
            if report is not None:
                report.snaps.append(s)  # not joined at all: that is a problem
            continue
        for a, b in ((s.node, s.target), (s.target, s.node)):
            for d in G.get_edge_data(a, b).values():
                if d.get("mode") == "connector":
                    d["length_m"] = s.snap_m * speeds.local_circuity
                    d["speed_kph"] = speeds.external_speed_kph
                    d["travel_time_s"] = d["length_m"] / (speeds.external_speed_kph / 3.6)
                    d["external"] = True
        if report is not None:
            report.external.append(s)


def _connect_gateways(G, gateways, stations, speeds: SpeedTable, connect) -> None:
    """Join each gateway (a city outside Jiangmen) to the modelled network.

    The leg from the end of the modelled roads to the gateway point is not modelled: it
    is a connector timed at ``speeds.external_speed_kph`` over the straight distance ×
    ``speeds.local_circuity`` (an assumption; ``external=True`` on the edge).  Stations
    outside the city within :data:`GATEWAY_STATION_M` of a gateway are joined to it the
    same way (metro/taxi into the city centre).
    """
    snaps = connect(gateways, "gateway", over_water=None, record=False)
    _make_external(G, snaps, speeds)
    gid = first_column(gateways, "gateway_id", "id")
    if stations is None or not len(stations):
        return
    st_nodes = [n for n, d in G.nodes(data=True) if d["kind"] == "station"]
    st_xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in st_nodes])
    for gw in gateways[gid].astype(str):
        node = f"gateway:{gw}"
        gx, gy = G.nodes[node]["x"], G.nodes[node]["y"]
        dist = np.hypot(st_xy[:, 0] - gx, st_xy[:, 1] - gy)
        for j in np.flatnonzero(dist <= GATEWAY_STATION_M):
            if any(
                d.get("mode") == "connector" and not d.get("external")
                for _, _, d in G.edges(st_nodes[j], data=True)
            ):
                continue  # a station inside the modelled road network is reached by road
            length = float(dist[j]) * speeds.local_circuity
            add_link(
                G,
                node,
                st_nodes[j],
                length_m=length,
                speed_kph=speeds.external_speed_kph,
                mode="connector",
                feature_id=gw,
                name=G.nodes[node]["name"],
                snap_m=float(dist[j]),
                external=True,
            )


@lru_cache(maxsize=4)
def _local_roads_cached(speed_key: tuple, crs_key: str) -> gpd.GeoDataFrame:
    from jmgis import admin, transport
    from jmgis.network.local import derive_local_roads

    speeds = SpeedTable.from_dict(_thaw(speed_key[0]))
    crs = _analysis_crs(crs_key)
    roads = transport.load("road")
    trunk = transport.as_of(roads[transport.exists_in(roads, BASE_YEAR)], BASE_YEAR).to_crs(crs)
    piers = _piers(transport, BASE_YEAR)
    water = water_polygon(admin.load_city().union_all(), crs)
    points = []
    # stations in 江门 too: with 江门大道 no longer drawn through 台山 (issue 14), 开平南站
    # lies 4.6 km from the nearest schematic trunk road; its 连接线 is derived like a port's
    for layer, id_col in (
        ("interchange", "interchange_id"),
        ("port", "port_id"),
        ("station", "station_id"),
    ):
        frame = transport.load(layer)
        if layer == "station":
            frame = frame[frame["township_code"] != transport.vocab.OUTSIDE]
        points.append(frame[[id_col, "name", "geometry"]].rename(columns={id_col: "point_id"}))
    access_points = gpd.GeoDataFrame(pd.concat(points, ignore_index=True), crs=points[0].crs)
    return derive_local_roads(
        admin.load_seats(),
        trunk,
        piers=piers,
        access_points=access_points,
        water=water,
        speeds=speeds,
    )


def _piers(transport, year: int) -> gpd.GeoDataFrame | None:
    try:
        ferries = transport.load("ferry")
    except (KeyError, FileNotFoundError, ValueError):
        return None
    ferries = ferries[transport.exists_in(ferries, year)]
    if ferries.empty:
        return None
    starts = shapely.get_point(ferries.geometry.values, 0)
    lasts = shapely.get_point(ferries.geometry.values, -1)
    return gpd.GeoDataFrame(
        geometry=np.concatenate([starts, lasts]), crs=ferries.crs
    ).drop_duplicates()


def local_roads(speeds: SpeedTable | None = None, analysis_crs: Any = None) -> gpd.GeoDataFrame:
    """The derived local road layer (EPSG:4490), see :mod:`jmgis.network.local`.

    Parameters
    ----------
    speeds : SpeedTable or None
        The speed table (the default one when ``None``).
    analysis_crs : Any
        The metric CRS (EPSG:4547 by default).

    Returns
    -------
    geopandas.GeoDataFrame
        The local roads (seat links, pier and access roads).
    """
    speeds = SpeedTable.coerce(speeds)
    key = (tuple(sorted((k, _freeze(v)) for k, v in speeds.to_dict().items())),)
    return _local_roads_cached(key, _analysis_crs(analysis_crs).to_string()).copy()


def _freeze(value):
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _thaw(value):
    if isinstance(value, tuple) and all(isinstance(x, tuple) and len(x) == 2 for x in value):
        return {k: _thaw(v) for k, v in value}
    return value


def build_graph(
    year: int,
    modes: Sequence[str] = MODES,
    *,
    speeds: SpeedTable | Mapping | str | None = None,
    analysis_crs: Any = None,
    points: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> nx.MultiDiGraph:
    """The Jiangmen multimodal graph for scenario ``year`` (network contract).

    Parameters
    ----------
    year
        Scenario year; a feature exists when it is existing/completed or opens by then
        (conceptual projects only in the vision year).  Outside the data's range →
        :class:`jmgis.errors.ScenarioYearError` naming the valid range.
    modes
        Any of ``"road"``, ``"rail"``, ``"ferry"``.
    speeds
        A :class:`SpeedTable`, overrides, or a speed file.  With ``None`` each road's
        own ``speed_kph`` is used; with a table, road speeds come from the table by class.
    analysis_crs
        Metric CRS of node coordinates (default :func:`jmgis.crs.analysis_crs`).
    points
        Points to connect, ``{kind: frame}``.  By default the plan catalog's parks that
        have a place (``{"park": jmgis.catalog.park_places()}``); pass ``{}`` for none.

    Returns
    -------
    networkx.MultiDiGraph
        The graph (analysis CRS; ``length_m``, ``travel_time_s`` on edges).
    """
    from jmgis import admin, transport

    year = transport.check_year(year)
    modes = _valid_modes(modes)
    table = SpeedTable.coerce(speeds)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in ("road", "rail", *POINT_LAYERS, "ferry"):
        try:
            frame = transport.load(name)
        except (KeyError, FileNotFoundError):
            continue
        if "status" in frame.columns or "open_year" in frame.columns:
            frame = frame[transport.exists_in(frame, year)]
        if name == "road":
            frame = transport.as_of(frame, year)  # upgrades of existing roads, by year
        layers[name] = frame
    local = local_roads(table, analysis_crs).to_crs(layers["road"].crs)
    layers["road"] = pd.concat([layers["road"], local], ignore_index=True)
    land = admin.load_city().union_all()
    if points is None:
        points = {"park": _located_parks()}
    return assemble_graph(
        layers,
        admin.load_seats(),
        year=year,
        modes=modes,
        speeds=table,
        crs=analysis_crs,
        land=land,
        points=points,
        use_layer_speed=speeds is None,
        townships=admin.load_townships()[["code", "kind", "geometry"]],
    )


def _located_parks() -> gpd.GeoDataFrame:
    """The catalog's parks that have a place to route to.

    From ``catalog.park_places``: a township seat or a sourced coordinate, not just
    "somewhere in the county".
    """
    from jmgis import catalog

    parks = catalog.park_places()
    located = parks[parks.geometry.notna() & ~parks.geometry.is_empty]
    return located[["id", "name", "geometry"]]


def shared_graph(year: int, modes: tuple[str, ...] = MODES) -> nx.MultiDiGraph:
    """:func:`build_graph` of the bundled data.

    The default speeds, built once and rebuilt only when a file under ``jmgis.paths.data_dir()``
    changes.

    Within a process repeated calls return the *same* graph object: do not modify it
    (:func:`jmgis.network.route.route` works on a copy).  Between processes the graph is
    kept in the persistent cache (:mod:`jmgis.cache`, namespace ``graph``) keyed by the
    contents of the data folder, the year, the modes, the analysis CRS and the jmgis code.

    Parameters
    ----------
    year : int
        Scenario year.
    modes : tuple of str
        Modes to include (default ``road``, ``rail``, ``ferry``).

    Returns
    -------
    networkx.MultiDiGraph
        The shared graph; do not modify it.
    """
    from jmgis.paths import data_dir

    root = data_dir()
    stamp = max((p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()), default=0)
    return _cached_graph(int(year), tuple(modes), str(root.resolve()), stamp)


@lru_cache(maxsize=8)
def _cached_graph(year: int, modes: tuple[str, ...], root: str, stamp: int) -> nx.MultiDiGraph:
    from jmgis import cache
    from jmgis.crs import analysis_crs

    key = cache.fingerprint(
        [root],
        {"what": "shared_graph", "year": year, "modes": modes, "crs": analysis_crs().srs},
    )
    return cache.for_settings().get_or_build("graph", key, lambda: build_graph(year, modes))
