"""The jmgis algorithms of the QGIS Processing provider, as plain Python on GeoDataFrames.

The provider (``jmgis/io/qgis/plugin``) runs inside QGIS's own Python, where jmgis is not
installed; it writes its inputs as GeoJSON, calls ``<python> -m jmgis qgis run PARAMS``
with the Python jmgis was installed with (:func:`run_request`), and loads the GeoJSON
outputs back.  The same functions are the Python API, so a ``qgis_process run`` result
can be compared with a direct call.

Every algorithm takes the scenario ``year`` and the ``modes`` of the network
(:data:`jmgis.vocab.MODES`) and, optionally, ``settings`` naming the user's own road
network (``settings.network`` with its class field and class map, as ``jmgis build
--network``); it routes on the bundled graph of the year
(:func:`jmgis.network.build.shared_graph`) or on the user's
(:func:`jmgis.network.base_network.user_graph`), and snaps
points to the nearest node within :data:`MAX_SNAP_M`; the minutes of route, OD matrix and
facility access include each end's leg (:func:`jmgis.routing.snap.trip_end_legs`): the
door-to-door access leg of the point's township on the graphs jmgis builds, else the
off-network leg at :data:`OFFNET_SPEED_KPH`.  Lines joining nodes are straight between network
nodes (the graph holds no curve geometry): ``geometry_quality`` = ``schematic``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError
from jmgis.settings import Settings

MAX_SNAP_M = 5000.0
"""Largest distance from a point to the network (metres)."""
OFFNET_SPEED_KPH = 15.0
"""Speed of the straight leg between a point and its network node (km/h)."""
SOURCE = "jmgis 网络计算"


def network(year: int, modes: Sequence[str] | None = None, settings: Settings | None = None):
    """The network of ``year`` with ``modes`` (default all).

    Parameters
    ----------
    year : int
        Scenario year (2020–2035).
    modes : sequence of str or None
        Network modes (default all).
    settings : Settings or None
        With ``settings.network`` set, the user's road network (read as ``jmgis build
        --network`` reads it; rail and ferries from the bundled data); otherwise, and by
        default, the bundled network.

    Returns
    -------
    networkx.MultiDiGraph
        The shared graph (edge ``travel_time_s`` in seconds, ``length_m`` in metres).
    """
    from jmgis.network.build import shared_graph
    from jmgis.vocab import GRAPH_MODES, check_year

    names = list(GRAPH_MODES)
    chosen = tuple(m for m in names if m in modes) if modes else tuple(names)
    modes = list(modes or ())
    unknown = [m for m in modes if m not in names]
    if unknown:
        raise DataError(f"unknown modes {unknown}; known: {', '.join(names)}", field="modes")
    year = check_year(year)
    if settings is not None and settings.network is not None:
        from jmgis.network.base_network import build_user_graph, user_graph

        if chosen == tuple(names):
            return user_graph(year, settings)
        return build_user_graph(year, settings, modes=chosen)
    return shared_graph(year, chosen)


NETWORK_REQUEST_KEYS = {
    "network": "network",
    "class_field": "network_class_field",
    "class_map": "network_class_map",
    "speed_field": "network_speed_field",
    "oneway_field": "network_oneway_field",
    "network_buffer_m": "network_buffer_m",
}
"""Request key → :class:`~jmgis.settings.Settings` field of the user's network."""


def request_settings(request: Mapping, base: Settings | None = None) -> Settings:
    """The settings of a request: ``base`` with the request's network keys applied.

    Parameters
    ----------
    request : mapping
        The request; keys of :data:`NETWORK_REQUEST_KEYS` that are set and not empty
        name the user's network (``network`` the file, ``class_field`` …).
    base : Settings or None
        The settings to start from (default: those in effect).

    Returns
    -------
    Settings
        ``base`` with the user's network, or ``base`` itself when the request names none.
    """
    from jmgis.settings import current

    base = base or current()
    changes = {
        field: request[key]
        for key, field in NETWORK_REQUEST_KEYS.items()
        if request.get(key) not in (None, "")
    }
    if changes.get("network_class_field") and not changes.get("network"):
        raise DataError("class_field given without a network file", field="class_field")
    return base.replace(**changes) if changes else base


def _ids(points: gpd.GeoDataFrame, id_field: str | None) -> list[str]:
    if id_field:
        if id_field not in points.columns:
            raise DataError(f"no field {id_field!r}", field=id_field)
        return [str(v) for v in points[id_field]]
    return [str(i + 1) for i in range(len(points))]


def _snap(G, points: gpd.GeoDataFrame, ids: Sequence[str], *, trip_ends: bool = False):
    # as trip ends (route) never onto another trip end of a door-to-door graph, as
    # jmgis.routing.snap.points_travel_time_matrix snaps
    from jmgis.routing.snap import is_door_to_door, snap_points, trip_end_nodes

    if points.crs is None:
        points = points.set_crs(STORAGE_CRS)
    exclude = trip_end_nodes(G) if trip_ends and is_door_to_door(G) else None
    return snap_points(G, points, max_distance_m=MAX_SNAP_M, labels=list(ids), exclude=exclude)


def _node_xy(G, node) -> tuple[float, float]:
    data = G.nodes[node]
    return float(data["x"]), float(data["y"])


def _to_storage(frame: pd.DataFrame, geometry: list, crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=crs).to_crs(STORAGE_CRS)


def route(
    starts: gpd.GeoDataFrame,
    ends: gpd.GeoDataFrame,
    year: int,
    modes: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    start_id: str | None = None,
    end_id: str | None = None,
) -> gpd.GeoDataFrame:
    """Fastest routes: the i-th start to the i-th end (one start: to every end).

    Parameters
    ----------
    starts, ends
        Points (any CRS).
    year
        Scenario year (2020–2035).
    modes
        Network modes (default all).
    start_id, end_id
        Fields naming the points (default the row number from 1).

    settings : Settings or None
        Settings naming the user's road network (``settings.network``); default the
        bundled network.

    Returns
    -------
    geopandas.GeoDataFrame
        ``start_id``, ``end_id``, ``year``, ``minutes`` (incl. both ends' legs),
        ``km`` (network length), ``modes`` used, ``source``, ``geometry_quality``;
        LineString through the network nodes, EPSG:4490.
    """
    from jmgis.routing.engine import path_edges, shortest_path

    G = network(year, modes, settings)
    s_ids, e_ids = _ids(starts, start_id), _ids(ends, end_id)
    if len(starts) == 1:
        s_ids = s_ids * len(ends)
        starts = pd.concat([starts] * len(ends), ignore_index=True)
    if len(starts) != len(ends):
        raise DataError(
            f"{len(starts)} starts and {len(ends)} ends: give one start or as many as ends",
            field="starts",
        )
    from jmgis.routing.snap import trip_end_legs

    starts = starts if starts.crs else starts.set_crs(STORAGE_CRS)
    ends = ends if ends.crs else ends.set_crs(STORAGE_CRS)
    s_snap = _snap(G, starts, s_ids, trip_ends=True)
    e_snap = _snap(G, ends, e_ids, trip_ends=True)
    # the same legs as od_matrix: door to door on the graphs jmgis builds
    s_leg = trip_end_legs(G, starts, s_snap, offnet_speed_kph=OFFNET_SPEED_KPH)
    e_leg = trip_end_legs(G, ends, e_snap, offnet_speed_kph=OFFNET_SPEED_KPH)
    rows, lines = [], []
    for i, (a, b) in enumerate(zip(s_snap.nodes, e_snap.nodes, strict=True)):
        path = shortest_path(G, a, b)
        seconds, metres, used = 0.0, 0.0, []
        for u, v, *key in path_edges(G, path):
            data = G.edges[u, v, key[0]] if key else G.edges[u, v]
            seconds += float(data["travel_time_s"])
            metres += float(data["length_m"])
            if data["mode"] not in used:
                used.append(str(data["mode"]))
        rows.append(
            {
                "start_id": s_ids[i],
                "end_id": e_ids[i],
                "year": int(year),
                "minutes": (seconds + s_leg[i] + e_leg[i]) / 60.0,
                "km": metres / 1000.0,
                "modes": ",".join(used),
                "source": SOURCE,
                "geometry_quality": "schematic",
            }
        )
        coords = [_node_xy(G, n) for n in path]
        lines.append(shapely.LineString(coords if len(coords) > 1 else coords * 2))
    return _to_storage(pd.DataFrame(rows), lines, G.graph["crs"])


def od_matrix(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    year: int,
    modes: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    origin_id: str | None = None,
    destination_id: str | None = None,
) -> gpd.GeoDataFrame:
    """Minutes between every origin and every destination, as straight OD lines.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame
        Origin points (any CRS; none set means EPSG:4490).
    destinations : geopandas.GeoDataFrame
        Destination points (any CRS; none set means EPSG:4490).
    year : int
        Scenario year (2020–2035).
    modes : sequence of str or None
        Network modes (default all).
    origin_id : str or None
        Field naming the origins (default the row number from 1).
    destination_id : str or None
        Field naming the destinations (default the row number from 1).

    settings : Settings or None
        Settings naming the user's road network (``settings.network``); default the
        bundled network.

    Returns
    -------
    geopandas.GeoDataFrame
        ``origin_id``, ``destination_id``, ``year``, ``minutes`` (``inf`` unreachable, incl.
        both ends' access legs), ``source``; LineString origin → destination, EPSG:4490.
    """
    from jmgis.routing.snap import points_travel_time_matrix

    G = network(year, modes, settings)
    o_ids, d_ids = _ids(origins, origin_id), _ids(destinations, destination_id)
    o = origins if origins.crs else origins.set_crs(STORAGE_CRS)
    d = destinations if destinations.crs else destinations.set_crs(STORAGE_CRS)
    seconds = points_travel_time_matrix(
        G, o, d, max_distance_m=MAX_SNAP_M, offnet_speed_kph=OFFNET_SPEED_KPH
    )
    o_pts = o.to_crs(STORAGE_CRS).geometry.representative_point().to_numpy()
    d_pts = d.to_crs(STORAGE_CRS).geometry.representative_point().to_numpy()
    rows, lines = [], []
    for i, oid in enumerate(o_ids):
        for j, did in enumerate(d_ids):
            rows.append(
                {
                    "origin_id": oid,
                    "destination_id": did,
                    "year": int(year),
                    "minutes": float(seconds[i, j]) / 60.0,
                    "source": SOURCE,
                }
            )
            lines.append(shapely.LineString([o_pts[i], d_pts[j]]))
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=lines, crs=STORAGE_CRS)


def isochrones(
    points: gpd.GeoDataFrame,
    minutes: Sequence[float],
    year: int,
    modes: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    id_field: str | None = None,
) -> gpd.GeoDataFrame:
    """Areas reachable within each of ``minutes`` from each point (nested bands).

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Start points (any CRS; none set means EPSG:4490).
    minutes : sequence of float
        Band limits in minutes.
    year : int
        Scenario year (2020–2035).
    modes : sequence of str or None
        Network modes (default all).
    id_field : str or None
        Field naming the points (default the row number from 1).

    settings : Settings or None
        Settings naming the user's road network (``settings.network``); default the
        bundled network.

    Returns
    -------
    geopandas.GeoDataFrame
        ``origin_id``, ``year``, ``band_min``, ``area_km2`` (ellipsoidal), ``source``,
        ``geometry_quality`` (``derived``); MultiPolygon, EPSG:4490.
    """
    from jmgis.access.isochrone import isochrones as make

    G = network(year, modes, settings)
    ids = _ids(points, id_field)
    snapped = _snap(G, points, ids)
    result = make(G, snapped.nodes, list(minutes), names=ids)
    out = pd.DataFrame(
        {
            "origin_id": result["origin_name"].astype(str).to_numpy(),
            "year": int(year),
            "band_min": result["band_min"].astype(float).to_numpy(),
            "area_km2": result["area_km2"].astype(float).to_numpy(),
            "source": SOURCE,
            "geometry_quality": "derived",
        }
    )
    return gpd.GeoDataFrame(out, geometry=result.geometry.to_numpy(), crs=result.crs).to_crs(
        STORAGE_CRS
    )


def facility_access(
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    year: int,
    modes: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    capacity_field: str,
    population_field: str | None = None,
    catchment_min: float = 30.0,
    demand_id: str | None = None,
) -> gpd.GeoDataFrame:
    """Nearest facility and the 2SFCA ratio (Luo & Wang 2003) of every demand point.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Demand points (any CRS; none set means EPSG:4490).
    supply : geopandas.GeoDataFrame
        Facility points (any CRS; none set means EPSG:4490).
    year : int
        Scenario year (2020–2035).
    modes : sequence of str or None
        Network modes (default all).
    capacity_field
        Supply field with each facility's capacity (beds, places …; ≥ 0).
    population_field
        Demand field with the population (default 1 per point).
    catchment_min
        Catchment in minutes (binary).
    demand_id : str or None
        Field naming the demand points (default the row number from 1).

    settings : Settings or None
        Settings naming the user's road network (``settings.network``); default the
        bundled network.

    Returns
    -------
    geopandas.GeoDataFrame
        The demand points with ``demand_id``, ``year``, ``nearest_min`` (minutes to the
        nearest facility), ``nearest_row`` (its row, from 1), ``fca_ratio`` (capacity per
        person within the catchment), ``source``; EPSG:4490.
    """
    from jmgis.access.fca import two_step_fca
    from jmgis.routing.snap import points_travel_time_matrix

    for frame, field, what in ((supply, capacity_field, "supply"),) + (
        ((demand, population_field, "demand"),) if population_field else ()
    ):
        if field not in frame.columns:
            raise DataError(f"{what} layer has no field {field!r}", field=field)
    G = network(year, modes, settings)
    d = demand if demand.crs else demand.set_crs(STORAGE_CRS)
    s = supply if supply.crs else supply.set_crs(STORAGE_CRS)
    seconds = points_travel_time_matrix(
        G, d, s, max_distance_m=MAX_SNAP_M, offnet_speed_kph=OFFNET_SPEED_KPH
    )
    population = (
        d[population_field].astype(float).to_numpy() if population_field else np.ones(len(d))
    )
    capacity = s[capacity_field].astype(float).to_numpy()
    fca = two_step_fca(seconds, population, capacity, catchment_min * 60.0)  # type: ignore[arg-type]  # two_step_fca takes any float array; its Sequence hint is too narrow
    ratio = fca.access
    out = pd.DataFrame(
        {
            "demand_id": _ids(d, demand_id),
            "year": int(year),
            "nearest_min": seconds.min(axis=1) / 60.0,
            "nearest_row": seconds.argmin(axis=1) + 1,
            "fca_ratio": np.asarray(ratio, dtype=float),
            "source": SOURCE,
        }
    )
    return gpd.GeoDataFrame(
        out, geometry=d.to_crs(STORAGE_CRS).geometry.to_numpy(), crs=STORAGE_CRS
    )


def township_profile(
    year: int, modes: Sequence[str] | None = None, *, settings: Settings | None = None
) -> gpd.GeoDataFrame:
    """Minutes from each of the 73 township seats to every target (the jmgis profile).

    The result is on the township polygons (EPSG:4490).

    Parameters
    ----------
    year : int
        Scenario year (2020–2035).
    modes : sequence of str or None
        Network modes (default: the profile's own network of ``year``).

    settings : Settings or None
        Settings naming the user's road network (``settings.network``); default the
        bundled network.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per township seat: ``code``, the minutes to every target, the township
        polygon.
    """
    from jmgis.admin import load_townships
    from jmgis.jiangmen.township_access import profile

    own = settings is not None and settings.network is not None
    table = profile(int(year), G=network(year, modes, settings) if modes or own else None)
    towns = load_townships()[["code", "geometry"]]
    merged = towns.merge(table, on="code", how="right")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=towns.crs)


# --------------------------------------------------------------- the request protocol


def _read(request: Mapping, key: str) -> gpd.GeoDataFrame:
    import pyogrio

    path, layer = request[key], request.get(f"{key}_layer")
    try:
        frame = pyogrio.read_dataframe(path, layer=layer or None)
    except Exception as exc:  # GDAL's errors name the file
        raise DataError(f"cannot read the {key} layer: {exc}", file=str(path)) from exc
    if frame.crs is None:
        frame = frame.set_crs(STORAGE_CRS)
    return frame


def _minutes_list(text: str | Sequence[float]) -> list[float]:
    if isinstance(text, str):
        parts = [p for p in text.replace("，", ",").split(",") if p.strip()]
        try:
            return [float(p) for p in parts]
        except ValueError as exc:
            raise DataError(f"minutes must be numbers like 15,30,45: {text!r}") from exc
    return [float(v) for v in text]


RUNNERS: dict[str, Callable[[Mapping], gpd.GeoDataFrame]] = {
    "route": lambda p: route(
        _read(p, "starts"),
        _read(p, "ends"),
        p["year"],
        p.get("modes"),
        start_id=p.get("start_id"),
        end_id=p.get("end_id"),
        settings=request_settings(p),
    ),
    "odmatrix": lambda p: od_matrix(
        _read(p, "origins"),
        _read(p, "destinations"),
        p["year"],
        p.get("modes"),
        origin_id=p.get("origin_id"),
        destination_id=p.get("destination_id"),
        settings=request_settings(p),
    ),
    "isochrones": lambda p: isochrones(
        _read(p, "points"),
        _minutes_list(p["minutes"]),
        p["year"],
        p.get("modes"),
        id_field=p.get("id_field"),
        settings=request_settings(p),
    ),
    "facilityaccess": lambda p: facility_access(
        _read(p, "demand"),
        _read(p, "supply"),
        p["year"],
        p.get("modes"),
        capacity_field=p["capacity_field"],
        population_field=p.get("population_field"),
        catchment_min=float(p.get("catchment_min", 30.0)),
        demand_id=p.get("demand_id"),
        settings=request_settings(p),
    ),
    "townshipprofile": lambda p: township_profile(
        p["year"], p.get("modes"), settings=request_settings(p)
    ),
}
"""Algorithm name (the Processing id after ``jmgis:``) → runner of a request."""


def run_request(path: str | Path) -> Path:
    """Run the request JSON at ``path`` and write the result as GeoJSON to ``output``.

    The request names ``algorithm``, ``output``, the inputs, ``year``, ``modes`` and,
    optionally, the user's network (``network``, ``class_field``, ``class_map``,
    ``speed_field``, ``oneway_field``, ``network_buffer_m``: :func:`request_settings`).

    Parameters
    ----------
    path : str or Path
        The request JSON.

    Returns
    -------
    Path
        The ``output`` path (GeoJSON, EPSG:4490).
    """
    request = json.loads(Path(path).read_text(encoding="utf-8"))
    name = request.get("algorithm")
    if name not in RUNNERS:
        raise DataError(f"unknown algorithm {name!r}; known: {', '.join(RUNNERS)}", file=str(path))
    result = RUNNERS[name](request)
    frame = result.copy()
    for column in frame.columns:
        if column != frame.geometry.name and frame[column].dtype.kind == "f":
            frame[column] = frame[column].where(np.isfinite(frame[column]))  # inf → null
    output = Path(request["output"])
    import pyogrio

    pyogrio.write_dataframe(frame, output, driver="GeoJSON")
    return output
