"""Accessibility: a csgraph travel-time engine and the measures planners ask for.

The contract (``docs/ARCHITECTURE.md``, *Accessibility contract*):
:func:`travel_time_matrix` ``(G, origins, destinations=None, *, cutoff_s=None,
weight="travel_time_s")`` → seconds, ``inf`` where unreachable or beyond the cutoff.

- engine: :func:`travel_time_matrix`, :func:`travel_times_to`, :func:`nearest_facility`,
  :func:`k_nearest_facilities`, :func:`shortest_path`, :func:`path_edges`,
  :func:`snap_points`;
- measures: :func:`cumulative_opportunities`, :func:`nearest_time`, :func:`gravity`,
  :func:`two_step_fca`, :func:`enhanced_two_step_fca`, :func:`summarize`, :func:`gini`,
  :func:`worst_served`;
- :func:`isochrones`, :func:`travel_time_raster`, the Jiangmen :func:`profile`,
  :func:`compare_years`, :mod:`jmgis.access.distributed`.

Heavy submodules (isochrones, raster, profile) are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from jmgis.access.engine import (
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
from jmgis.access.snap import Snapped, offnet_seconds, points_travel_time_matrix, snap_points

_LAZY = {
    "DECAY_FUNCTIONS": "jmgis.access.measures",
    "decay": "jmgis.access.measures",
    "cumulative_opportunities": "jmgis.access.measures",
    "nearest_time": "jmgis.access.measures",
    "gravity": "jmgis.access.measures",
    "summarize": "jmgis.access.measures",
    "gini": "jmgis.access.measures",
    "worst_served": "jmgis.access.measures",
    "two_step_fca": "jmgis.access.fca",
    "enhanced_two_step_fca": "jmgis.access.fca",
    "demand_to_supply_times": "jmgis.access.fca",
    "FCAResult": "jmgis.access.fca",
    "isochrones": "jmgis.access.isochrone",
    "travel_time_raster": "jmgis.access.raster",
    "profile": "jmgis.access.jiangmen",
    "zone_summary": "jmgis.access.jiangmen",
    "compare_years": "jmgis.access.scenario",
    "load_population": "jmgis.access.population",
}

__all__ = [
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
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'jmgis.access' has no attribute {name!r}")
