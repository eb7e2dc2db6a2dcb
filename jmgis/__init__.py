"""jmgis — spatial-planning GIS toolkit for Jiangmen (江门市).

>>> import jmgis as jm
>>> settings = jm.Settings.load(years=(2020, 2030))      # doctest: +SKIP
>>> ctx = jm.build(settings)                             # everything `jmgis build` does
>>> towns = jm.load_townships()                          # 73 townships with 三区 zones
>>> G = jm.build_graph(2025)                             # the multimodal graph of 2025
>>> profile = jm.profile(2025)                           # minutes from each seat

The parts, in the order they depend on each other (``docs/ARCHITECTURE.md``):

- base: :mod:`jmgis.settings`, :mod:`jmgis.vocab`, :mod:`jmgis.errors`, :mod:`jmgis.paths`,
  :mod:`jmgis.crs`, :mod:`jmgis.style`, :mod:`jmgis.layers` (the layer registry),
  :mod:`jmgis.speeds`, the data-file readers;
- :mod:`jmgis.admin`     city, counties, 73 townships, 三区 zones, name/code resolver
- :mod:`jmgis.transport` transport layers (roads, rail, stations, ports, airports, gateways)
- :mod:`jmgis.catalog`   the plan catalog (parks, structure, schemes, projects, indicators)
- :mod:`jmgis.routing`   the generic engine: compiled graph, Dijkstra, snapping
- :mod:`jmgis.network`   building the multimodal graph by scenario year
- :mod:`jmgis.access`    generic accessibility measures, isochrones, rasters
- :mod:`jmgis.jiangmen`  the Jiangmen profile, scenarios, population, plausibility
- :mod:`jmgis.maps`, :mod:`jmgis.io`, :mod:`jmgis.report`  the outputs
- :mod:`jmgis.pipeline`  ``jmgis build``; :mod:`jmgis.cli` the command line
"""

from __future__ import annotations

from jmgis._lazy import lazy_attributes

__version__ = "0.1.0"

_LAZY = {
    "Settings": "jmgis.settings",
    "use": "jmgis.settings",
    "build": "jmgis.pipeline",
    "build_layers": "jmgis.pipeline",
    "load_townships": "jmgis.admin",
    "load_counties": "jmgis.admin",
    "load_zones": "jmgis.admin",
    "resolve_township": "jmgis.admin",
    "load_user_townships": "jmgis.admin.user",
    "resolve_place": "jmgis.admin.places",
    "build_graph": "jmgis.network",
    "nearest_node": "jmgis.network.geodata",
    "graph_to_gdfs": "jmgis.network.geodata",
    "graph_from_gdfs": "jmgis.network.geodata",
    "SpeedTable": "jmgis.speeds",
    "travel_time_matrix": "jmgis.routing",
    "profile": "jmgis.jiangmen",
    "zone_summary": "jmgis.jiangmen",
    "compare_years": "jmgis.jiangmen",
    "load_population": "jmgis.jiangmen",
    "use_chinese_font": "jmgis.fonts",
    "DataError": "jmgis.errors",
    "JmgisError": "jmgis.errors",
}
_SUBPACKAGES = (
    "access",
    "admin",
    "catalog",
    "crs",
    "io",
    "jiangmen",
    "maps",
    "network",
    "report",
    "routing",
    "transport",
    "vocab",
)


def route(
    origin: str, destination: str, *, year: int = 2025, mode: str = "any", G: object = None
) -> object:
    """The fastest route between two named places (:func:`jmgis.network.route.route_between`).

    >>> r = jm.route("棠下镇", "台城街道", year=2025)     # doctest: +SKIP
    >>> r.minutes, r.distance_km, r.legs, r.to_gdf()     # doctest: +SKIP

    Parameters
    ----------
    origin, destination
        Place names, township codes or ids.
    year
        Scenario year of the network.
    mode
        ``any``, ``road`` or ``rail``.
    G
        A graph to use instead of the shared one of ``year``.

    Returns
    -------
    jmgis.network.route.Route
    """
    from jmgis.network.route import route_between

    return route_between(origin, destination, year=year, mode=mode, G=G)


def _subpackage(name: str) -> object:
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"jmgis.{name}")
    raise AttributeError(f"module 'jmgis' has no attribute {name!r}")


__all__ = ["__version__", "route", *_LAZY, *_SUBPACKAGES]
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__, fallback=_subpackage)
