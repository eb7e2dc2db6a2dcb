"""The OpenStreetMap-derived skeleton of ``scgraph-data`` 2.0.0, read as data (build time).

PyPI ``scgraph-data`` 2.0.0 (package MIT, data © OpenStreetMap contributors, ODbL 1.0;
OSM state of about 2024) ships the world's railways and highways as two Python modules
holding ``graph=[{neighbour: km, …}, …]`` and ``nodes=[[lat, lon], …]`` literals, about
0.25 vertices per km, without names or classes.  The modules are **never imported**: each
literal is read as text (the node list is valid JSON, the adjacency list becomes JSON once
its integer keys are quoted), so no code of the package runs.

The skeleton is needed only by ``jmgis data skeleton-report`` (the ``data`` extra), never
at run time.  It measures how far each existing rail line and expressway of
``data/transport`` lies from the skeleton, and how far each station lies from the rail
skeleton (metres, in the analysis CRS).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError

#: The attribution the data licence (ODbL 1.0) asks for wherever the skeleton is used.
ATTRIBUTION = "© OpenStreetMap contributors, ODbL (via scgraph-data 2.0.0)"
#: The module of each network in the scgraph-data wheel.
MODULES = {"rail": "world_railways.py", "road": "world_highways.py"}
#: 江门 and its surroundings (lon/lat): the part of the skeleton that is kept.
BBOX = (111.8, 21.4, 113.8, 23.2)
#: Sampling step along a line for the distance report, metres.
SAMPLE_STEP_M = 250.0

_KEY = re.compile(r"([{,]\s*)(\d+)\s*:")


def package_file(network: str) -> Path:
    """The installed ``scgraph_data`` module file of ``network`` (not imported).

    Raises
    ------
    jmgis.errors.DataError
        When scgraph-data is not installed (``pip install -e '.[data]'``).
    """
    from importlib import metadata

    try:
        files = metadata.files("scgraph-data") or []
    except metadata.PackageNotFoundError as exc:
        raise DataError("scgraph-data is not installed: pip install -e '.[data]'") from exc
    for entry in files:
        if entry.name == MODULES[network]:
            return Path(str(entry.locate()))
    raise DataError(f"scgraph-data has no {MODULES[network]}")


def read_literals(path: str | Path) -> tuple[list[dict[int, float]], list[list[float]]]:
    """``(graph, nodes)`` of a scgraph-data module, read as data.

    Raises
    ------
    jmgis.errors.DataError
        When the module does not hold both literals.
    """
    found: dict[str, object] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            name, sep, value = line.partition("=")
            if not sep or name.strip() not in ("graph", "nodes"):
                continue
            text = value.strip()
            if name.strip() == "graph":
                text = _KEY.sub(r'\1"\2":', text)
            found[name.strip()] = json.loads(text)
    if "graph" not in found or "nodes" not in found:
        raise DataError("expected the literals graph= and nodes=", file=path)
    graph = [{int(k): float(v) for k, v in adj.items()} for adj in found["graph"]]  # type: ignore[attr-defined]  # graph= is a list literal
    return graph, found["nodes"]  # type: ignore[return-value]


def edges_in(
    graph: list[dict[int, float]], nodes: list[list[float]], bbox: tuple = BBOX
) -> gpd.GeoDataFrame:
    """The skeleton's edges with an end inside ``bbox``, as lines in EPSG:4490.

    The skeleton's edges with an end inside ``bbox``, as lines in EPSG:4490 (the
    skeleton's WGS 84 coordinates; the two datums differ by centimetres).

    Parameters
    ----------
    graph : list of dict of int to float
        The skeleton's adjacency: for each node, its neighbours and the edge weights.
    nodes : list of list of float
        The ``[lat, lon]`` of each node, degrees.
    bbox : tuple
        ``(west, south, east, north)`` in degrees of longitude / latitude; default
        :data:`BBOX`.

    Returns
    -------
    geopandas.GeoDataFrame
        One two-point line per edge (each edge once), with a ``source`` column holding
        :data:`ATTRIBUTION`, CRS EPSG:4490.
    """
    xy = np.asarray(nodes, dtype=float)[:, ::-1]  # [lat, lon] → lon, lat
    west, south, east, north = bbox
    inside = (xy[:, 0] >= west) & (xy[:, 0] <= east) & (xy[:, 1] >= south) & (xy[:, 1] <= north)
    lines = []
    for a in np.flatnonzero(inside):
        for b in graph[a]:
            if a < b or not inside[b]:
                lines.append(shapely.LineString([xy[a], xy[b]]))
    return gpd.GeoDataFrame({"source": [ATTRIBUTION] * len(lines)}, geometry=lines, crs=STORAGE_CRS)


@dataclass(frozen=True)
class Distance:
    """How far a feature lies from the skeleton, metres."""

    median_m: float
    p90_m: float
    max_m: float


def line_distance(line: shapely.LineString, skeleton: shapely.Geometry) -> Distance:
    """Distances from points along ``line`` to ``skeleton`` (metric CRS).

    Distances from points every :data:`SAMPLE_STEP_M` along ``line`` to ``skeleton``
    (both in a metric CRS).

    Parameters
    ----------
    line : shapely.LineString
        The feature, in a metric CRS (sampled at least at both ends).
    skeleton : shapely.Geometry
        The skeleton's lines, in the same CRS.

    Returns
    -------
    Distance
        The median, 90th percentile and maximum of the sampled distances, metres.
    """
    steps = max(2, int(line.length // SAMPLE_STEP_M) + 1)
    points = shapely.line_interpolate_point(line, np.linspace(0, line.length, steps))
    dist = shapely.distance(points, skeleton)
    return Distance(float(np.median(dist)), float(np.quantile(dist, 0.9)), float(dist.max()))


def distance_report(
    layers: dict[str, gpd.GeoDataFrame],
    skeletons: dict[str, gpd.GeoDataFrame],
    metric_crs: str | CRS,
) -> pd.DataFrame:
    """One row per existing rail line, expressway and station: its distance to the skeleton.

    One row per existing rail line, existing expressway and station: its distance to
    the skeleton (``median_m``, ``p90_m``, ``max_m``, metres) and ``geometry_quality``.

    Parameters
    ----------
    layers : dict[str, geopandas.GeoDataFrame]
        The transport layers (``road``, ``rail``, ``station``).
    skeletons : dict[str, geopandas.GeoDataFrame]
        :func:`edges_in` of the ``rail`` and ``road`` networks.
    metric_crs : str or pyproj.CRS
        The analysis CRS (EPSG:4547).

    Returns
    -------
    pandas.DataFrame
        Columns ``layer``, ``id``, ``name``, ``geometry_quality``, ``median_m``,
        ``p90_m``, ``max_m`` (metres).
    """
    union = {k: v.to_crs(metric_crs).union_all() for k, v in skeletons.items()}
    rows = []
    picks = (
        ("rail", "line_id", "rail", None),
        ("road", "road_id", "road", "expressway"),
    )
    for layer, id_col, network, road_class in picks:
        frame = layers[layer]
        keep = frame["status"].isin(("existing", "completed"))
        if road_class:
            keep &= frame["road_class"] == road_class
        metric = frame[keep].to_crs(metric_crs)
        for fid, name, quality, geom in zip(
            metric[id_col],
            metric["name"],
            metric["geometry_quality"],
            metric.geometry,
            strict=True,
        ):
            d = line_distance(geom, union[network])
            rows.append((layer, fid, name, quality, d.median_m, d.p90_m, d.max_m))
    stations = layers["station"].to_crs(metric_crs)
    for sid, name, quality, geom in zip(
        stations["station_id"],
        stations["name"],
        stations["geometry_quality"],
        stations.geometry,
        strict=True,
    ):
        gap = float(shapely.distance(geom, union["rail"]))
        rows.append(("station", sid, name, quality, gap, gap, gap))
    return pd.DataFrame(
        rows, columns=["layer", "id", "name", "geometry_quality", "median_m", "p90_m", "max_m"]
    )
