"""``jmgis export``: planning-database profile, GeoPackage and Shapefile exports, CLI."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest

from jmgis.cli import main
from jmgis.io.export import export_gpkg, export_shapefiles, read_gpkg_layers
from jmgis.io.gpkg import write_gpkg
from jmgis.io.profiles import YSDM_XZQ, apply_profile
from jmgis.io.shapefile import read_exported_layer
from jmgis.layers import layer_spec
from tests.clients import require_qgis
from tests.qgis_probe import run_probe


@pytest.fixture(scope="module")
def admin_layers():
    from jmgis import admin

    return admin.layers()


@pytest.fixture(scope="module")
def source_gpkg(admin_layers, tmp_path_factory):
    return write_gpkg(admin_layers, tmp_path_factory.mktemp("src") / "jiangmen.gpkg")


def test_planning_db_profile_renames_admin_layers_and_fields(admin_layers):
    result = apply_profile(admin_layers, "planning-db")
    assert {"SJXZQ", "XJXZQ", "XZQ"} <= set(result.layers)
    assert not {"city", "county", "township"} & set(result.layers)
    assert result.layers["zone"] is admin_layers["zone"]  # other layers pass unchanged
    xzq = result.layers["XZQ"]
    township = admin_layers["township"].set_index("code")
    assert list(xzq.columns[:6]) == ["BSM", "YSDM", "XZQDM", "XZQMC", "MJ", "BZ"]
    assert (xzq["YSDM"] == YSDM_XZQ).all()
    for _, row in xzq.iterrows():
        code = row["XZQDM"][:9]
        assert row["XZQDM"] == code + "000" and len(row["XZQDM"]) == 12
        assert row["XZQMC"] == township.at[code, "name"]
        assert row["MJ"] == pytest.approx(township.at[code, "area_km2"] * 1e6, abs=0.01)
    county = result.layers["XJXZQ"]
    assert county["XZQDM"].tolist() == sorted(admin_layers["county"]["code"])
    bsm = pd.concat([result.layers[n]["BSM"] for n in ("SJXZQ", "XJXZQ", "XZQ")])
    assert bsm.is_unique and (bsm.str.len() == 18).all()
    schematic = xzq["BZ"][
        admin_layers["township"].set_index(xzq.index)["geometry_quality"] == "schematic"
    ]
    assert (schematic != "").all()  # a schematic boundary is flagged in 备注
    assert result.style_as["XZQ"] == "township"
    assert result.specs["XZQ"].aliases["XZQDM"] == "行政区代码"


def test_unknown_profile_is_an_error(admin_layers):
    with pytest.raises(Exception, match="planning-db"):
        apply_profile(admin_layers, "esri")


def test_default_gpkg_export_is_a_lossless_copy(source_gpkg, admin_layers, tmp_path):
    export_gpkg(read_gpkg_layers(source_gpkg), tmp_path / "copy.gpkg", qgz=True)
    copy = read_gpkg_layers(tmp_path / "copy.gpkg")
    # every GeoPackage also lists its data sources and licences (jmgis.io.gpkg.data_sources)
    assert list(copy) == [*admin_layers, "data_source"]
    for name, frame in admin_layers.items():
        pd.testing.assert_frame_equal(
            pd.DataFrame(copy[name].drop(columns="geometry")),
            pd.DataFrame(read_gpkg_layers(source_gpkg)[name].drop(columns="geometry")),
        )
        assert copy[name].geometry.geom_equals_exact(frame.geometry, tolerance=0).all()
    assert (tmp_path / "copy.qgz").exists()


def test_cli_export_gpkg_planning_db(source_gpkg, tmp_path):
    out = tmp_path / "pdb.gpkg"
    assert (
        main(["export", "gpkg", str(out), "--profile", "planning-db", "--from", str(source_gpkg)])
        == 0
    )
    names = [n for n, _ in pyogrio.list_layers(out)]
    assert {"SJXZQ", "XJXZQ", "XZQ", "layer_styles"} <= set(names)
    xzq = pyogrio.read_dataframe(out, layer="XZQ", read_geometry=False)
    assert xzq["XZQDM"].str.len().eq(12).all()


def test_cli_export_shp_writes_every_layer_and_reads_back(source_gpkg, admin_layers, tmp_path):
    out = tmp_path / "shp"
    assert main(["export", "shp", str(out), "--from", str(source_gpkg)]) == 0
    assert (out / "fields.csv").exists()
    for name, frame in admin_layers.items():
        back = read_exported_layer(out, name)
        assert len(back) == len(frame)
        assert back["code"].tolist() == frame["code"].tolist()


def test_cli_export_shp_strict_reports_long_text(source_gpkg, tmp_path, capsys):
    status = main(["export", "shp", str(tmp_path / "s"), "--strict", "--from", str(source_gpkg)])
    err = capsys.readouterr().err
    # the derived township sources are longer than 254 bytes: strict mode must say where
    assert status == 2
    assert "township.source" in err and "bytes" in err


def test_cli_unknown_layer_is_a_clear_error(source_gpkg, tmp_path, capsys):
    status = main(
        ["export", "shp", str(tmp_path / "s"), "--layers", "nope", "--from", str(source_gpkg)]
    )
    assert status == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.qgis
def test_planning_db_gpkg_opens_in_qgis_with_styles_and_aliases(source_gpkg, tmp_path):
    python = require_qgis()
    out = tmp_path / "pdb.gpkg"
    export_gpkg(read_gpkg_layers(source_gpkg), out, profile="planning-db")
    seen = run_probe(python, "layers", out)["layers"]
    xzq = seen["XZQ"]
    assert xzq["valid"] and xzq["feature_count"] == 73
    assert xzq["aliases"]["XZQMC"] == "行政区名称"
    assert xzq["aliases"]["zone_name"] == layer_spec("township").aliases["zone_name"]
    assert xzq["renderer"]["type"] == "categorizedSymbol"
    assert xzq["labels"]["field"] == "XZQMC"
    assert seen["XJXZQ"]["renderer"]["symbol"]["fill_style"] == "no"  # county boundaries
    project = run_probe(python, "project", f"geopackage:{out}?projectName=jiangmen")
    assert all(info["valid"] for info in project["layers"].values())


@pytest.mark.slow
def test_every_built_layer_round_trips_through_gpkg_and_shapefile(tmp_path):
    """All layers the pipeline builds today (grows as subsystems are added)."""
    from jmgis.pipeline import build_layers

    layers = build_layers()
    export_gpkg(layers, tmp_path / "all.gpkg")
    export_shapefiles(layers, tmp_path / "shp")
    back = read_gpkg_layers(tmp_path / "all.gpkg")
    for name, frame in layers.items():
        shp = read_exported_layer(tmp_path / "shp", name)
        assert len(back[name]) == len(frame) == len(shp), name
        text = [
            c for c in frame.columns if c != "geometry" and pd.api.types.is_string_dtype(frame[c])
        ]
        assert text, name
        for column in text:
            expected = [None if pd.isna(v) else v for v in frame[column]]
            assert [None if pd.isna(v) else v for v in shp[column]] == expected, (name, column)
