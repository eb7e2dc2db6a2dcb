"""Ferries in the graph: pier nodes and timed crossings.

A crossing costs ``boarding + wait + sailing``:

- sailing: the feature's ``crossing_min`` when it gives one, else its length at
  ``FerryParams.speed_kph``;
- wait: the feature's ``wait_min`` (or half its ``headway_min``) when given, else
  ``FerryParams.wait_s`` (half an hourly headway);
- boarding: ``FerryParams.boarding_s`` (ticketing and boarding).

Each end of a ferry line becomes a ``port`` node: the port its ``from_port``/``to_port``
names, else the port point within ``pier_tolerance_m`` of it (``"port:<id>"``), else a
pier node
``"pier:<ferry_id>:<0|1>"``.  Both are later joined to the roads by connectors.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from jmgis.network.graph import add_link, add_node
from jmgis.network.rail import first_column
from jmgis.speeds import SpeedTable

DEFAULT_PIER_TOLERANCE_M = 1500.0


def _minutes(row, name: str) -> float | None:
    if name not in row:
        return None
    value = row[name]
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) and value >= 0 else None


def ferry_time_s(row, length_m: float, speeds: SpeedTable) -> tuple[float, float, float]:
    """(sailing, wait, boarding) seconds of one crossing (see the module docstring).

    Parameters
    ----------
    row : object
        The ferry record (``crossing_min``, ``wait_min`` …).
    length_m : float
        Length of the crossing (metres).
    speeds : SpeedTable
        The speed table (ferry speed, boarding time).

    Returns
    -------
    tuple of float
        Sailing, wait and boarding seconds.
    """
    crossing = _minutes(row, "crossing_min")
    sail = crossing * 60 if crossing is not None else length_m / (speeds.ferry.speed_kph / 3.6)
    wait = _minutes(row, "wait_min")
    if wait is None:
        headway = _minutes(row, "headway_min")
        wait = headway / 2 if headway is not None else None
    wait_s = wait * 60 if wait is not None else speeds.ferry.wait_s
    return sail, wait_s, speeds.ferry.boarding_s


def add_ferries(
    G: nx.MultiDiGraph,
    ferries: gpd.GeoDataFrame,
    speeds: SpeedTable,
    *,
    ports: gpd.GeoDataFrame | None = None,
    pier_tolerance_m: float = DEFAULT_PIER_TOLERANCE_M,
) -> gpd.GeoDataFrame:
    """Add ferry crossings.

    Returns the pier nodes created (points, graph CRS) with ``node``, ``name`` columns, for the
    connectors.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    ferries : geopandas.GeoDataFrame
        The ferry lines, graph CRS.
    speeds : SpeedTable
        The speed table.
    ports : geopandas.GeoDataFrame or None
        The ports, graph CRS, for piers at a port.
    pier_tolerance_m : float
        A line end this close to a port (metres) uses the port's node.

    Returns
    -------
    geopandas.GeoDataFrame
        The pier nodes created.
    """
    fid_col = first_column(ferries, "ferry_id", "route_id", "id")
    port_xy = np.zeros((0, 2))
    port_ids: list[str] = []
    port_names: list[str] = []
    if ports is not None and len(ports):
        pid_col = first_column(ports, "port_id", "id")
        port_xy = shapely.get_coordinates(ports.geometry.values)
        port_ids = ports[pid_col].astype(str).tolist()
        port_names = ports["name"].astype(str).tolist() if "name" in ports else port_ids
    piers: list[dict] = []
    for _, row in ferries.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        fid = str(row[fid_col])
        name = str(row.get("name") or fid)
        ends = shapely.get_coordinates(geom)[[0, -1]]
        nodes = []
        for k, xy in enumerate(ends):
            node, label = f"pier:{fid}:{k}", f"{name}码头{'甲乙'[k]}"
            end_name = row.get("from_name" if k == 0 else "to_name")
            if isinstance(end_name, str) and end_name:
                label = end_name
            named_port = row.get("from_port" if k == 0 else "to_port")
            if isinstance(named_port, str) and named_port in port_ids:
                j = port_ids.index(named_port)
                node, label, xy = f"port:{named_port}", port_names[j], port_xy[j]
            elif len(port_xy):
                d = np.hypot(*(port_xy - xy).T)
                j = int(np.argmin(d))
                if d[j] <= pier_tolerance_m:
                    node, label = f"port:{port_ids[j]}", port_names[j]
                    xy = port_xy[j]
            if node not in G:
                add_node(G, node, *xy, kind="port", ref=node.split(":", 1)[1], name=label)
            piers.append({"node": node, "name": label, "geometry": shapely.points(xy)})
            nodes.append(node)
        length = float(geom.length)
        sail, wait, board = ferry_time_s(row, length, speeds)
        total = sail + wait + board
        add_link(
            G,
            nodes[0],
            nodes[1],
            length_m=length,
            speed_kph=length / sail * 3.6 if sail > 0 else None,
            mode="ferry",
            feature_id=fid,
            name=name,
            travel_time_s=total,
            sailing_s=sail,
            wait_s=wait,
            boarding_s=board,
        )
    if not piers:
        return gpd.GeoDataFrame({"node": [], "name": []}, geometry=[], crs=G.graph.get("crs"))
    out = gpd.GeoDataFrame(piers, geometry="geometry", crs=G.graph.get("crs"))
    return out.drop_duplicates("node").reset_index(drop=True)
