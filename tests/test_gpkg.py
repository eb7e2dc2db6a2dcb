"""The GeoPackage: contract layers, EPSG:4490, lossless write → read."""

import sqlite3

import geopandas as gpd
import pandas as pd
import pytest

from jmgis import admin
from jmgis.errors import DataError
from jmgis.io.gpkg import GPKG_VERSION, list_layers, read_layer, write_gpkg


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    layers = admin.layers()
    path = tmp_path_factory.mktemp("gpkg") / "jiangmen.gpkg"
    write_gpkg(layers, path)
    return layers, path


def test_every_admin_layer_is_written_in_4490(written):
    layers, path = written
    assert set(list_layers(path)) >= set(layers)
    for name in layers:
        assert read_layer(path, name).crs.to_epsg() == 4490


def test_round_trip_is_lossless(written):
    layers, path = written
    for name, original in layers.items():
        back = read_layer(path, name)
        assert list(back.columns) == list(original.columns), name
        for column in original.columns:
            if column == "geometry":
                continue
            left = original[column].reset_index(drop=True)
            right = back[column].reset_index(drop=True)
            if pd.api.types.is_float_dtype(left):
                pd.testing.assert_series_equal(left, right.astype(float), check_names=False)
            else:
                assert left.astype(str).tolist() == right.astype(str).tolist(), (name, column)
        assert (
            original.geometry.reset_index(drop=True)
            .geom_equals_exact(back.geometry.reset_index(drop=True), tolerance=0)
            .all()
        ), name


def test_codes_stay_strings_and_chinese_survives(written):
    _, path = written
    township = read_layer(path, "township")
    assert township["code"].str.fullmatch(r"\d{9}").all()
    assert "环市街道" in set(township["name"])
    assert set(township["zone_name"]) == {"都市核心区", "大广海湾区", "生态发展区"}


def test_geopackage_version_is_one_qgis_322_reads(written):
    _, path = written
    with sqlite3.connect(path) as db:
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        user_version = db.execute("PRAGMA user_version").fetchone()[0]
    assert application_id == int.from_bytes(b"GPKG", "big")
    assert user_version == 10200 and GPKG_VERSION == "1.2"


def test_missing_contract_column_is_refused(tmp_path):
    township = admin.load_townships().drop(columns=["zone_code"])
    with pytest.raises(DataError, match="missing columns"):
        write_gpkg({"township": township}, tmp_path / "bad.gpkg")


def test_attribute_tables_without_geometry(tmp_path):
    from jmgis.io.gpkg import write_layer
    from jmgis.layers import FieldSpec, LayerSpec

    spec = LayerSpec(
        "scratch_table",
        "临时表",
        "",
        None,
        (FieldSpec("code", "str", "代码"), FieldSpec("t_city_gov_min", "float", "分钟")),
    )
    table = pd.DataFrame({"code": ["440703006"], "t_city_gov_min": [4.5]})
    path = tmp_path / "t.gpkg"
    write_layer(table, path, "scratch_table", spec=spec)
    back = read_layer(path, "scratch_table")
    assert not isinstance(back, gpd.GeoDataFrame)
    assert back["code"].tolist() == ["440703006"]


def test_unregistered_layers_and_columns_are_refused(tmp_path):
    table = pd.DataFrame({"code": ["440703006"]})
    with pytest.raises(DataError, match="scratch_table: is not a registered layer"):
        write_gpkg({"scratch_table": table}, tmp_path / "a.gpkg")
    seats = admin.load_seats().assign(note="x")
    with pytest.raises(DataError, match=r"unregistered columns \['note'\]") as info:
        write_gpkg({"township_seat": seats}, tmp_path / "b.gpkg")
    assert info.value.field == "note"
