"""The geometry of a route (``jmgis route A B --out route.geojson``).

:func:`route_features` turns a :class:`jmgis.network.route.Route` into GeoJSON: one
LineString feature per leg (consecutive edges of one mode and name), in EPSG:4490
longitude/latitude, with the leg's mode, name, length (metres) and time (seconds,
minutes).  Edges that carry their own line (the user's network,
:mod:`jmgis.network.base_network`) are drawn along it; the others straight between their
nodes (the bundled network is schematic).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
from pyproj import Transformer

from jmgis.crs import STORAGE_CRS
from jmgis.network.base_network import edge_line


def _edge(G: nx.MultiDiGraph, u: str, v: str) -> dict | None:
    data = G.get_edge_data(u, v)
    if not data:
        return None
    return min(data.values(), key=lambda d: d.get("travel_time_s", np.inf))


def route_features(G: nx.MultiDiGraph, result: Any) -> dict[str, Any]:
    """The route as a GeoJSON FeatureCollection (EPSG:4490 lon/lat).

    Parameters
    ----------
    G
        The graph the route was found on.
    result
        The :class:`~jmgis.network.route.Route`.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "properties": {from, to, year, mode, minutes,
        km}, "features": [...]}``; each feature has ``seq``, ``mode``, ``name``,
        ``length_m`` (metres), ``seconds`` and ``minutes``.
    """
    to_ll = Transformer.from_crs(G.graph["crs"], STORAGE_CRS, always_xy=True)
    nodes = [n for i, n in enumerate(result.path) if i == 0 or n != result.path[i - 1]]
    legs: list[dict[str, Any]] = []
    for u, v in pairwise(nodes):
        d = _edge(G, u, v)
        if d is None:  # a temporary connector of a place with no node (not in G)
            continue
        coords = edge_line(G, u, v, d)
        name = d.get("name") or ""
        if legs and legs[-1]["mode"] == d["mode"] and legs[-1]["name"] == name:
            leg = legs[-1]
            leg["coords"] = np.vstack([leg["coords"], coords[1:]])
            leg["length_m"] += d["length_m"]
            leg["seconds"] += d["travel_time_s"]
        else:
            legs.append(
                {
                    "mode": d["mode"],
                    "name": name,
                    "coords": coords,
                    "length_m": d["length_m"],
                    "seconds": d["travel_time_s"],
                }
            )
    features = []
    for seq, leg in enumerate(legs, start=1):
        lon, lat = to_ll.transform(leg["coords"][:, 0], leg["coords"][:, 1])
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "seq": seq,
                    "mode": leg["mode"],
                    "name": leg["name"],
                    "length_m": round(float(leg["length_m"]), 1),
                    "seconds": round(float(leg["seconds"]), 1),
                    "minutes": round(float(leg["seconds"]) / 60, 2),
                },
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [round(float(x), 7), round(float(y), 7)]
                        for x, y in zip(lon, lat, strict=True)
                    ],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "properties": {
            "from": result.origin_name,
            "to": result.destination_name,
            "year": result.year,
            "mode": result.mode,
            "minutes": round(result.minutes, 2),
            "km": round(result.distance_km, 3),
        },
        "features": features,
    }
