"""Shapefiles open styled: ``.qml``/``.sld`` sidecars on the short field names, in real QGIS."""

from __future__ import annotations

import numpy as np
import pytest

from jmgis import style
from jmgis.io.export import export_shapefiles
from jmgis.io.shapefile import read_fields_csv, write_shapefiles
from jmgis.layers import registry
from tests.clients import require_qgis
from tests.qgis_probe import run_probe


@pytest.fixture(scope="module")
def layers():
    from jmgis import admin

    out = dict(admin.layers())
    township = out["township"]
    access = township[["code", "name", "geometry"]].copy()
    # a long column name: the file field is cut to 10 bytes, the style must follow
    access["t_longer_target_min"] = np.linspace(5.0, 120.0, len(access))
    out["test_access"] = access
    return out


def test_every_shapefile_has_qml_and_sld_naming_its_short_fields(layers, tmp_path):
    written = write_shapefiles(layers, tmp_path)
    fields = read_fields_csv(tmp_path)
    for shp in [p for p in written if p.suffix == ".shp"]:
        qml = shp.with_suffix(".qml").read_text(encoding="utf-8")
        assert shp.with_suffix(".sld").read_text(encoding="utf-8").startswith("<?xml")
        names = fields[fields["file"] == shp.name]
        first = names["part"].astype(str).isin(["", "1", "nan", "<NA>", "None"])
        for _, row in names[first & (names["column"] != "geometry")].iterrows():
            assert f'field="{row["shapefile_field"]}"' in qml  # the alias of every field
            if row["shapefile_field"] != row["column"]:
                assert f'field="{row["column"]}"' not in qml  # the long name is not in the file
    qml = (tmp_path / "test_access.qml").read_text(encoding="utf-8")
    assert 'attr="t_longer_t"' in qml


def test_without_styles_no_sidecars(layers, tmp_path):
    write_shapefiles({"county": layers["county"]}, tmp_path, styles=False)
    assert not (tmp_path / "county.qml").exists()


@pytest.mark.qgis
def test_shapefiles_open_in_qgis_styled_with_chinese_aliases(layers, tmp_path):
    python = require_qgis()
    export_shapefiles(layers, tmp_path / "default")
    export_shapefiles(layers, tmp_path / "planning", profile="planning-db")
    paths = [tmp_path / "default" / f"{n}.shp" for n in ("township", "county", "test_access")]
    paths.append(tmp_path / "planning" / "XZQ.shp")
    seen = run_probe(python, "shapefile", *paths)["files"]
    township = seen["township.shp"]
    assert township["renderer"]["type"] == "categorizedSymbol"
    assert township["renderer"]["attr"] == "zone_code"
    assert township["aliases"]["zone_name"] == registry()["township"].aliases["zone_name"]
    assert township["symbols"]["missing"] == []
    for fid, colour in township["symbols"]["colors"].items():
        assert colour == style.ZONE_COLORS[township["features"][fid]["zone_code"]]
    assert township["labels"] is not None and township["labels"]["field"] == "name"
    access = seen["test_access.shp"]
    assert access["renderer"]["type"] == "graduatedSymbol"
    assert access["renderer"]["attr"] == "t_longer_t"
    assert access["symbols"]["missing"] == []
    for fid, colour in access["symbols"]["colors"].items():
        assert colour == style.access_color(access["features"][fid]["t_longer_t"])
    xzq = seen["XZQ.shp"]
    assert xzq["renderer"]["type"] == "categorizedSymbol"  # looks like the townships
    assert xzq["aliases"]["XZQMC"] == "行政区名称"
    assert xzq["symbols"]["missing"] == []


def _dbf_fields(path) -> dict[str, tuple[str, int]]:
    data = path.read_bytes()
    fields, pos = {}, 32
    while data[pos] != 0x0D:
        name = data[pos : pos + 11].split(b"\0")[0].decode("ascii")
        fields[name] = (chr(data[pos + 11]), data[pos + 16])
        pos += 32
    return fields


def test_planning_db_shapefiles_have_the_conventional_field_widths(layers, tmp_path):
    from jmgis.io.profiles import FIELD_WIDTHS
    from jmgis.io.shapefile import read_exported_layer

    admin_layers = {n: layers[n] for n in ("city", "county", "township")}
    export_shapefiles(admin_layers, tmp_path, profile="planning-db")
    for name in ("SJXZQ", "XJXZQ", "XZQ"):
        fields = _dbf_fields(tmp_path / f"{name}.dbf")
        for field, width in FIELD_WIDTHS.items():
            assert fields[field] == ("C", width), (name, field)
        assert fields["MJ"][0] == "N"
    back = read_exported_layer(tmp_path, "XZQ")
    township = layers["township"].sort_values("code")
    assert back["XZQMC"].tolist() == township["name"].tolist()  # nothing cut or shifted
    assert back["XZQDM"].tolist() == [c + "000" for c in township["code"]]
    assert back["kind"].tolist() == township["kind"].tolist()


def test_a_value_longer_than_its_width_is_an_error(layers, tmp_path):
    from jmgis.errors import DataError

    county = layers["county"].copy()
    with pytest.raises(DataError, match="name"):
        write_shapefiles({"county": county}, tmp_path, widths={"county": {"name": 3}})
    assert not (tmp_path / "county.shp").exists()  # nothing half-written
