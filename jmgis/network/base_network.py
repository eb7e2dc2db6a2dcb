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
"""

from __future__ import annotations

import logging
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


def _read(settings: Settings, speeds: SpeedTable) -> nx.MultiDiGraph:
    assert settings.network is not None, "checked by base_road_graph"
    path = Path(settings.network)
    box = area_bounds(settings.network_buffer_m)
    if is_osm(path):
        from jmgis.network.osm import from_osm

        return from_osm(path, speed_table=speeds, keep_geometry=True, points={}, bbox=box)
    from jmgis.network.user_layers import from_layers
    from jmgis.readers import read_vector

    class_field = settings.network_class_field or "road_class"
    class_map = load_class_map(settings.network_class_map, speeds)
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
    assert settings.network is not None, "checked by base_road_graph"
    path = Path(settings.network)
    kind = "OpenStreetMap extract" if is_osm(path) else "user road layer"
    report = BaseNetworkReport(
        source=f"{kind} {path.name}",
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
                "geometry_quality": "derived",
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
