"""The generic routing engine.

A directed graph compiled to CSR arrays, Dijkstra queries through :mod:`scipy.sparse.csgraph`, and
snapping of points to nodes.

It works on any graph with the network contract (``x``/``y`` node coordinates in metres,
edge weights in seconds) and knows nothing of Jiangmen.

- :mod:`jmgis.routing.engine`: :func:`compile_graph`, :func:`travel_time_matrix`,
  :func:`travel_times_to`, :func:`nearest_facility`, :func:`k_nearest_facilities`,
  :func:`shortest_path`, :func:`shortest_paths`, :func:`path_edges`;
- :mod:`jmgis.routing.snap`: :func:`snap_points`, :func:`points_travel_time_matrix`,
  :func:`offnet_seconds`.
"""

from __future__ import annotations

from jmgis.routing.engine import (
    DEFAULT_WEIGHT,
    CompiledGraph,
    NearestResult,
    clear_cache,
    compile_arrays,
    compile_graph,
    k_nearest_facilities,
    nearest_facility,
    path_edges,
    shortest_path,
    shortest_paths,
    travel_time_matrix,
    travel_times_to,
)
from jmgis.routing.snap import Snapped, offnet_seconds, points_travel_time_matrix, snap_points

__all__ = [
    "DEFAULT_WEIGHT",
    "CompiledGraph",
    "NearestResult",
    "Snapped",
    "clear_cache",
    "compile_arrays",
    "compile_graph",
    "k_nearest_facilities",
    "nearest_facility",
    "offnet_seconds",
    "path_edges",
    "points_travel_time_matrix",
    "shortest_path",
    "shortest_paths",
    "snap_points",
    "travel_time_matrix",
    "travel_times_to",
]
