"""``from_osm``: the network contract from an OpenStreetMap extract.

OSM XML (``.osm``, ``.xml``) is parsed with :func:`xml.etree.ElementTree.iterparse`
(streaming, elements cleared as they are read).  PBF (``.osm.pbf``) needs the optional
``osmium`` package (pyosmium, wheels on PyPI: ``pip install osmium``).

Ways with a ``highway`` tag of a driveable kind become roads; their class comes from
:data:`OSM_HIGHWAY_CLASS`, which follows ``china_planning.md`` §3.3 (motorway → expressway,
trunk/primary → national, secondary → provincial, tertiary → county, unclassified/track →
township, residential/service → local, ``*_link`` → ramp).  A way's ``maxspeed`` caps the
class's operating speed (a posted limit is an upper bound, not the speed driven).
``oneway=yes|1|true``, ``oneway=-1|reverse`` and ``junction=roundabout`` make one-way links.
Ways are split into edges at every node shared with another way and at their ends.
Coordinates are WGS84 (OSM), taken as EPSG:4326 and projected to the analysis CRS chosen
by :func:`jmgis.crs.crs_for_data` (EPSG:4547 around Jiangmen, the local UTM zone elsewhere).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Set
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer

from jmgis.crs import crs_for_data
from jmgis.errors import DataError
from jmgis.network.connectors import connect_point_layers
from jmgis.network.graph import add_link, add_node, empty_graph
from jmgis.readers import check_file, plain
from jmgis.speeds import SpeedTable

log = logging.getLogger("jmgis.network")

#: OSM ``highway`` value → jmgis road class (china_planning.md §3.3).
OSM_HIGHWAY_CLASS: dict[str, str] = {
    "motorway": "expressway",
    "trunk": "national",
    "primary": "national",
    "secondary": "provincial",
    "tertiary": "county",
    "unclassified": "township",
    "track": "township",
    "residential": "local",
    "living_street": "local",
    "service": "local",
    "road": "local",
    "motorway_link": "ramp",
    "trunk_link": "ramp",
    "primary_link": "ramp",
    "secondary_link": "ramp",
    "tertiary_link": "ramp",
}

_MPH = 1.609344


def parse_maxspeed(value: str | None) -> float | None:
    """``maxspeed`` in km/h (``"60"``, ``"60 km/h"``, ``"40 mph"``); ``None`` otherwise."""
    if not value:
        return None
    m = re.match(r"^\s*(-?\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$", value.split(";")[0])
    if not m:
        return None
    speed = float(m.group(1))
    return speed * _MPH if m.group(2) == "mph" else speed


def _oneway(tags: dict[str, str]) -> int:
    value = tags.get("oneway", "").strip().lower()
    if value in ("yes", "1", "true"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value == "no":
        return 0
    return 1 if tags.get("junction") in ("roundabout", "circular") else 0


#: Bounds of a plausible posted ``maxspeed`` (km/h).  China's highest legal limit is
#: 120 km/h on expressways (道路交通安全法实施条例 第七十八条); 200 km/h leaves room for
#: any legal sign anywhere and still catches typos such as ``600`` for ``60``.  A limit of
#: 0 or less cannot time a road.
MAXSPEED_KPH = (0.0, 200.0)

# OSM values of maxspeed that are valid but carry no number: the class speed applies.
_SYMBOLIC_MAXSPEED = re.compile(r"^(none|signals|variable|walk|implicit|national|[a-z]{2}:.*)$")


def _add_node(
    nodes: dict[int, tuple[float, float]], path: Path, ident: object, lon: object, lat: object
) -> None:
    try:
        nid = int(str(ident))
    except ValueError:
        raise DataError(
            f"node id {plain(ident)} is not an integer", file=path, feature="node", field="id"
        ) from None
    feature = f"node/{nid}"
    try:
        x, y = float(str(lon)), float(str(lat))
    except ValueError:
        raise DataError(
            f"lat/lon {plain(lat)}/{plain(lon)} are not numbers",
            file=path,
            feature=feature,
            field="lat/lon",
        ) from None
    if not -90.0 <= y <= 90.0:
        raise DataError(f"latitude {y} outside −90…90", file=path, feature=feature, field="lat")
    if not -180.0 <= x <= 180.0:
        raise DataError(f"longitude {x} outside −180…180", file=path, feature=feature, field="lon")
    if nid in nodes:
        raise DataError(
            "duplicate node id (the file holds two nodes with it)",
            file=path,
            feature=feature,
            field="id",
        )
    nodes[nid] = (x, y)


def _way_id(path: Path, ident: object, position: int) -> int:
    try:
        return int(str(ident))
    except ValueError:
        what = "has no id" if ident is None else f"id {plain(ident)} is not an integer"
        raise DataError(
            f"way {what}", file=path, feature=f"way #{position} in the file", field="id"
        ) from None


def _ref(path: Path, wid: int, ref: object) -> int:
    try:
        return int(str(ref))
    except ValueError:
        raise DataError(
            f"node reference {plain(ref)} is not an integer",
            file=path,
            feature=f"way/{wid}",
            field="nd ref",
        ) from None


def checked_maxspeed(value: str | None, path: str | Path, wid: int) -> float | None:
    """``maxspeed`` in km/h, or ``None`` when absent or symbolic (``none``, ``CN:urban``).

    Raises
    ------
    DataError
        A number outside :data:`MAXSPEED_KPH` (≤ 0 or > 200 km/h), or text that is
        neither a number nor a symbolic OSM value.

    Parameters
    ----------
    value : str or None
        The ``maxspeed`` tag.
    path : str or pathlib.Path
        The OSM file (named in errors).
    wid : int
        The way id (named in errors).

    Returns
    -------
    float or None
        Speed (km/h).
    """
    if value is None or not str(value).strip():
        return None
    speed = parse_maxspeed(value)
    if speed is None:
        if _SYMBOLIC_MAXSPEED.match(str(value).strip().lower()):
            return None
        raise DataError(
            f"maxspeed {value!r} is neither a speed (60, '60 km/h', '40 mph') nor an OSM value",
            file=path,
            feature=f"way/{wid}",
            field="maxspeed",
        )
    low, high = MAXSPEED_KPH
    if not low < speed <= high:
        raise DataError(
            f"maxspeed {speed:g} km/h is outside {low:g} < v ≤ {high:g} km/h (China's legal "
            "maximum is 120 km/h): a typo?",
            file=path,
            feature=f"way/{wid}",
            field="maxspeed",
        )
    return speed


def _is_station(tags: dict[str, str]) -> bool:
    return tags.get("railway") in STATION_VALUES or (
        tags.get("public_transport") == "station" and tags.get("train") == "yes"
    )


def _read_xml(path: Path, stations: dict[int, dict[str, str]] | None = None) -> tuple[
    dict[int, tuple[float, float]], list[tuple[int, list, dict]]
]:
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    root_seen = False
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if elem.tag != "osm":
                        raise DataError(
                            f"not an OSM XML file (root element <{elem.tag}>, expected <osm>)",
                            file=path,
                        )
                continue
            if elem.tag == "node":
                _add_node(nodes, path, elem.get("id"), elem.get("lon"), elem.get("lat"))
                if stations is not None and len(elem):
                    tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                    if _is_station(tags):
                        stations[int(str(elem.get("id")))] = tags
                elem.clear()
            elif elem.tag == "way":
                tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                wid = _way_id(path, elem.get("id"), len(ways) + 1)
                refs = [_ref(path, wid, nd.get("ref")) for nd in elem.iter("nd")]
                ways.append((wid, refs, tags))
                elem.clear()
            elif elem.tag == "relation":
                elem.clear()
    except OSError as exc:
        raise DataError(f"cannot read it: {exc.strerror}", file=path) from None
    except ET.ParseError as exc:
        if not root_seen:
            raise DataError(f"empty or not XML ({exc})", file=path) from None
        raise DataError(f"broken OSM XML: {exc}", file=path) from None
    return nodes, ways


def _read_pbf(path: Path, stations: dict[int, dict[str, str]] | None = None) -> tuple[
    dict[int, tuple[float, float]], list[tuple[int, list, dict]]
]:
    try:
        import osmium
    except ImportError:
        raise DataError(
            "reading PBF needs the optional package 'osmium' (pip install osmium), or "
            "convert the file to OSM XML (osmium cat in.osm.pbf -o out.osm)",
            file=path,
        ) from None

    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []

    class Handler(osmium.SimpleHandler):
        def node(self, n):
            valid = n.location.valid()
            lon, lat = (n.location.lon, n.location.lat) if valid else (None, None)
            _add_node(nodes, path, n.id, lon, lat)
            if stations is not None and len(n.tags):
                tags = {t.k: t.v for t in n.tags}
                if _is_station(tags):
                    stations[n.id] = tags

        def way(self, w):
            ways.append((w.id, [nd.ref for nd in w.nodes], {t.k: t.v for t in w.tags}))

    try:
        Handler().apply_file(str(path))
    except RuntimeError as exc:
        raise DataError(f"broken PBF: {exc}", file=path) from None
    return nodes, ways


def from_osm(
    path: str | Path,
    *,
    speed_table: SpeedTable | dict | str | Path | None = None,
    highway_class: dict[str, str] | None = None,
    analysis_crs: Any = None,
    points: dict | None = None,
    keep_geometry: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
) -> nx.MultiDiGraph:
    """Build the network contract from an OSM XML (or PBF) extract.

    Parameters
    ----------
    path
        ``.osm``/``.xml`` (or ``.pbf`` with pyosmium installed).
    speed_table
        Speeds by road class (default table).
    highway_class
        Overrides/additions to :data:`OSM_HIGHWAY_CLASS`.
    analysis_crs
        Metric CRS of the node coordinates.  Default: the CRS rule of
        :func:`jmgis.crs.crs_for_data` — EPSG:4547 where it covers the extract, else the
        local UTM zone; a CRS given here that does not cover the extract is refused.
    points
        Points to connect to the nearest road node, ``{kind: frame}``.
    keep_geometry
        Keep each edge's line (analysis CRS, from ``u`` to ``v`` of the forward edge) as
        the edge attribute ``geometry`` (for the network layers of ``jmgis build``).
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``: keep only the nodes inside (ways are cut
        at its edge); the CRS rule then applies to what is kept.

    Raises
    ------
    DataError
        Missing, empty or broken file; no driveable ways; a way class with no speed.

    Returns
    -------
    networkx.MultiDiGraph
        The graph (analysis CRS; ``length_m``, ``travel_time_s`` on edges).
    """
    path = check_file(path)
    speeds = SpeedTable.coerce(speed_table)
    classes = {**OSM_HIGHWAY_CLASS, **(highway_class or {})}
    reader = _read_pbf if path.name.lower().endswith(".pbf") else _read_xml
    stations: dict[int, dict[str, str]] = {}
    nodes, ways = reader(path, stations)
    roads = [(wid, refs, tags) for wid, refs, tags in ways if tags.get("highway") in classes]
    if not roads:
        raise DataError(
            f"no driveable ways (highway={'|'.join(sorted(classes))}) among {len(ways)} ways",
            file=path,
        )
    missing = 0
    usable: list[tuple[int, list[int], dict]] = []
    inside: Set[int]
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        inside = {k for k, (x, y) in nodes.items() if x0 <= x <= x1 and y0 <= y <= y1}
    else:
        inside = nodes.keys()
    skipped: list[int] = []
    for wid, refs, tags in roads:
        # a way leaving the file (or the box) is cut there: each run of consecutive
        # present nodes is a piece of its own, never a jump across the gap
        runs: list[list[int]] = [[]]
        for r in refs:
            if r in inside:
                runs[-1].append(r)
            else:
                missing += r not in nodes
                if runs[-1]:
                    runs.append([])
        pieces = [run for run in runs if len(run) >= 2]
        if not pieces:
            skipped.append(wid)
        usable.extend((wid, run, tags) for run in pieces)
    if skipped:
        log.warning(
            "%s: %d way(s) with fewer than two nodes in the file%s; skipped: %s",
            path,
            len(skipped),
            " and the box" if bbox is not None else "",
            ", ".join(f"way/{w}" for w in skipped[:10]) + (" …" if len(skipped) > 10 else ""),
        )
    if missing:
        log.warning("%s: %d way node reference(s) not in the file (clipped extract)", path, missing)
    if not usable:
        where = "in the file" if bbox is None else f"in the file within lon/lat {bbox}"
        raise DataError(f"no way has two or more nodes present {where}", file=path)

    used = sorted({r for _, refs, _ in usable for r in refs})
    lonlat = np.array([nodes[r] for r in used])
    bounds = (*lonlat.min(axis=0), *lonlat.max(axis=0))
    crs = crs_for_data(bounds, analysis_crs, what=str(path))
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = to_xy.transform(lonlat[:, 0], lonlat[:, 1])
    xy = dict(zip(used, zip(xs, ys, strict=True), strict=True))
    uses = Counter(r for _, refs, _ in usable for r in refs)
    ends = {r for _, refs, _ in usable for r in (refs[0], refs[-1])}

    G = empty_graph(crs.to_string(), None, ("road",))
    G.graph["osm_missing_nodes"] = missing
    G.graph["source"] = str(path)
    for wid, refs, tags in usable:
        road_class = classes[tags["highway"]]
        speed = speeds.road_speed(road_class, file=path, feature=f"way/{wid}")
        posted = checked_maxspeed(tags.get("maxspeed"), path, wid)
        if posted:
            speed = min(speed, posted)
        name = tags.get("name:zh") or tags.get("name") or ""
        ref = tags.get("ref") or ""
        label = f"{name}（{ref}）" if name and ref else name or ref
        oneway = _oneway(tags)
        start = 0
        for i in range(1, len(refs)):
            if i < len(refs) - 1 and uses[refs[i]] < 2 and refs[i] not in ends:
                continue
            piece = refs[start : i + 1]
            coords = np.array([xy[r] for r in piece])
            length = float(np.hypot(*np.diff(coords, axis=0).T).sum())
            start = i
            if length == 0:
                continue
            u, v = f"osm:{piece[0]}", f"osm:{piece[-1]}"
            for n, r in ((u, piece[0]), (v, piece[-1])):
                if n not in G:
                    add_node(G, n, *xy[r], kind="junction", ref=r)
            add_link(
                G,
                u,
                v,
                length_m=length,
                speed_kph=speed,
                mode="road",
                feature_id=f"way/{wid}",
                name=label,
                oneway=oneway,
                road_class=road_class,
                **({"geometry": shapely.LineString(coords)} if keep_geometry else {}),
            )
    G.graph["snaps"] = connect_point_layers(G, points, speed_kph=speeds.connector_speed_kph)
    G.graph["osm_transit"] = transit_layers(nodes, ways, stations, bbox=bbox, source=str(path))
    return G


#: OSM ``railway`` values of passenger rail lines → jmgis rail kind (``highspeed=yes`` on a
#: ``rail`` way makes it ``hsr``).  Sidings, yards and spurs (``service=*``) carry no trains
#: between stations and are left out.
OSM_RAILWAY_KIND: dict[str, str] = {
    "rail": "conventional",
    "light_rail": "urban",
    "subway": "urban",
}

#: OSM ``railway`` values of a station node.
STATION_VALUES = ("station", "halt")


def _lonlat_line(refs: list[int], nodes: dict[int, tuple[float, float]], inside) -> list:
    runs: list[list[tuple[float, float]]] = [[]]
    for r in refs:
        if r in nodes and inside(nodes[r]):
            runs[-1].append(nodes[r])
        elif runs[-1]:
            runs.append([])
    return [shapely.LineString(run) for run in runs if len(run) >= 2]


def _duration_min(value: str | None) -> float | None:
    """OSM ``duration`` (``mm``, ``hh:mm``, ``hh:mm:ss``) in minutes."""
    if not value:
        return None
    parts = value.strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if len(numbers) == 1:
        return numbers[0]
    return numbers[0] * 60 + numbers[1] + (numbers[2] / 60 if len(numbers) > 2 else 0.0)


def transit_layers(
    nodes: dict[int, tuple[float, float]],
    ways: list[tuple[int, list[int], dict[str, str]]],
    stations: dict[int, dict[str, str]],
    *,
    bbox: tuple[float, float, float, float] | None = None,
    source: str = "",
) -> dict[str, Any]:
    """The rail lines, stations and ferries of an OSM extract (EPSG:4326 frames).

    Rail lines are the passenger ``railway`` ways (:data:`OSM_RAILWAY_KIND`, without
    ``service=*``) merged by ``name`` (each connected piece a line of its own); a
    ``maxspeed`` sets the line's speed (the slowest of its ways, else the kind's speed).
    Stations are the nodes tagged ``railway=station|halt`` (or ``public_transport=station``
    with ``train=yes``) that have a name.  Ferries are the ways tagged ``route=ferry``;
    an OSM ``duration`` gives the crossing time.

    Parameters
    ----------
    nodes
        Node id → (lon, lat).
    ways
        ``(way id, node refs, tags)``.
    stations
        Station node id → tags.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``: keep only what lies inside.
    source
        The file (the ``source`` column).

    Returns
    -------
    dict
        Any of ``rail`` (``line_id``, ``name``, ``kind``, ``speed_kph``), ``station``
        (``station_id``, ``name``, ``kind``) and ``ferry`` (``ferry_id``, ``name``,
        ``crossing_min``), each a GeoDataFrame in EPSG:4326 with ``status`` ``existing``,
        ``geometry_quality`` ``derived`` and ``source``; a kind the extract lacks is absent.
    """
    import geopandas as gpd
    import shapely.ops

    if bbox is None:
        def inside(_xy):
            return True
    else:
        x0, y0, x1, y1 = bbox

        def inside(xy):
            return x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1

    groups: dict[tuple[str, str], list] = {}
    limits: dict[tuple[str, str], list[float]] = {}
    ferries = []
    for wid, refs, tags in ways:
        railway = tags.get("railway")
        if railway in OSM_RAILWAY_KIND and not tags.get("service"):
            kind = "hsr" if tags.get("highspeed") == "yes" else OSM_RAILWAY_KIND[railway]
            key = (tags.get("name:zh") or tags.get("name") or f"way/{wid}", kind)
            lines = _lonlat_line(refs, nodes, inside)
            groups.setdefault(key, []).extend(lines)
            posted = parse_maxspeed(tags.get("maxspeed"))
            if posted and posted > 0 and lines:
                limits.setdefault(key, []).append(posted)
        elif tags.get("route") == "ferry":
            for k, line in enumerate(_lonlat_line(refs, nodes, inside)):
                ferries.append(
                    {
                        "ferry_id": f"osm:way/{wid}" + (f":{k}" if k else ""),
                        "name": tags.get("name:zh") or tags.get("name") or f"way/{wid}",
                        "crossing_min": _duration_min(tags.get("duration")),
                        "geometry": line,
                    }
                )
    out: dict[str, Any] = {}
    rail = []
    for (name, kind), lines in groups.items():
        if not lines:
            continue
        merged = shapely.ops.linemerge(shapely.MultiLineString(lines))
        parts = list(getattr(merged, "geoms", [merged]))
        speed = min(limits[(name, kind)]) if (name, kind) in limits else None
        for k, part in enumerate(parts):
            rail.append(
                {
                    "line_id": f"osm:{name}" + (f":{k + 1}" if len(parts) > 1 else ""),
                    "name": name,
                    "kind": kind,
                    "speed_kph": speed,
                    "geometry": part,
                }
            )
    named = [
        (nid, tags) for nid, tags in stations.items()
        if nid in nodes and inside(nodes[nid]) and (tags.get("name:zh") or tags.get("name"))
    ]
    frames = {
        "rail": rail,
        "station": [
            {
                "station_id": f"osm:{nid}",
                "name": tags.get("name:zh") or tags.get("name"),
                "kind": "hsr" if tags.get("highspeed") == "yes" else "conventional",
                "geometry": shapely.Point(nodes[nid]),
            }
            for nid, tags in named
        ],
        "ferry": ferries,
    }
    for name, rows in frames.items():
        if rows:
            frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
            frame["status"] = "existing"
            frame["geometry_quality"] = "derived"
            frame["source"] = source
            out[name] = frame
    return out
