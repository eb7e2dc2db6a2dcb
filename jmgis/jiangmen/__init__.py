"""The Jiangmen application: what jmgis computes *for Jiangmen* on top of the generic parts.

- :func:`profile` — minutes from each township seat to the city's targets (市政府,
  stations, ports, interchanges, 广州/深圳/珠海/澳门 …) in a scenario year, as a
  GeoDataFrame of the township polygons (:mod:`jmgis.jiangmen.geo`);
- :func:`zone_summary` — population-weighted summaries by 三区 zone;
- :func:`compare_years` — what changes between two scenario years, and the projects behind
  each change;
- :func:`load_population` — the township population table (census + estimates);
- :func:`hub_isochrones`, :func:`access_layers`, :func:`write_rasters` — the accessibility
  layers of the GeoPackage;
- :func:`plausibility_table` — modelled trips against expected ranges.
"""

from __future__ import annotations

from jmgis._lazy import lazy_attributes

_LAZY = {
    "TARGETS": "jmgis.jiangmen.township_access",
    "Target": "jmgis.jiangmen.township_access",
    "jiangmen_graph": "jmgis.jiangmen.township_access",
    "targets": "jmgis.jiangmen.township_access",
    "seat_nodes": "jmgis.jiangmen.township_access",
    "profile": "jmgis.jiangmen.geo",
    "zone_summary": "jmgis.jiangmen.geo",
    "round_minutes": "jmgis.jiangmen.geo",
    "hub_isochrones": "jmgis.jiangmen.township_access",
    "Comparison": "jmgis.jiangmen.scenario",
    "compare_years": "jmgis.jiangmen.scenario",
    "load_population": "jmgis.jiangmen.population",
    "access_layers": "jmgis.jiangmen.outputs",
    "write_rasters": "jmgis.jiangmen.outputs",
    "plausibility_table": "jmgis.jiangmen.plausibility",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, ())
