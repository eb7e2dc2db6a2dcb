"""Every new kind of plan content (issue 14) reaches the GeoPackage, the plan map and the
QGIS project: one layer per facility sector, in the 专项设施与试点 group."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from jmgis import admin, maps
from jmgis.catalog import layers as catalog_layers
from jmgis.catalog import load_catalog
from jmgis.io.gpkg import list_layers, read_layer, write_gpkg
from jmgis.io.qgis import write_qgis
from jmgis.io.qgis.project import read_project_from_gpkg
from jmgis.layers import layer_spec
from jmgis.vocab import FACILITY_LAYERS
from tests.maps_fixtures import shows

GROUP = "专项设施与试点"


@pytest.fixture(scope="module")
def layers():
    out = dict(admin.layers())
    out.update(
        {
            name: frame
            for name, frame in catalog_layers().items()
            if name in FACILITY_LAYERS.values()
        }
    )
    return out


@pytest.fixture(scope="module")
def gpkg(layers, tmp_path_factory):
    path = tmp_path_factory.mktemp("facilities") / "jiangmen.gpkg"
    write_gpkg(layers, path)
    write_qgis(path, layers)
    return path


def test_every_sector_layer_is_in_the_geopackage(layers, gpkg):
    present = set(list_layers(gpkg))
    frame = load_catalog().facilities
    for sector, name in FACILITY_LAYERS.items():
        assert name in present
        back = read_layer(gpkg, name)
        rows = frame[frame["sector"] == sector]
        assert len(back) == len(rows), name
        assert back.crs.to_epsg() == 4490
        # rows without a place are kept, as rows with an empty geometry
        located = back.geometry.notna() & ~back.geometry.is_empty
        assert int(located.sum()) == int(rows.geometry.notna().sum()), name
        assert set(back["id"]) == set(rows["id"])
        assert back["source"].str.contains(r"\d{3}_[0-9a-f]+\.txt:\d+").all()


def test_every_sector_with_a_point_is_on_the_plan_map(layers):
    page = maps.make_map("plan", layers).get_root().render()
    frame = load_catalog().facilities
    for sector, name in FACILITY_LAYERS.items():
        located = frame[(frame["sector"] == sector) & frame.geometry.notna()]
        assert len(located), f"{sector} has no point to draw"
        assert shows(page, layer_spec(name).title), name  # in the layer control
        assert f"jm-point-{name}" in page, name
        assert shows(page, located.iloc[0]["name"]), name
    # a row without a place is not drawn anywhere
    unplaced = frame[frame.geometry.isna()]
    assert len(unplaced) and not shows(page, unplaced.iloc[0]["name"])


def test_every_sector_layer_is_in_the_qgis_project_group(gpkg):
    qgs = ET.fromstring(read_project_from_gpkg(gpkg))
    groups = {g.get("name"): g for g in qgs.iter("layer-tree-group")}
    assert GROUP in groups
    in_group = {node.get("name") for node in groups[GROUP].iter("layer-tree-layer")}
    titles = {layer_spec(name).title for name in FACILITY_LAYERS.values()}
    assert titles <= in_group, titles - in_group
