"""Layers the network subsystem adds to the GeoPackage (``jmgis build``)."""

from __future__ import annotations

import geopandas as gpd

from jmgis.layers import layer_spec


def layers() -> dict[str, gpd.GeoDataFrame]:
    """``local_road``: the derived seat links (:mod:`jmgis.network.local`), EPSG:4490."""
    from jmgis.network.build import local_roads

    local = local_roads()
    spec = layer_spec("local_road")
    return {"local_road": local[[*spec.field_names, "geometry"]]}
