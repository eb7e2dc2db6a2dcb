"""The multimodal transport graph of jmgis (networkx ``MultiDiGraph``) by scenario year.

The contract (``docs/ARCHITECTURE.md``, *Network contract*):

- :func:`build_graph` ``(year, modes=("road", "rail", "ferry"), *, speeds=None,
  analysis_crs=None)`` builds the Jiangmen graph from :mod:`jmgis.transport` and the
  township seats;
- :func:`from_layers` builds the same contract from a user's own line layers;
- :func:`from_osm` builds it from an OSM XML extract;
- :class:`SpeedTable` holds the operating speeds and penalties.

Heavy submodules are imported lazily so that ``jmgis.speeds`` stays cheap.
Routes: :func:`jmgis.network.route.route`; checks: :func:`check_network`.
"""

from __future__ import annotations

from jmgis._lazy import lazy_attributes
from jmgis.speeds import DEFAULT_SPEEDS_KPH, FerryParams, SpeedTable

_LAZY = {
    "build_graph": "jmgis.network.build",
    "from_layers": "jmgis.network.user_layers",
    "from_osm": "jmgis.network.osm",
    "check_network": "jmgis.network.check",
    "shared_graph": "jmgis.network.build",
    "TopologyReport": "jmgis.network.noding",
    "graph_to_gdfs": "jmgis.network.geodata",
    "graph_from_gdfs": "jmgis.network.geodata",
    "nearest_node": "jmgis.network.geodata",
}

__all__ = ["DEFAULT_SPEEDS_KPH", "FerryParams", "SpeedTable", *_LAZY]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
