"""Shapefile export: short field names, UTF-8 with .cpg, byte limits, GBK legacy reader."""

from __future__ import annotations

import csv

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from jmgis.errors import DataError
from jmgis.io.shapefile import (
    MAX_STRING_BYTES,
    detect_dbf_encoding,
    read_exported_layer,
    read_shapefile,
    shapefile_field_names,
    write_shapefiles,
)
from jmgis.layers import layer_spec
from tests.clients import require_qgis
from tests.qgis_probe import run_probe

names = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz_0123456789ABC乡镇代码"),
    min_size=1,
    max_size=20,
)


@given(st.lists(names, min_size=1, max_size=30, unique=True))
def test_field_names_fit_dbf_and_stay_unique(columns):
    mapping = shapefile_field_names(columns)
    assert list(mapping) == columns
    short = list(mapping.values())
    assert all(len(s.encode("ascii")) <= 10 for s in short)
    assert len({s.lower() for s in short}) == len(short)  # DBF names ignore case
    assert shapefile_field_names(columns) == mapping  # deterministic
    for column in columns:
        if (
            column.isascii()
            and len(column) <= 10
            and column.lower() not in {c.lower() for c in columns[: columns.index(column)]}
        ):
            assert mapping[column] == column


def test_long_names_are_cut_and_collisions_numbered():
    mapping = shapefile_field_names(["t_core_min", "t_core_min_2035", "t_core_min_2020"])
    assert mapping == {
        "t_core_min": "t_core_min",
        "t_core_min_2035": "t_core_m_1",
        "t_core_min_2020": "t_core_m_2",
    }


@pytest.fixture(scope="module")
def admin_layers():
    from jmgis import admin

    return admin.layers()


@pytest.fixture(scope="module")
def exported(admin_layers, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shp")
    written = write_shapefiles(admin_layers, folder)
    return folder, written


def _assert_same(original: pd.DataFrame, back: pd.DataFrame) -> None:
    assert list(back.columns) == list(original.columns)
    for column in original.columns:
        if column == "geometry":
            a = shapely.normalize(original.geometry.to_numpy())
            b = shapely.normalize(back.geometry.to_numpy())
            assert shapely.equals_exact(a, b, tolerance=0).all()
        elif pd.api.types.is_float_dtype(original[column]):
            np.testing.assert_allclose(back[column], original[column], rtol=1e-13, atol=1e-15)
        else:
            assert _values(back[column]) == _values(original[column]), column


def _values(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series.astype(object)]


def test_admin_layers_round_trip_losslessly(admin_layers, exported):
    folder, _ = exported
    for name, frame in admin_layers.items():
        back = read_exported_layer(folder, name)
        assert back.crs.to_epsg() == 4490
        _assert_same(frame.reset_index(drop=True), back)


def test_files_say_utf8_and_fields_csv_documents_the_names(exported):
    folder, written = exported
    for path in written:
        if path.suffix == ".shp":
            assert path.with_suffix(".cpg").read_text().strip() == "UTF-8"
            for field in pyogrio.read_info(path)["fields"]:
                assert len(field.encode()) <= 10
    with (folder / "fields.csv").open(encoding="utf-8-sig") as handle:
        rows = {(r["layer"], r["column"]): r for r in csv.DictReader(handle)}
    row = rows[("township", "policy_zone_codes")]
    assert row["shapefile_field"] == "policy_zon"
    assert row["alias"] == layer_spec("township").aliases["policy_zone_codes"]
    assert row["file"] == "township.shp"


def test_tables_without_geometry_are_written_as_dbf(tmp_path):
    table = pd.DataFrame({"code": ["440703"], "population_2020": pd.array([None], dtype="Int64")})
    write_shapefiles({"pop": table}, tmp_path)
    back = read_exported_layer(tmp_path, "pop")
    assert back["code"].tolist() == ["440703"]
    assert back["population_2020"].isna().all()


def test_long_text_continues_in_extra_fields_and_joins_back(tmp_path):
    text = "江门市" * 60 + " 跨越 ASCII and 空格 " + "湾" * 100  # > 254 bytes several times
    frame = gpd.GeoDataFrame(
        {"code": ["a", "b", "c"], "note": [text, "短", None]},
        geometry=[shapely.Point(113, 22), shapely.Point(113, 22.1), shapely.Point(113, 22.2)],
        crs=4490,
    )
    write_shapefiles({"notes": frame}, tmp_path)
    fields = pyogrio.read_info(tmp_path / "notes.shp")["fields"]
    assert len(fields) > 2  # the note continues in extra fields
    raw = read_shapefile(tmp_path / "notes.shp")
    for column in fields:
        if column != "code":
            lengths = raw[column].dropna().map(lambda v: len(v.encode()))
            assert (lengths <= MAX_STRING_BYTES).all()
    back = read_exported_layer(tmp_path, "notes")
    assert back["note"].tolist()[:2] == [text, "短"]
    assert pd.isna(back["note"].iloc[2])


def test_too_long_text_is_an_error_naming_layer_field_and_feature(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code": ["a", "b"], "note": ["短", "长" * 100]},  # 300 bytes in UTF-8
        geometry=[shapely.Point(113, 22), shapely.Point(113, 22.1)],
        crs=4490,
    )
    with pytest.raises(DataError) as err:
        write_shapefiles({"notes": frame}, tmp_path / "out", long_text="error")
    message = str(err.value)
    assert "notes.note" in message and "feature b" in message and "300 bytes" in message
    assert str(MAX_STRING_BYTES) in message
    assert not (tmp_path / "out").exists()  # checked before anything is written


def _legacy_gbk(tmp_path):
    frame = gpd.GeoDataFrame(
        {"XZQMC": ["蓬江区", "台山市"], "XZQDM": ["440703", "440781"]},
        geometry=[shapely.Point(113.07, 22.6), shapely.Point(112.79, 22.25)],
        crs=4490,
    )
    path = tmp_path / "legacy.shp"
    pyogrio.write_dataframe(frame, path, encoding="cp936")
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0  # old tools leave the language driver id empty
    dbf.write_bytes(bytes(data))
    return path


def test_legacy_gbk_shapefile_without_cpg_reads_correctly(tmp_path):
    path = _legacy_gbk(tmp_path)
    assert detect_dbf_encoding(path.with_suffix(".dbf")) == "cp936"
    assert read_shapefile(path)["XZQMC"].tolist() == ["蓬江区", "台山市"]
    naive = pyogrio.read_dataframe(path)["XZQMC"].tolist()
    assert naive != ["蓬江区", "台山市"]  # what a reader without detection shows


def test_utf8_without_cpg_is_detected_as_utf8(tmp_path, admin_layers):
    write_shapefiles({"county": admin_layers["county"]}, tmp_path)
    (tmp_path / "county.cpg").unlink()
    assert detect_dbf_encoding(tmp_path / "county.dbf") == "UTF-8"
    assert (
        read_shapefile(tmp_path / "county.shp")["name"].tolist()
        == admin_layers["county"]["name"].tolist()
    )


@pytest.mark.qgis
def test_qgis_reads_the_export_like_geopandas(exported, admin_layers):
    python = require_qgis()
    folder, _ = exported
    files = [folder / f"{name}.shp" for name in admin_layers]
    seen = run_probe(python, "shapefile", *files)["files"]
    for name in admin_layers:
        info = seen[f"{name}.shp"]
        assert info["valid"]
        assert info["encoding"] == "UTF-8"
        ours = read_shapefile(folder / f"{name}.shp")
        assert info["feature_count"] == len(ours)
        qgis_rows = [info["features"][k] for k in sorted(info["features"], key=int)]
        for row, (_, expected) in zip(
            qgis_rows, ours.drop(columns="geometry").iterrows(), strict=True
        ):
            for field, value in expected.items():
                if pd.isna(value):
                    assert row[field] is None, (name, field)
                elif isinstance(value, float):
                    assert row[field] == pytest.approx(value, rel=1e-12), (name, field)
                else:
                    assert row[field] == value, (name, field)
        qgis_geoms = shapely.from_wkt(
            [info["geometries"][k] for k in sorted(info["geometries"], key=int)]
        )
        # QGIS reports the file's multi type, like read_exported_layer; WKT has 9 decimals
        restored = read_exported_layer(folder, name).geometry.to_numpy()
        assert shapely.equals_exact(qgis_geoms, restored, tolerance=1e-8).all()


def test_mixed_geometry_layer_becomes_one_file_set_per_type_and_reads_back(tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["轴", "片区", "格局", "带"], "note": ["", None, "x", ""]},
        geometry=[
            shapely.LineString([(113, 22), (113.1, 22.1)]),
            shapely.MultiPolygon([shapely.box(113, 22, 113.1, 22.1)]),
            None,
            shapely.LineString([(113, 22.2), (113.2, 22.2)]),
        ],
        crs=4490,
    )
    written = write_shapefiles({"structure": frame}, tmp_path)
    assert {p.name for p in written} == {
        "structure_linestring.shp",
        "structure_polygon.shp",
        "fields.csv",
    }
    back = read_exported_layer(tmp_path, "structure")
    assert back["name"].tolist() == frame["name"].tolist()
    assert _values(back["note"]) == ["", None, "x", ""]  # empty and missing kept apart
    assert back.geometry.iloc[2] is None
    assert back.geometry.iloc[1].geom_type == "MultiPolygon"
    assert back.geometry.iloc[0].equals(frame.geometry.iloc[0])


long_texts = st.text(
    alphabet=st.sampled_from([*"江门市台山 ab1,;\u3000", "𠀋"]),  # CJK, ASCII, blanks, 4-byte
    min_size=0,
    max_size=400,
)


@given(long_texts)
def test_long_text_pieces_fit_and_join_back(text):
    from jmgis.io.shapefile import _chunks

    pieces = _chunks(text)
    assert "".join(pieces) == text
    assert all(len(p.encode("utf-8")) <= MAX_STRING_BYTES for p in pieces)
    for piece in pieces[:-1]:  # a DBF reader drops trailing blanks: never cut next to one
        assert piece and not piece[-1].isspace()


@pytest.mark.parametrize("seed", range(3))
def test_long_text_round_trips_through_the_file(tmp_path, seed):
    rng = np.random.default_rng(seed)
    alphabet = list("江门市台山 ab1,;𠀋")
    texts = ["".join(rng.choice(alphabet, size=rng.integers(200, 500))).strip() for _ in range(4)]
    frame = pd.DataFrame({"code": list("abcd"), "note": texts})
    write_shapefiles({"notes": frame}, tmp_path)
    assert read_exported_layer(tmp_path, "notes")["note"].tolist() == texts
