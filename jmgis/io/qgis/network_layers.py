"""The multimodal network of each scenario year as two GeoPackage layers.

``network_node`` (the graph's nodes) and ``network_edge`` (its links with length, speed
and travel time in minutes, both directions on one row), one set per year, so a GIS user
can see what the accessibility figures route on and how a year differs (QGIS shows one
layer per year; the year's map theme switches it on).  The graph stores no curve
geometry: a link is the straight line between its end nodes (``geometry_quality`` =
``schematic``; the surveyed lines are the 交通 layers).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import shapely

from jmgis.crs import STORAGE_CRS
from jmgis.layers import layer_spec
from jmgis.settings import Settings


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def graph_layers(G, year: int) -> dict[str, gpd.GeoDataFrame]:
    """``network_node`` and ``network_edge`` of one graph (EPSG:4490).

    Parameters
    ----------
    G
        A :func:`jmgis.network.build_graph` graph (``x``/``y`` in metres, ``crs``).
    year
        Its scenario year.

    Returns
    -------
    dict
        The two layers with the registry's columns.
    """
    crs = G.graph["crs"]
    nodes = pd.DataFrame(
        {
            "year": int(year),
            "node_id": [str(n) for n in G.nodes],
            "kind": [_text(d.get("kind")) for _, d in G.nodes(data=True)],
            "ref": [_text(d.get("ref")) for _, d in G.nodes(data=True)],
            "name": [_text(d.get("name")) for _, d in G.nodes(data=True)],
            "source": "jmgis.network.build_graph",
        }
    )
    points = [shapely.Point(d["x"], d["y"]) for _, d in G.nodes(data=True)]
    node_layer = gpd.GeoDataFrame(nodes, geometry=points, crs=crs).to_crs(STORAGE_CRS)
    rows: dict[tuple, dict] = {}
    for u, v, data in G.edges(data=True):
        key = (min(str(u), str(v)), max(str(u), str(v)), data.get("mode"), data.get("feature_id"))
        minutes = float(data["travel_time_s"]) / 60.0
        if key in rows and rows[key]["to_node"] == str(u):
            rows[key]["two_way"] = True
            rows[key]["travel_min_back"] = minutes
            continue
        if key in rows:
            continue  # a parallel link of the same feature and direction
        rows[key] = {
            "year": int(year),
            "from_node": str(u),
            "to_node": str(v),
            "mode": _text(data.get("mode")),
            "name": _text(data.get("name")),
            # the road class for roads, else the mode: every link has a class to draw by
            "link_class": _text(data.get("road_class")) or _text(data.get("mode")),
            "two_way": False,
            "length_m": float(data["length_m"]),
            "speed_kph": float(data["speed_kph"]) if data.get("speed_kph") is not None else None,
            "travel_min": minutes,
            "travel_min_back": None,
            "feature_id": _text(data.get("feature_id")),
            "geometry_quality": "schematic",
            "source": _text(data.get("source")) or "jmgis.network.build_graph",
            "geometry": shapely.LineString(
                [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
            ),
        }
    edges = pd.DataFrame(list(rows.values()))
    edge_layer = gpd.GeoDataFrame(edges, geometry="geometry", crs=crs).to_crs(STORAGE_CRS)
    edge_layer["travel_min_back"] = edge_layer["travel_min_back"].astype(float)
    return {
        "network_node": node_layer[[*layer_spec("network_node").field_names, "geometry"]],
        "network_edge": edge_layer[[*layer_spec("network_edge").field_names, "geometry"]],
    }


def network_layers(
    years: Sequence[int], settings: Settings | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """``network_node`` and ``network_edge`` for every scenario year.

    Parameters
    ----------
    years : sequence of int
        Scenario years (2020–2035).
    settings : Settings or None
        With ``settings.network`` set, the graphs are built on the user's road network
        (:func:`jmgis.network.base_network.user_graph`); otherwise, and by default, on
        the bundled one (:func:`jmgis.network.shared_graph`).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        The two layers, all years in each (EPSG:4490).
    """
    from jmgis.network.build import shared_graph

    own = settings is not None and settings.network is not None
    parts: dict[str, list[gpd.GeoDataFrame]] = {"network_node": [], "network_edge": []}
    for year in sorted({int(y) for y in years}):
        if own:
            from jmgis.network.base_network import user_graph

            G = user_graph(year, settings)
        else:
            G = shared_graph(year)
        for name, frame in graph_layers(G, year).items():
            parts[name].append(frame)
    return {
        name: gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=STORAGE_CRS)
        for name, frames in parts.items()
    }
