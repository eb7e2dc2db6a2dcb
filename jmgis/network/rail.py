"""Rail in the graph: line-speed edges between consecutive stations, boarding and transfers.

Each station served by a line gets a *platform* node ``"platform:<station>:<line>"``;
consecutive platforms along the line are joined by two ``rail`` edges timed at the line's
``speed_kph`` (or the default speed of its kind).  The station node ``"station:<id>"``
reaches a platform by a ``transfer`` edge carrying the boarding penalty and comes back by
one carrying the alighting penalty; platforms of different lines at one station are joined
by ``transfer`` edges of ``transfer_s``.  Station nodes are joined to the road network by
connectors (:mod:`jmgis.network.connectors`).

A station is served by a line when its ``lines`` attribute names the line (id or name), or,
if it has none, when it lies within ``station_tolerance_m`` of the line.
"""

from __future__ import annotations

import logging
import re

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from jmgis.network.graph import add_link, add_node
from jmgis.speeds import RAIL_KINDS_WITHOUT_PASSENGERS, SpeedTable

log = logging.getLogger("jmgis.network")

DEFAULT_STATION_TOLERANCE_M = 1500.0


def first_column(frame: gpd.GeoDataFrame, *names: str) -> str:
    """The first of ``names`` that is a column of ``frame`` (KeyError naming them all).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The table.
    *names : str
        Candidate column names, in order of preference.

    Returns
    -------
    str
        The column name.
    """
    for name in names:
        if name in frame.columns:
            return name
    raise KeyError(f"none of the columns {names} in {list(frame.columns)}")


def _listed(value: object) -> set[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return set()
    if isinstance(value, (list, tuple, set)):
        return {str(v).strip() for v in value}
    return {p.strip() for p in re.split(r"[;,；，、|]", str(value)) if p.strip()}


def add_rail(
    G: nx.MultiDiGraph,
    lines: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    speeds: SpeedTable,
    *,
    station_tolerance_m: float = DEFAULT_STATION_TOLERANCE_M,
) -> dict[str, list[str]]:
    """Add station, platform, rail and transfer edges; returns ``{station: [line ids]}``.

    ``lines`` and ``stations`` must be in the graph's CRS and already filtered to the
    scenario year.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    lines : geopandas.GeoDataFrame
        The rail lines, graph CRS.
    stations : geopandas.GeoDataFrame
        The stations, graph CRS.
    speeds : SpeedTable
        The speed table (km/h by rail kind).
    station_tolerance_m : float
        A station without a list of lines stops on a line this close (metres).

    Returns
    -------
    dict of str to list of str
        Line ids by station.
    """
    sid_col = first_column(stations, "station_id", "id")
    lid_col = first_column(lines, "line_id", "id")
    served: dict[str, list[str]] = {}
    st_xy = shapely.get_coordinates(stations.geometry.values)
    st_ids = stations[sid_col].astype(str).to_numpy()
    st_names = stations["name"].astype(str).to_numpy() if "name" in stations else st_ids
    st_lines = (
        [_listed(v) for v in stations["lines"]] if "lines" in stations else [set()] * len(st_ids)
    )
    for sid, (x, y), name in zip(st_ids, st_xy, st_names, strict=True):
        add_node(G, f"station:{sid}", x, y, kind="station", ref=sid, name=name)

    for _, line in lines.iterrows():
        kind = str(line.get("kind") or "")
        if kind in RAIL_KINDS_WITHOUT_PASSENGERS:
            continue
        lid = str(line[lid_col])
        lname = str(line.get("name") or lid)
        speed = line.get("speed_kph")
        if speed is None or not np.isfinite(float(speed)) or float(speed) <= 0:
            speed = speeds.rail_speed(kind, feature=lid)
        speed = float(speed)
        geom = line.geometry
        if geom is None or geom.is_empty:
            continue
        pts = shapely.points(st_xy)
        dist = shapely.distance(geom, pts)
        named = np.array([lid in s or lname in s for s in st_lines], dtype=bool)
        has_list = np.array([bool(s) for s in st_lines], dtype=bool)
        on = np.where(has_list, named, dist <= station_tolerance_m)
        idx = np.flatnonzero(on)
        if len(idx) < 2:
            if len(idx):
                log.info("rail line %s serves only one station in this scenario", lid)
            continue
        pos = shapely.line_locate_point(geom, pts[idx])
        order = idx[np.argsort(pos)]
        pos = np.sort(pos)
        for i in order:
            sid = st_ids[i]
            plat = f"platform:{sid}:{lid}"
            add_node(G, plat, *st_xy[i], kind="platform", ref=sid, name=f"{st_names[i]}（{lname}）")
            board = speeds.boarding(kind)
            add_link(
                G,
                f"station:{sid}",
                plat,
                length_m=0.0,
                speed_kph=None,
                mode="transfer",
                feature_id=sid,
                name=st_names[i],
                oneway=1,
                travel_time_s=board,
            )
            add_link(
                G,
                plat,
                f"station:{sid}",
                length_m=0.0,
                speed_kph=None,
                mode="transfer",
                feature_id=sid,
                name=st_names[i],
                oneway=1,
                travel_time_s=speeds.alighting_s,
            )
            for other in served.get(sid, []):
                add_link(
                    G,
                    plat,
                    f"platform:{sid}:{other}",
                    length_m=0.0,
                    speed_kph=None,
                    mode="transfer",
                    feature_id=sid,
                    name=st_names[i],
                    travel_time_s=speeds.transfer_s,
                )
            served.setdefault(sid, []).append(lid)
        for a, b, pa, pb in zip(order[:-1], order[1:], pos[:-1], pos[1:], strict=True):
            length = float(pb - pa)
            if length <= 0:
                continue
            add_link(
                G,
                f"platform:{st_ids[a]}:{lid}",
                f"platform:{st_ids[b]}:{lid}",
                length_m=length,
                speed_kph=speed,
                mode="rail",
                feature_id=lid,
                name=lname,
                rail_kind=kind,
            )
    return served
