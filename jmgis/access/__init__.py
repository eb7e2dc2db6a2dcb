"""Generic accessibility measures on any network with the network contract.

- the routing engine, re-exported from :mod:`jmgis.routing` (contract:
  :func:`travel_time_matrix` ``(G, origins, destinations=None, *, cutoff_s=None,
  weight="travel_time_s")`` → seconds, ``inf`` where unreachable or beyond the cutoff);
- measures: :func:`cumulative_opportunities`, :func:`nearest_time`, :func:`gravity`,
  :func:`two_step_fca`, :func:`enhanced_two_step_fca`, :func:`gravity_two_step_fca`,
  :func:`three_step_fca`, :func:`summarize`, :func:`gini`,
  :func:`worst_served`;
- :func:`isochrones`, :func:`travel_time_raster`, :mod:`jmgis.access.distributed`.

The Jiangmen profile, scenarios and population live in :mod:`jmgis.jiangmen`; the old
names ``jmgis.access.profile``, ``zone_summary``, ``compare_years`` and ``load_population``
still work and warn.  Heavy submodules (isochrones, raster) load on first use.
"""

from __future__ import annotations

from jmgis._compat import moved_names
from jmgis._lazy import lazy_attributes
from jmgis.routing import (
    CompiledGraph,
    NearestResult,
    Snapped,
    clear_cache,
    compile_arrays,
    compile_graph,
    k_nearest_facilities,
    nearest_facility,
    offnet_seconds,
    path_edges,
    points_travel_time_matrix,
    shortest_path,
    shortest_paths,
    snap_points,
    travel_time_matrix,
    travel_times_to,
)

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
    "gravity_two_step_fca": "jmgis.access.fca",
    "three_step_fca": "jmgis.access.fca",
    "check_time_units": "jmgis.access.measures",
    "demand_to_supply_times": "jmgis.access.fca",
    "FCAResult": "jmgis.access.fca",
    "isochrones": "jmgis.access.isochrone",
    "vector_isochrone": "jmgis.access.isochrone",
    "travel_time_raster": "jmgis.access.raster",
}

_MOVED = {
    "profile": "jmgis.jiangmen.geo",
    "zone_summary": "jmgis.jiangmen.geo",
    "compare_years": "jmgis.jiangmen.scenario",
    "load_population": "jmgis.jiangmen.population",
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

__getattr__, __dir__ = lazy_attributes(
    __name__, _LAZY, __all__, fallback=moved_names(__name__, _MOVED)
)
