"""The user's own road network as the base of the whole chain (``jmgis build --network``).

``settings.network`` is an OpenStreetMap extract (``.osm``/``.xml``/``.osm.pbf``) or a line
layer (GeoPackage, Shapefile, GeoJSON) with ``settings.network_class_field`` and, optionally,
``network_class_map`` (YAML: the user's class value → a jmgis road class),
``network_speed_field`` and ``network_oneway_field``.  :func:`base_road_graph` turns it
into the base road graph:

1. read (:func:`jmgis.network.osm.from_osm` / :func:`jmgis.network.user_layers.from_layers`)
   in the analysis CRS chosen by the CRS rule (:func:`jmgis.crs.crs_for_data`);
2. clipped to the city plus ``settings.network_buffer_m`` (a node outside is dropped with
   its edges);
3. only the largest strongly connected part kept (everything else cannot be both reached
   and left; what was dropped is counted in the :class:`BaseNetworkReport`);
4. junctions of degree 2 merged into one edge (same road class and mode; lengths and
   times summed, the line kept).

:func:`user_graph` joins to it, for a scenario year, what the user's file does not have:
the bundled rail and ferries, stations, ports, airports, interchanges, gateways, township
seats and the plan's parks (the same joining as :func:`jmgis.network.build_graph`).  A
seat farther than ``seat_snap_m`` from the user's roads means the network misses the city:
that is an error naming the seats.

The plan's roads (``data/transport/roads.yaml``) are matched to the base
(:func:`match_plan_roads`): a base road whose OSM ``ref`` or name is a plan road's
(``G15``, ``沈海高速``, ``江门大道`` …) and that lies within :data:`MATCH_BUFFER_M` of the
plan's schematic line is tagged with the plan road, its scheme and member (``纵1``).  For
each scenario year, the road projects (under construction, planned, conceptual) that exist
in the year and that the base does not contain are added as schematic links
(:func:`add_plan_roads`).  :func:`plan_match_table` says, per year, what matched, what was
added and what could not be placed (layer ``network_match``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from jmgis.errors import DataError
from jmgis.settings import Settings, current
from jmgis.speeds import SpeedTable

log = logging.getLogger("jmgis.network")

#: A township seat farther than this from the user's roads (metres) means the network
#: does not cover the city (the same 5 km the township profile accepts).
SEAT_SNAP_M = 5000.0

#: A base edge may be a plan road only within this distance (metres) of the plan's
#: schematic line (whose vertices are control points, not surveyed: a few km off).
MATCH_BUFFER_M = 3000.0

#: A vertex of an added plan road joins the nearest base junction within this (metres).
PLAN_JOIN_M = SEAT_SNAP_M

#: Statuses of the plan's roads that are projects (new roads, added when the base lacks them).
PROJECT_STATUSES = ("under_construction", "planned", "conceptual")

OSM_SUFFIXES = (".osm", ".xml", ".pbf", ".osm.pbf", ".osm.xml")


@dataclass
class BaseNetworkReport:
    """What building the base road network did (``G.graph["base_report"]``).

    Lengths in kilometres; counts of nodes and directed edges.
    """

    source: str
    crs: str
    read_nodes: int = 0
    read_edges: int = 0
    outside_nodes: int = 0
    outside_edges: int = 0
    dropped_nodes: int = 0
    dropped_edges: int = 0
    dropped_km: float = 0.0
    merged_nodes: int = 0
    nodes: int = 0
    edges: int = 0
    km: float = 0.0
    buffer_m: float = 0.0

    def summary(self) -> str:
        """A few lines for the terminal."""
        return (
            f"base network {self.source} in {self.crs}: read {self.read_nodes} nodes, "
            f"{self.read_edges} edges; outside the city + {self.buffer_m:g} m: "
            f"{self.outside_nodes} nodes, {self.outside_edges} edges; not in the largest "
            f"strongly connected part (dropped): {self.dropped_nodes} nodes, "
            f"{self.dropped_edges} edges, {self.dropped_km:.1f} km; degree-2 nodes merged: "
            f"{self.merged_nodes}; kept {self.nodes} nodes, {self.edges} edges, "
            f"{self.km:.1f} km"
        )

    def table(self) -> pd.DataFrame:
        """The report as ``item``/``value`` rows (layer ``network_report``)."""
        return pd.DataFrame(
            [{"item": k, "value": str(v)} for k, v in asdict(self).items()],
            columns=["item", "value"],
        )


def is_osm(path: str | Path) -> bool:
    """Whether ``path`` names an OSM extract (by its suffix)."""
    name = Path(path).name.lower()
    return name.endswith(OSM_SUFFIXES)


def load_class_map(path: str | Path | None, speeds: SpeedTable) -> dict[str, str]:
    """The class map: a YAML mapping of the user's class values to jmgis road classes.

    Parameters
    ----------
    path
        The YAML file (``省道: provincial``), or ``None`` for no map.
    speeds
        The speed table whose road classes are the valid targets.

    Returns
    -------
    dict
        User value (as text) → road class.

    Raises
    ------
    DataError
        Not a mapping, or a target that is not a road class of the speed table.
    """
    if path is None:
        return {}
    from jmgis.readers import check_file, read_yaml

    path = check_file(path)
    raw = read_yaml(path)
    if not isinstance(raw, Mapping):
        raise DataError("a class map must be a mapping 'user value: road class'", file=path)
    out: dict[str, str] = {}
    for key, value in raw.items():
        if str(value) not in speeds.road:
            raise DataError(
                f"{value!r} is not a road class; known: {', '.join(sorted(speeds.road))}",
                file=path,
                feature=str(key),
            )
        out[str(key)] = str(value)
    return out


def check_classes(
    frame: pd.DataFrame,
    label: str,
    class_field: str,
    class_map: Mapping[str, str],
    speeds: SpeedTable,
) -> None:
    """Refuse a line layer whose class values are neither mapped nor road classes.

    *All* unknown values are listed at once, each with its count.

    Parameters
    ----------
    frame
        The line layer.
    label
        The file, for the message.
    class_field
        The field holding the class values.
    class_map
        ``{value: road class}`` from the user.
    speeds
        The speed table, whose road classes are accepted as they are.

    Raises
    ------
    DataError
        Naming the file, the field and the unknown values.
    """
    if class_field not in frame.columns:
        fields = [str(c) for c in frame.columns if c != "geometry"]
        raise DataError(
            f"no such field; fields are {', '.join(fields)} (choose with --class-field)",
            file=label,
            field=class_field,
        )
    values = frame[class_field].dropna().astype(str)
    known = set(speeds.road)
    unknown = values[~values.map(lambda v: class_map.get(v, v) in known)]
    if len(unknown):
        counts = unknown.value_counts()
        listed = ", ".join(f"{v!r} ({n}×)" for v, n in counts.items())
        raise DataError(
            f"unknown road class value(s) {listed}; map them to one of "
            f"{', '.join(sorted(known))} with --class-map FILE (YAML 'value: class')",
            file=label,
            field=class_field,
        )


def area_bounds(buffer_m: float) -> tuple[float, float, float, float]:
    """The lon/lat box of the city plus ``buffer_m`` metres (degrees, generous by 10 %)."""
    from jmgis import admin

    x0, y0, x1, y1 = admin.load_city().total_bounds
    dlat = buffer_m * 1.1 / 110_574.0
    dlon = buffer_m * 1.1 / (111_320.0 * np.cos(np.radians(max(abs(y0), abs(y1)))))
    return (x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat)


def network_paths(settings: Settings) -> list[Path]:
    """The files of the user's network: ``settings.network`` then ``network_more``.

    Parameters
    ----------
    settings
        The settings.

    Returns
    -------
    list of pathlib.Path
        The paths, in order (empty without a network).

    Raises
    ------
    DataError
        An OSM extract given with other files (one extract, or line layers only).
    """
    if settings.network is None:
        return []
    paths = [Path(settings.network), *(Path(p) for p in settings.network_more)]
    if len(paths) > 1 and any(is_osm(p) for p in paths):
        raise DataError(
            "an OpenStreetMap extract cannot be joined with other files: give one extract, "
            "or line layers only",
            file=next(p for p in paths if is_osm(p)),
            field="network",
        )
    return paths


def _read_lines(path: Path, box: tuple, settings: Settings, class_field: str,
                class_map: Mapping[str, str], speeds: SpeedTable) -> gpd.GeoDataFrame:
    from jmgis.readers import read_vector

    frame = read_vector(path)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise DataError("the layer has no geometry or no CRS", file=path, field="geometry")
    envelope = gpd.GeoSeries([shapely.box(*box)], crs="EPSG:4326").to_crs(frame.crs).iloc[0]
    frame = frame[frame.geometry.notna() & frame.intersects(envelope)]
    if frame.empty:
        raise DataError(
            f"no line of the layer lies within the city + {settings.network_buffer_m:g} m",
            file=path,
        )
    check_classes(frame, str(path), class_field, class_map, speeds)
    return frame


def _read(settings: Settings, speeds: SpeedTable) -> nx.MultiDiGraph:
    assert settings.network is not None, "checked by base_road_graph"
    paths = network_paths(settings)
    box = area_bounds(settings.network_buffer_m)
    if is_osm(paths[0]):
        from jmgis.network.osm import from_osm

        return from_osm(paths[0], speed_table=speeds, keep_geometry=True, points={}, bbox=box)
    from jmgis.network.user_layers import from_layers

    class_field = settings.network_class_field or "road_class"
    class_map = load_class_map(settings.network_class_map, speeds)
    frames = [_read_lines(p, box, settings, class_field, class_map, speeds) for p in paths]
    # one CRS for all (each layer keeps its own until here); the fields each layer lacks
    # (a name, a speed) are empty in its rows
    frames = [f.to_crs(frames[0].crs) for f in frames]
    frame = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), crs=frames[0].crs
    )
    if "name" in frame.columns:
        frame = frame.assign(name=frame["name"].fillna(""))
    return from_layers(
        [frame],
        class_field=class_field,
        speed_table=speeds,
        class_map=class_map,
        speed_field=settings.network_speed_field,
        oneway_field=settings.network_oneway_field,
        name_field="name" if "name" in frame.columns else None,
        points={},
    )


def _total_km(G: nx.MultiDiGraph, edges: Sequence | None = None) -> float:
    data = G.edges(data="length_m") if edges is None else edges
    return float(sum(length or 0.0 for *_, length in data)) / 1000.0


def clip_to_area(G: nx.MultiDiGraph, area: shapely.Geometry) -> tuple[int, int]:
    """Remove the nodes outside ``area`` (analysis CRS) with their edges, in place.

    Parameters
    ----------
    G
        The graph (changed in place).
    area
        The area to keep (analysis CRS).

    Returns
    -------
    (nodes, edges)
        How many were removed.
    """
    ids = list(G.nodes)
    xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in ids], dtype=float)
    shapely.prepare(area)
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    outside = [n for n, ok in zip(ids, inside, strict=True) if not ok]
    before = G.number_of_edges()
    G.remove_nodes_from(outside)
    return len(outside), before - G.number_of_edges()


def keep_largest_strong_component(G: nx.MultiDiGraph) -> tuple[int, int, float]:
    """Keep only the largest strongly connected part of ``G``, in place.

    Returns
    -------
    (nodes, edges, km)
        What was dropped (kilometres of directed edges).
    """
    ids = list(G.nodes)
    if not ids:
        return 0, 0, 0.0
    index = {n: i for i, n in enumerate(ids)}
    uv = np.array([(index[u], index[v]) for u, v in G.edges()], dtype=np.int64).reshape(-1, 2)
    adj = coo_matrix((np.ones(len(uv)), (uv[:, 0], uv[:, 1])), shape=(len(ids), len(ids)))
    _, labels = connected_components(adj.tocsr(), directed=True, connection="strong")
    largest = np.bincount(labels).argmax()
    dropped = [n for n, lab in zip(ids, labels, strict=True) if lab != largest]
    gone = set(dropped)
    edges = list(G.edges(dropped, data="length_m"))
    edges += [e for e in G.in_edges(dropped, data="length_m") if e[0] not in gone]
    G.remove_nodes_from(dropped)
    return len(dropped), len(edges), _total_km(G, edges)


def edge_line(G: nx.MultiDiGraph, u: str, v: str, data: dict) -> np.ndarray:
    """Coordinates of an edge from ``u`` to ``v`` (analysis CRS, metres).

    Along the edge's ``geometry`` when it has one — cut to the part between ``u`` and
    ``v`` when the edge is a piece of a split line (a point was joined to it) — else
    straight between the nodes.

    Parameters
    ----------
    G
        The graph (node ``x``/``y`` in the analysis CRS).
    u, v
        The edge's end nodes.
    data
        The edge's attributes (``geometry`` optional).

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates from ``u`` to ``v``.
    """
    pu = np.array([G.nodes[u]["x"], G.nodes[u]["y"]])
    pv = np.array([G.nodes[v]["x"], G.nodes[v]["y"]])
    geom = data.get("geometry")
    if geom is None:
        return np.array([pu, pv])
    coords = np.asarray(geom.coords)
    if np.hypot(*(coords[0] - pu)) > np.hypot(*(coords[-1] - pu)):
        coords = coords[::-1]
    if np.hypot(*(coords[0] - pu)) > 1.0 or np.hypot(*(coords[-1] - pv)) > 1.0:
        line = shapely.LineString(coords)
        a = line.project(shapely.Point(pu))
        b = line.project(shapely.Point(pv))
        piece = shapely.ops.substring(line, a, b) if a != b else None
        if piece is None or piece.geom_type != "LineString":
            return np.array([pu, pv])
        coords = np.asarray(piece.coords)
        coords[0], coords[-1] = pu, pv
    return coords


_line = edge_line


def _only(G: nx.MultiDiGraph, u: str, v: str) -> dict | None:
    data = G.get_edge_data(u, v)
    if not data or len(data) != 1:
        return None
    return next(iter(data.values()))


def merge_degree_two(G: nx.MultiDiGraph) -> int:
    """Merge every junction that only continues one road into the edge through it, in place.

    A junction ``n`` between neighbours ``a`` and ``b`` (``a ≠ b``) is merged when its
    edges are exactly ``a→n, n→b`` (and ``b→n, n→a`` for a two-way road, or one direction
    only), all road edges of one road class.  The merged edge sums ``length_m`` and
    ``travel_time_s`` (so times are unchanged), its ``speed_kph`` is their ratio, its
    ``geometry`` the joined lines; different names are joined with ``；``.

    Returns
    -------
    int
        The number of junctions removed.
    """
    merged = 0
    for n in list(G.nodes):
        if G.nodes[n].get("kind") != "junction":
            continue
        nbrs = set(G.predecessors(n)) | set(G.successors(n))
        nbrs.discard(n)
        if len(nbrs) != 2 or G.degree(n) not in (2, 4):
            continue
        a, b = sorted(nbrs)
        chains: list[tuple[str, str, dict, dict]] = []
        one_sided = False
        for x, y in ((a, b), (b, a)):
            first, second = _only(G, x, n), _only(G, n, y)
            if first is None and second is None:
                continue
            if first is None or second is None:
                one_sided = True
                break
            chains.append((x, y, first, second))
        if one_sided or not chains or sum(2 for _ in chains) != G.degree(n):
            continue
        datas = [d for *_, f, s in chains for d in (f, s)]
        if any(d.get("mode") != "road" for d in datas):
            continue
        if len({d.get("road_class") for d in datas}) != 1:
            continue
        for x, y, first, second in chains:
            length = first["length_m"] + second["length_m"]
            time = first["travel_time_s"] + second["travel_time_s"]
            names = [first.get("name") or "", second.get("name") or ""]
            name = names[0] if names[0] == names[1] or not names[1] else "；".join(
                [t for t in names if t]
            )
            coords = np.vstack([_line(G, x, n, first), _line(G, n, y, second)[1:]])
            data = {
                **first,
                "length_m": length,
                "travel_time_s": time,
                "speed_kph": length / time * 3.6 if time > 0 else first.get("speed_kph"),
                "name": name,
                "geometry": shapely.LineString(coords),
            }
            G.add_edge(x, y, **data)
        G.remove_node(n)
        merged += 1
    return merged


def _city_area(crs: str, buffer_m: float) -> shapely.Geometry:
    from jmgis import admin

    city = admin.load_city().to_crs(crs).union_all()
    return shapely.buffer(city, buffer_m)


def _build_base(settings: Settings) -> nx.MultiDiGraph:
    speeds = SpeedTable.coerce(settings.speeds)
    G = _read(settings, speeds)
    paths = network_paths(settings)
    kind = (
        "OpenStreetMap extract" if is_osm(paths[0])
        else "user road layer" if len(paths) == 1 else "user road layers"
    )
    report = BaseNetworkReport(
        source=f"{kind} {', '.join(p.name for p in paths)}",
        crs=G.graph["crs"],
        read_nodes=G.number_of_nodes(),
        read_edges=G.number_of_edges(),
        buffer_m=settings.network_buffer_m,
    )
    report.outside_nodes, report.outside_edges = clip_to_area(
        G, _city_area(G.graph["crs"], settings.network_buffer_m)
    )
    if G.number_of_edges() == 0:
        raise DataError(
            f"no road of the network lies within the city + {settings.network_buffer_m:g} m "
            "(is it an extract of Jiangmen? raise --network-buffer to keep more)",
            file=settings.network,
        )
    report.dropped_nodes, report.dropped_edges, report.dropped_km = (
        keep_largest_strong_component(G)
    )
    report.merged_nodes = merge_degree_two(G)
    G.graph["plan_match"] = match_plan_roads(G)
    report.nodes, report.edges, report.km = G.number_of_nodes(), G.number_of_edges(), _total_km(G)
    G.graph["base_report"] = report
    log.info("%s", report.summary())
    return G


_BASE: dict[tuple, nx.MultiDiGraph] = {}
_USER: dict[tuple, nx.MultiDiGraph] = {}
_CACHED = 4


def _stamp(path: Path | None) -> int:
    try:
        return path.stat().st_mtime_ns if path is not None else 0
    except OSError:
        return 0


def _key(settings: Settings) -> tuple:
    """What the base network depends on (not the output folders)."""
    return (
        settings.network,
        _stamp(settings.network),
        tuple((p, _stamp(p)) for p in settings.network_more),
        settings.network_class_field,
        settings.network_class_map,
        _stamp(settings.network_class_map),
        settings.network_speed_field,
        settings.network_oneway_field,
        settings.network_buffer_m,
        settings.speeds,
        _stamp(settings.speeds),
        settings.analysis_crs,
        settings.data_dir,
    )


def _remember(cache: dict, key: tuple, value: nx.MultiDiGraph) -> nx.MultiDiGraph:
    cache[key] = value
    while len(cache) > _CACHED:
        cache.pop(next(iter(cache)))
    return value


def base_road_graph(settings: Settings | None = None) -> nx.MultiDiGraph:
    """The base road graph of ``settings.network``, built once per file version.

    It is clipped, reduced to its largest strongly connected part and degree-2 merged.
    Do not modify it.

    Parameters
    ----------
    settings
        The settings (default: those in effect); ``settings.network`` must be set.

    Returns
    -------
    networkx.MultiDiGraph
        Road edges only; ``G.graph["base_report"]`` is the :class:`BaseNetworkReport`.
    """
    settings = settings or current()
    if settings.network is None:
        raise DataError("no network file given (--network PATH)", field="network")
    key = _key(settings)
    if key not in _BASE:
        _remember(_BASE, key, _build_base(settings))
    return _BASE[key]


def user_graph(
    year: int,
    settings: Settings | None = None,
) -> nx.MultiDiGraph:
    """:func:`build_user_graph` with the defaults, built once per year and file version.

    This is the graph the build's steps share; do not modify it.

    Parameters
    ----------
    year
        Scenario year (2020–2035).
    settings
        The settings (default: those in effect).

    Returns
    -------
    networkx.MultiDiGraph
        The shared graph of :func:`build_user_graph`.
    """
    settings = settings or current()
    key = (int(year), *_key(settings))
    if key not in _USER:
        _remember(_USER, key, build_user_graph(int(year), settings))
    return _USER[key]


def build_user_graph(
    year: int,
    settings: Settings | None = None,
    *,
    modes: Sequence[str] = ("road", "rail", "ferry"),
    points: Mapping[str, gpd.GeoDataFrame] | None = None,
    seat_snap_m: float = SEAT_SNAP_M,
) -> nx.MultiDiGraph:
    """The multimodal graph of ``year`` on the user's road network (network contract).

    Parameters
    ----------
    year
        Scenario year (2020–2035).
    settings
        The settings (default: those in effect).
    modes
        Any of ``road``, ``rail``, ``ferry`` (rail and ferries from the bundled data).
    points
        Extra points to connect, ``{kind: frame}`` (default: the plan's located parks).
    seat_snap_m
        A township seat farther than this from the user's roads (metres) is an error.

    Returns
    -------
    networkx.MultiDiGraph
        The multimodal graph of ``year``; ``G.graph["base_report"]`` describes its roads.

    Raises
    ------
    DataError
        Naming the seats the network does not reach.
    """
    from jmgis import admin, transport
    from jmgis.network.build import POINT_LAYERS, _located_parks, assemble_graph

    settings = settings or current()
    year = transport.check_year(year)
    base = base_road_graph(settings)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in ("rail", *POINT_LAYERS, "ferry"):
        try:
            frame = transport.load(name)
        except (KeyError, FileNotFoundError):
            continue
        if "status" in frame.columns or "open_year" in frame.columns:
            frame = frame[transport.exists_in(frame, year)]
        layers[name] = frame
    own = user_transit(base)
    layers.update(own)
    G = assemble_graph(
        layers,
        admin.load_seats(),
        year=year,
        modes=modes,
        speeds=SpeedTable.coerce(settings.speeds),
        crs=base.graph["crs"],
        land=admin.load_city().union_all(),
        points={"park": _located_parks()} if points is None else points,
        base_roads=base,
    )
    G.graph["base_report"] = base.graph["base_report"]
    G.graph["source"] = str(settings.network)
    G.graph["transit_source"] = {
        name: "user" if name in own else "bundled" for name in ("rail", "station", "ferry")
    }
    if "station" in own:
        G.graph["station_table"] = pd.DataFrame(own["station"].drop(columns="geometry")).set_index(
            "station_id"
        )
    # the year's road projects that the base does not contain, as schematic links
    found = base.graph.get("plan_match", {})
    roads = _plan_roads(G.graph["crs"])
    if "status" in roads.columns:
        roads = roads[transport.exists_in(roads, year)]
        new = roads["status"].isin(PROJECT_STATUSES) & ~roads["road_id"].isin(list(found))
        projects = roads[new]
    else:
        projects = roads.iloc[:0]
    added = add_plan_roads(G, projects, SpeedTable.coerce(settings.speeds))
    G.graph["plan_match_table"] = plan_match_table(year, base, added)
    log.info("%s", match_summary(G.graph["plan_match_table"]))
    far = [s for s in G.graph["report"].snaps if s.kind == "seat" and s.snap_m > seat_snap_m]
    if far:
        listed = ", ".join(f"{s.name} ({s.snap_m / 1000:.1f} km)" for s in far[:20])
        raise DataError(
            f"the network misses the city: {len(far)} township seat(s) farther than "
            f"{seat_snap_m / 1000:g} km from its roads: {listed}",
            file=settings.network,
            field="seat",
        )
    return G


def user_transit(base: nx.MultiDiGraph) -> dict[str, gpd.GeoDataFrame]:
    """The rail (with its stations) and ferries of the user's OSM extract, when it has them.

    Rail replaces the bundled rail and stations only when the extract has both lines and
    named stations; ferries replace the bundled ferries when it has any
    (:func:`jmgis.network.osm.transit_layers`).  Each station gets the ``kind`` of the
    fastest line within the stop tolerance of :func:`jmgis.network.rail.add_rail`
    (``hsr`` > ``intercity`` > ``conventional`` > ``urban``) and the ``township_code`` of
    the township it lies in (``outside`` elsewhere), as the bundled stations have.

    Parameters
    ----------
    base
        The base road graph (``base.graph["osm_transit"]`` from the OSM reader).

    Returns
    -------
    dict
        Any of ``rail``, ``station`` and ``ferry`` (EPSG:4326 frames); empty for a line
        layer or an extract without them.
    """
    from jmgis import admin
    from jmgis.network.rail import DEFAULT_STATION_TOLERANCE_M

    found = base.graph.get("osm_transit") or {}
    out: dict[str, gpd.GeoDataFrame] = {}
    if "ferry" in found:
        out["ferry"] = found["ferry"]
    if "rail" in found and "station" in found:
        crs = base.graph["crs"]
        rail = found["rail"].to_crs(crs)
        stations = found["station"].copy()
        xy = stations.to_crs(crs).geometry
        rank = ("urban", "conventional", "intercity", "hsr")
        kinds = []
        for point in xy:
            near = rail.loc[rail.distance(point) <= DEFAULT_STATION_TOLERANCE_M, "kind"]
            kinds.append(max(near, key=rank.index) if len(near) else None)
        stations["kind"] = [k or old for k, old in zip(kinds, stations["kind"], strict=True)]
        towns = admin.load_townships()[["code", "geometry"]].to_crs(stations.crs)
        joined = gpd.sjoin(stations, towns, how="left", predicate="within")
        joined = joined[~joined.index.duplicated()]
        stations["township_code"] = joined["code"].fillna("outside").astype(str).to_numpy()
        out["rail"], out["station"] = found["rail"], stations
    return out


def network_layers(G: nx.MultiDiGraph) -> dict[str, pd.DataFrame]:
    """The base road network as GeoPackage layers (EPSG:4490).

    Parameters
    ----------
    G
        The base road graph (:func:`base_road_graph`) or a graph built on it.

    Returns
    -------
    dict
        ``base_network_node`` (points), ``base_network_edge`` (lines, one row per link: a two-way
        road once, ``oneway`` 0) and ``network_report`` (the :class:`BaseNetworkReport`).
    """
    from jmgis.crs import STORAGE_CRS

    crs = G.graph["crs"]
    source = str(G.graph.get("base_report").source if G.graph.get("base_report") else "")
    ids = list(G.nodes)
    nodes = gpd.GeoDataFrame(
        {
            "node_id": ids,
            "kind": [G.nodes[n].get("kind") for n in ids],
            "ref": [G.nodes[n].get("ref") for n in ids],
            "name": [G.nodes[n].get("name") or "" for n in ids],
            "source": source,
        },
        geometry=shapely.points([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in ids]),
        crs=crs,
    ).to_crs(STORAGE_CRS)
    rows, geoms, seen = [], [], set()
    for u, v, d in G.edges(data=True):
        if d.get("mode") != "road":
            continue
        if (v, u, d.get("feature_id"), round(d["length_m"], 3)) in seen:
            continue
        two_way = any(
            e.get("feature_id") == d.get("feature_id")
            and abs(e["length_m"] - d["length_m"]) < 1e-3
            for e in (G.get_edge_data(v, u) or {}).values()
        )
        seen.add((u, v, d.get("feature_id"), round(d["length_m"], 3)))
        rows.append(
            {
                "u": u,
                "v": v,
                "feature_id": d.get("feature_id"),
                "name": d.get("name") or "",
                "road_class": d.get("road_class"),
                "oneway": 0 if two_way else 1,
                "length_m": float(d["length_m"]),
                "speed_kph": float(d["speed_kph"]) if d.get("speed_kph") else None,
                "travel_time_s": float(d["travel_time_s"]),
                "plan_road_id": d.get("plan_road_id") or "",
                "scheme": d.get("scheme") or "",
                "scheme_member": d.get("scheme_member") or "",
                "geometry_quality": d.get("geometry_quality") or "derived",
                "source": source,
            }
        )
        geoms.append(shapely.LineString(_line(G, u, v, d)))
    edges = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs).to_crs(STORAGE_CRS)
    report = G.graph.get("base_report")
    out: dict[str, pd.DataFrame] = {"base_network_node": nodes, "base_network_edge": edges}
    if report is not None:
        out["network_report"] = report.table()
    return out


# --- the plan's roads on the user's base ------------------------------------------------

# road words that end a road's name (the shortest prefix ending in one is its core name)
_ROAD_WORD = re.compile(r"^.+?(?:高速公路|高速|快速路|大道|公路|通道|大桥|隧道|路|街)")
# what may follow a plan road's name in the base's name: a direction or a part
_SUFFIX = re.compile(r"^[东西南北中]{0,2}(?:段|线|路)?$")
_BRANCH = ("支线", "连接线")
_SPLIT = re.compile(r"[;；/,，、\s]+")
_REF = re.compile(r"^[A-Z]{1,2}\d{1,4}$")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).upper()


def plan_road_keys(name: object, ref: object) -> tuple[set[str], set[str]]:
    """The refs and the core names by which a plan road is found in a base network.

    Parameters
    ----------
    name
        The plan's name (``沈海高速（佛开高速江门段）``, ``东堤路-连海路``).
    ref
        The route number (``G15``) or nothing.

    Returns
    -------
    (refs, names)
        ``({"G15"}, {"沈海高速", "佛开高速"})``: refs upper-case; each name cut after its
        first road word (高速, 大道, 路 …), so ``江门段`` or ``开平至台山段`` do not count;
        a branch or link (``…支线``, ``…连接线``) keeps its whole name.
    """
    refs = {_norm(r) for r in _SPLIT.split(str(ref or "")) if _REF.match(_norm(r))}
    names: set[str] = set()
    text = str(name or "")
    main, *rest = re.split(r"[（(]", text)
    parts = [main] + [re.sub(r"[）)].*$", "", r) for r in rest]
    for part in parts:
        for piece in re.split(r"[-—－及]", part):
            piece = _norm(piece)
            m = _ROAD_WORD.match(piece)
            if piece.endswith(_BRANCH):
                names.add(piece)  # a branch or link road is not the road it leaves
            elif m:
                names.add(m.group(0))
    return refs, names


def edge_keys(data: Mapping) -> tuple[set[str], set[str]]:
    """The refs and names of a base edge (its ``ref`` and the parts of its ``name``).

    Parameters
    ----------
    data
        Edge attributes (``name`` as ``名称（G15）`` or ``名称；名称``, optional ``ref``).

    Returns
    -------
    (refs, names)
        Upper-case refs and the name parts.
    """
    refs: set[str] = set()
    names: set[str] = set()
    for text in (data.get("name") or "", data.get("ref") or ""):
        for part in re.split(r"[;；/,，、（）()\s]+", str(text)):
            part = _norm(part)
            if not part:
                continue
            (refs if _REF.match(part) else names).add(part)
    return refs, names


def _name_matches(base_name: str, plan_name: str) -> bool:
    return base_name.startswith(plan_name) and bool(_SUFFIX.match(base_name[len(plan_name) :]))


def _schemes(value: object) -> tuple[str, str]:
    """``六纵六横两联一展望:纵1`` → (scheme, member); several joined with ``；``."""
    if not isinstance(value, str) or not value.strip():
        return "", ""
    schemes, members = [], []
    for item in (v.strip() for v in value.split(",") if v.strip()):
        scheme, _, member = item.rpartition(":")
        schemes.append(scheme)
        members.append(member)
    return "；".join(dict.fromkeys(schemes)), "；".join(members)


def _plan_roads(crs: str) -> gpd.GeoDataFrame:
    from jmgis import transport

    try:
        roads = transport.load("road")
    except (KeyError, FileNotFoundError):
        return gpd.GeoDataFrame({"road_id": []}, geometry=[], crs=crs)
    return roads[roads.geometry.notna() & ~roads.geometry.is_empty].to_crs(crs)


def _edge_geometry(G: nx.MultiDiGraph, u: str, v: str, d: dict) -> shapely.Geometry:
    return shapely.LineString(_line(G, u, v, d))


def match_plan_roads(
    G: nx.MultiDiGraph,
    roads: gpd.GeoDataFrame | None = None,
    *,
    buffer_m: float = MATCH_BUFFER_M,
) -> dict[str, dict]:
    """Find the plan's roads in a base road graph and tag its edges, in place.

    A base edge is a plan road when one of its refs is the plan road's ref, or one of its
    name parts is a core name of the plan road (:func:`plan_road_keys`; a direction or
    part may follow: ``江门大道中``), and the middle of the edge lies within ``buffer_m`` of
    the plan's schematic line.  An edge two plan roads claim goes to the nearer line.
    Matched edges get ``plan_road_id``, ``scheme`` and ``scheme_member`` (``纵1``).

    Parameters
    ----------
    G
        The base road graph (analysis CRS), changed in place.
    roads
        The plan's roads (default: the bundled road layer, ``data/transport/roads.yaml``).
    buffer_m
        Largest distance of a matching edge from the plan line (metres).

    Returns
    -------
    dict
        ``road_id`` → ``{"edges": n, "km": km of the matched links (a two-way road
        once), "by": "ref G15; name 沈海高速"}`` for every plan road with a match.
    """
    roads = _plan_roads(G.graph["crs"]) if roads is None else roads.to_crs(G.graph["crs"])
    by_ref: dict[str, list[int]] = {}
    by_name: list[tuple[str, int]] = []
    keys = []
    for i, (name, ref) in enumerate(zip(roads.get("name", []), roads.get("ref", []))):
        refs, names = plan_road_keys(name, ref if isinstance(ref, str) else None)
        keys.append((refs, names))
        for r in refs:
            by_ref.setdefault(r, []).append(i)
        by_name.extend((n, i) for n in names)
    lines = list(roads.geometry)
    ids = [str(r) for r in roads.get("road_id", [])]
    claims: dict[tuple, tuple[float, int, str]] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        if d.get("mode", "road") != "road":
            continue
        erefs, enames = edge_keys(d)
        if not erefs and not enames:
            continue
        cands: dict[int, str] = {}
        for r in erefs:
            for i in by_ref.get(r, ()):
                cands[i] = f"ref {r}"
        for plan_name, i in by_name:
            if i not in cands and any(_name_matches(n, plan_name) for n in enames):
                cands[i] = f"name {plan_name}"
        if not cands:
            continue
        mid = _edge_geometry(G, u, v, d).interpolate(0.5, normalized=True)
        best = min(((lines[i].distance(mid), i, how) for i, how in cands.items()), default=None)
        if best is not None and best[0] <= buffer_m:
            claims[(u, v, k)] = best
    found: dict[str, dict] = {}
    seen: set[tuple] = set()
    for (u, v, k), (_, i, how) in claims.items():
        d = G.edges[u, v, k]
        scheme, member = _schemes(roads["schemes"].iloc[i] if "schemes" in roads else None)
        d["plan_road_id"], d["scheme"], d["scheme_member"] = ids[i], scheme, member
        entry = found.setdefault(ids[i], {"edges": 0, "km": 0.0, "by": set()})
        entry["edges"] += 1
        entry["by"].add(how)
        link = (min(u, v), max(u, v), d.get("feature_id"), round(d["length_m"], 1))
        if link not in seen:
            seen.add(link)
            entry["km"] += d["length_m"] / 1000.0
    for entry in found.values():
        entry["by"] = "; ".join(sorted(entry["by"]))
    return found


def add_plan_roads(
    G: nx.MultiDiGraph,
    roads: gpd.GeoDataFrame,
    speeds: SpeedTable,
    *,
    join_m: float = PLAN_JOIN_M,
) -> dict[str, str]:
    """Add plan roads to a graph as schematic links joined to its road junctions, in place.

    Each road becomes a chain of two-way links through the vertices of its schematic line
    (lengths × the table's ``schematic_circuity``, the road class's speed or the road's own
    ``speed_kph``); each vertex within ``join_m`` of a junction of ``G`` joins the nearest
    one by a ``local`` road link.  The links carry ``geometry_quality='schematic'``,
    ``status``, ``open_year``, ``plan_road_id``, ``scheme`` and ``scheme_member``.

    Parameters
    ----------
    G
        The graph (analysis CRS), changed in place.
    roads
        The plan roads to add (any CRS), with ``road_id``, ``name``, ``road_class``.
    speeds
        The speed table (km/h).
    join_m
        Largest join distance (metres).

    Returns
    -------
    dict
        ``road_id`` → ``"added"`` or, for a road not added, the reason.
    """
    from scipy.spatial import cKDTree

    from jmgis.network.graph import add_node

    out: dict[str, str] = {}
    if roads.empty:
        return out
    roads = roads.to_crs(G.graph["crs"])
    junctions = [
        n for n, nd in G.nodes(data=True)
        if nd.get("kind") == "junction" and not str(n).startswith("plan:")
    ]
    if not junctions:
        return {str(r): "the base has no road junction to join" for r in roads["road_id"]}
    tree = cKDTree([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in junctions])
    local = speeds.road_speed("local")
    for _, road in roads.iterrows():
        rid = str(road["road_id"])
        geom = road.geometry
        coords = np.asarray(geom.coords) if geom.geom_type == "LineString" else None
        if coords is None or len(coords) < 2:
            out[rid] = "its schematic line has fewer than two points"
            continue
        dist, near = tree.query(coords)
        if not (dist <= join_m).any():
            out[rid] = (
                f"no point of its line within {join_m / 1000:g} km of the base roads "
                f"(nearest {dist.min() / 1000:.1f} km)"
            )
            continue
        own = pd.to_numeric(pd.Series([road.get("speed_kph")]), errors="coerce").iloc[0]
        kph = float(own) if np.isfinite(own) and own > 0 else speeds.road_speed(
            str(road["road_class"]), feature=rid
        )
        scheme, member = _schemes(road.get("schemes"))
        open_year = road.get("open_year")
        tags = {
            "geometry_quality": "schematic",
            "status": str(road.get("status") or ""),
            "open_year": None if pd.isna(open_year) else int(open_year),
            "plan_road_id": rid,
            "scheme": scheme,
            "scheme_member": member,
            "source": str(road.get("source") or ""),
        }
        names = [f"plan:{rid}:{i}" for i in range(len(coords))]
        for n, (x, y) in zip(names, coords, strict=True):
            add_node(G, n, float(x), float(y), kind="junction", ref=rid,
                     name=str(road.get("name") or ""))
        for i in range(len(coords) - 1):
            line = shapely.LineString(coords[i : i + 2])
            length = line.length * speeds.schematic_circuity
            if length <= 0:
                continue
            _add_two_way(G, names[i], names[i + 1], length, kph, rid, str(road.get("name") or ""),
                         str(road["road_class"]), line, tags)
        joined = 0
        for n, d_m, j in zip(names, dist, near, strict=True):
            if d_m > join_m:
                continue
            target = junctions[int(j)]
            line = shapely.LineString([(G.nodes[n]["x"], G.nodes[n]["y"]),
                                       (G.nodes[target]["x"], G.nodes[target]["y"])])
            _add_two_way(G, n, target, max(float(d_m), 1.0), local, f"{rid}:join",
                         "", "local", line, {**tags, "scheme": "", "scheme_member": ""})
            joined += 1
        out[rid] = (
            f"added: {len(coords) - 1} schematic link(s); {joined} of {len(coords)} points "
            f"joined to the nearest base junction (farthest "
            f"{max(float(x) for x in dist if x <= join_m) / 1000:.1f} km)"
        )
    return out


def _add_two_way(
    G: nx.MultiDiGraph, u: str, v: str, length: float, kph: float, fid: str, name: str,
    road_class: str, line: shapely.LineString, tags: dict,
) -> None:
    from jmgis.network.graph import add_link

    add_link(G, u, v, length_m=length, speed_kph=kph, mode="road", feature_id=fid, name=name,
             oneway=0, road_class=road_class, geometry=line, **tags)


def plan_match_table(
    year: int,
    base: nx.MultiDiGraph,
    added: Mapping[str, str],
    roads: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """What became of each plan road of ``year`` on the user's base (layer ``network_match``).

    Parameters
    ----------
    year
        Scenario year.
    base
        The base road graph with ``base.graph["plan_match"]`` (:func:`match_plan_roads`).
    added
        What :func:`add_plan_roads` said for the year's projects.
    roads
        The plan's roads (default: the bundled road layer).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per plan road existing in ``year``: ``year``, ``road_id``, ``name``,
        ``ref``, ``plan_status``, ``scheme``, ``scheme_member``, ``status`` (matched, added,
        unplaced), ``edges``, ``km`` (matched kilometres), ``reason``, the plan's schematic
        line (EPSG:4490), ``geometry_quality`` and ``source``.
    """
    from jmgis import transport
    from jmgis.crs import STORAGE_CRS

    roads = _plan_roads(STORAGE_CRS) if roads is None else roads.to_crs(STORAGE_CRS)
    if "status" in roads.columns:
        roads = roads[transport.exists_in(roads, year)]
    found = base.graph.get("plan_match", {})
    rows = []
    for _, road in roads.iterrows():
        rid = str(road["road_id"])
        scheme, member = _schemes(road.get("schemes"))
        hit = found.get(rid)
        plan_status = str(road.get("status") or "")
        if hit:
            status = "matched"
            reason = (
                f"{hit['edges']} base edge(s), {hit['km']:.1f} km, by {hit['by']} within "
                f"{MATCH_BUFFER_M / 1000:g} km of the plan line"
            )
        elif rid in added and added[rid].startswith("added"):
            status, reason = "added", added[rid]
        elif rid in added:
            status, reason = "unplaced", added[rid]
        else:
            refs, names = plan_road_keys(road.get("name"), road.get("ref"))
            keys = ", ".join(sorted(refs) + sorted(names)) or "no ref or road name"
            reason = (
                f"not found in the base (by {keys} within {MATCH_BUFFER_M / 1000:g} km); "
                f"not added: only projects are, a {plan_status.replace('_', ' ')} road is "
                "taken to be in the base under another name or not at all"
            )
            status = "unplaced"
        rows.append(
            {
                "year": int(year),
                "road_id": rid,
                "name": str(road.get("name") or ""),
                "ref": road.get("ref") if isinstance(road.get("ref"), str) else "",
                "plan_status": plan_status,
                "scheme": scheme,
                "scheme_member": member,
                "status": status,
                "edges": int(hit["edges"]) if hit else 0,
                "km": float(hit["km"]) if hit else 0.0,
                "reason": reason,
                "geometry_quality": str(road.get("geometry_quality") or "schematic"),
                "source": str(road.get("source") or ""),
            }
        )
    columns = ["year", "road_id", "name", "ref", "plan_status", "scheme", "scheme_member",
               "status", "edges", "km", "reason", "geometry_quality", "source"]
    frame = pd.DataFrame(rows, columns=columns)
    return gpd.GeoDataFrame(frame, geometry=list(roads.geometry), crs=STORAGE_CRS)


def match_summary(table: pd.DataFrame) -> str:
    """One line per year: how many plan roads matched, were added, could not be placed."""
    lines = []
    for year, rows in table.groupby("year"):
        counts = rows["status"].value_counts()
        unplaced = rows.loc[rows["status"] == "unplaced", "name"].tolist()
        listed = "、".join(unplaced[:8]) + (" …" if len(unplaced) > 8 else "")
        lines.append(
            f"plan roads on the base network, {year}: {counts.get('matched', 0)} matched, "
            f"{counts.get('added', 0)} added as schematic links, "
            f"{counts.get('unplaced', 0)} not placed"
            + (f" ({listed})" if unplaced else "")
        )
    return "\n".join(lines)


def match_layers(years: Sequence[int], settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """The layer ``network_match`` for the scenario years (the match report of each year).

    Parameters
    ----------
    years
        Scenario years.
    settings
        The settings (default: those in effect); ``settings.network`` must be set.

    Returns
    -------
    dict
        ``{"network_match": frame}``, one row per year and plan road.
    """
    settings = settings or current()
    frames = [user_graph(int(y), settings).graph["plan_match_table"] for y in sorted(set(years))]
    return {"network_match": gpd.GeoDataFrame(pd.concat(frames, ignore_index=True),
                                              crs=frames[0].crs)}
