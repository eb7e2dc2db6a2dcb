"""The ODbL attribution (issue 14.5): "© OpenStreetMap contributors, ODbL" wherever
OpenStreetMap-derived data are shown or stored — the maps' footer and the GeoPackage's
``data_source`` table — and nowhere else."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from jmgis import admin
from jmgis.attribution import OSM_ATTRIBUTION
from jmgis.io.gpkg import SOURCES_LAYER, data_sources, list_layers, read_layer, write_gpkg
from jmgis.layers import layer_spec
from jmgis.maps.sources import footer_sources


def _osm_edges() -> gpd.GeoDataFrame:
    """A user network edge read from an OpenStreetMap extract (as base_network writes it)."""
    spec = layer_spec("base_network_edge")
    row = {f.name: "x" for f in spec.fields}
    row.update(oneway=0, length_m=1000.0, speed_kph=40.0, travel_time_s=90.0)
    row["source"] = "OpenStreetMap extract jiangmen.osm.pbf"
    return gpd.GeoDataFrame(
        pd.DataFrame([row]),
        geometry=[shapely.LineString([(113.0, 22.5), (113.01, 22.5)])],
        crs="EPSG:4490",
    )


@pytest.fixture(scope="module")
def admin_layers():
    return dict(admin.layers())


def test_the_footer_names_osm_only_with_an_osm_derived_layer(admin_layers):
    townships = admin_layers["township"]
    assert OSM_ATTRIBUTION not in footer_sources([townships])
    assert OSM_ATTRIBUTION in footer_sources([townships, _osm_edges()])


def test_the_data_source_table_names_osm_only_with_an_osm_derived_layer(admin_layers):
    plain = data_sources(admin_layers)
    assert "osm" not in set(plain["source_key"])
    assert len(plain) and plain["layers"].str.contains("township").any()
    with_osm = data_sources({**admin_layers, "base_network_edge": _osm_edges()})
    osm = with_osm[with_osm["source_key"] == "osm"]
    assert list(osm["attribution"]) == [OSM_ATTRIBUTION]
    assert list(osm["licence"]) == ["ODbL 1.0"]
    assert list(osm["layers"]) == ["base_network_edge"]


def test_the_geopackage_stores_the_attribution(admin_layers, tmp_path):
    path = write_gpkg({**admin_layers, "base_network_edge": _osm_edges()}, tmp_path / "a.gpkg")
    assert SOURCES_LAYER in list_layers(path)
    table = read_layer(path, SOURCES_LAYER)
    assert OSM_ATTRIBUTION in set(table["attribution"])
    plain = write_gpkg(admin_layers, tmp_path / "b.gpkg")
    assert OSM_ATTRIBUTION not in set(read_layer(plain, SOURCES_LAYER)["attribution"])


def test_every_source_the_bundled_transport_cites_by_name_is_attributed():
    from jmgis import transport

    table = data_sources(transport.layers())
    keys = set(table["source_key"])
    assert {"plans", "wikipedia", "geonames"} <= keys
    wiki = table[table["source_key"] == "wikipedia"]
    assert list(wiki["licence"]) == ["CC BY-SA 4.0"]
