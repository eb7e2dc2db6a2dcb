"""QGIS styles, layer_styles table and project, checked without QGIS (XML and SQLite).

The real-QGIS checks are in ``test_qgis_real.py``; these pin the parts a user relies on
even without QGIS: colours come from the shared palette, every value is styled, aliases
cover every column, the table is what QGIS queries, paths are relative.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from jmgis import style
from jmgis.errors import DataError
from jmgis.io.gpkg import write_gpkg
from jmgis.io.qgis import write_qgis
from jmgis.io.qgis.project import GROUP_ORDER, read_project_from_gpkg
from jmgis.io.qgis.qml import qml, rgba
from jmgis.io.qgis.sld import sld
from jmgis.io.qgis.styledef import layer_style
from jmgis.io.qgis.styles_table import StyleRow, write_layer_styles
from jmgis.layers import FieldSpec, LayerSpec, layer_spec, registry


def _needs_palette(*names: str) -> None:
    missing = [n for n in names if not hasattr(style, n)]
    if missing:
        pytest.skip(f"jmgis.style has no {missing} yet (the maps palette is being extended)")


def _spec(name: str, geometry: str | None, *fields: str) -> LayerSpec:
    return LayerSpec(
        name, name, "交通", geometry, tuple(FieldSpec(f, "str", f"别名{f}") for f in fields)
    )


@pytest.mark.parametrize("name", sorted(registry()))
def test_every_registry_layer_gets_a_parsable_style_with_all_aliases(name):
    spec = layer_spec(name)
    doc = ET.fromstring(qml(layer_style(spec), spec).split("\n", 1)[1])
    aliases = {a.get("field"): a.get("name") for a in doc.iter("alias")}
    assert aliases == spec.aliases
    if spec.geometry:
        assert doc.find("renderer-v2") is not None
        ET.fromstring(sld(layer_style(spec), spec).split("\n", 1)[1])


def test_township_zone_colours_are_the_folium_palette():
    from jmgis.admin import ZONES

    spec = layer_spec("township")
    frame = pd.DataFrame({"zone_code": ["eco", "core", "bay"], "zone_name": ["x", "y", "z"]})
    result = layer_style(spec, frame)
    assert result.renderer == "categorizedSymbol"
    assert result.attr == "zone_code"
    by_value = {c.value: c for c in result.categories}
    assert set(by_value) == set(ZONES)
    for code, cat in by_value.items():
        assert cat.symbol.color == style.ZONE_COLORS[code]
        assert cat.label == ZONES[code]


def test_values_missing_from_the_palette_are_styled_not_dropped():
    spec = layer_spec("township")
    frame = pd.DataFrame({"zone_code": ["core", "newzone"], "zone_name": ["都市核心区", "新区"]})
    values = {c.value: c.label for c in layer_style(spec, frame).categories}
    assert values == {"core": "都市核心区", "newzone": "新区"}


def test_roads_rule_per_class_and_status_with_palette_colour_and_dash():
    _needs_palette("ROAD_CLASS_STYLES", "STATUS_STYLES")
    spec = _spec("road", "MultiLineString", "name", "road_class", "status")
    frame = pd.DataFrame(
        {
            "road_class": ["expressway", "expressway", "national", "unknown_class"],
            "status": ["existing", "planned", "existing", "existing"],
        }
    )
    result = layer_style(spec, frame)
    assert result.renderer == "RuleRenderer"
    rules = {r.filter: r for r in result.rules}
    existing = rules["\"road_class\" = 'expressway' AND \"status\" = 'existing'"]
    planned = rules["\"road_class\" = 'expressway' AND \"status\" = 'planned'"]
    assert (
        existing.symbol.color
        == planned.symbol.color
        == style.ROAD_CLASS_STYLES["expressway"]["color"]
    )
    assert existing.symbol.dash is None
    assert planned.symbol.dash is not None
    unknown = rules["\"road_class\" = 'unknown_class' AND \"status\" = 'existing'"]
    assert unknown.symbol.color == style.ROAD_DEFAULT_STYLE["color"]
    assert result.rules[-1].filter == "ELSE"


@pytest.mark.parametrize("minutes", [0.5, 15.0, 15.01, 44.9, 60.0, 89.0, 90.0, 120.0, 5000.0])
def test_graduated_accessibility_agrees_with_the_folium_colour(minutes):
    _needs_palette("access_color", "ACCESS_COLORS")
    spec = _spec("access_township", "MultiPolygon", "code", "t_core_min", "t_seat_min")
    result = layer_style(spec)
    assert result.renderer == "graduatedSymbol"
    assert result.attr == "t_core_min"
    # QGIS puts a value in the range with lower < v <= upper (the first one includes 0).
    hits = [r for r in result.ranges if r.lower < minutes <= r.upper]
    assert len(hits) == 1
    assert hits[0].symbol.color == style.access_color(minutes)


def test_qml_colour_carries_the_zone_fill_opacity():
    assert rgba("#d7301f", style.ZONE_FILL_OPACITY) == f"215,48,31,{round(0.55 * 255)}"


def _small_gpkg(path):
    layers = {
        "county": gpd.GeoDataFrame(
            {
                "code": ["440703"],
                "name": ["蓬江区"],
                "name_en": ["P"],
                "area_km2": [1.0],
                "source": ["test"],
            },
            geometry=[shapely.box(113, 22.5, 113.1, 22.6)],
            crs=4490,
        ),
        "township_seat": gpd.GeoDataFrame(
            {"code": ["440703001"], "name": ["白沙街道"], "source": ["test"]},
            geometry=[shapely.Point(113.05, 22.55)],
            crs=4490,
        ),
    }
    write_gpkg(layers, path)
    return layers


def test_layer_styles_table_is_what_qgis_queries(tmp_path):
    gpkg = tmp_path / "jiangmen.gpkg"
    _small_gpkg(gpkg)
    write_qgis(gpkg)
    write_qgis(gpkg)  # rebuilding replaces, never duplicates
    conn = sqlite3.connect(gpkg)
    geometry = dict(conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    rows = conn.execute(
        "SELECT f_table_schema, f_table_name, f_geometry_column, useAsDefault, styleQML, "
        "styleSLD FROM layer_styles"
    ).fetchall()
    contents = conn.execute(
        "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
    ).fetchone()
    conn.close()
    assert contents == ("attributes",)
    assert sorted(r[1] for r in rows) == ["county", "township_seat"]
    for schema, table, column, default, qml_text, sld_text in rows:
        assert schema == ""  # QGIS filters on f_table_schema = '' (NULL never matches)
        assert column == geometry[table]
        assert default == 1
        assert qml_text.startswith("<!DOCTYPE qgis")
        assert "StyledLayerDescriptor" in sld_text


def test_style_for_a_missing_layer_is_an_error(tmp_path):
    gpkg = tmp_path / "jiangmen.gpkg"
    _small_gpkg(gpkg)
    row = StyleRow("road", "geom", "default", "<qgis/>", "", True, "")
    with pytest.raises(DataError, match="road"):
        write_layer_styles(gpkg, [row])
    wrong = StyleRow("county", "geometry", "default", "<qgis/>", "", True, "")
    with pytest.raises(DataError, match="f_geometry_column"):
        write_layer_styles(gpkg, [wrong])


def test_project_in_gpkg_has_relative_sources_groups_and_cgcs2000(tmp_path):
    gpkg = tmp_path / "jiangmen.gpkg"
    _small_gpkg(gpkg)
    write_qgis(gpkg, qgz=tmp_path / "jiangmen.qgz")
    doc = ET.fromstring(read_project_from_gpkg(gpkg).split("\n", 1)[1])
    sources = [e.text for e in doc.iter("datasource")]
    assert sources
    assert all(s.startswith("./jiangmen.gpkg|layername=") for s in sources)
    assert str(tmp_path) not in read_project_from_gpkg(gpkg)
    assert doc.find("projectCrs/spatialrefsys/authid").text == "EPSG:4490"
    groups = [g.get("name") for g in doc.find("layer-tree-group").findall("layer-tree-group")]
    assert groups == [g for g in GROUP_ORDER if g in groups]
    assert (tmp_path / "jiangmen.qgz").read_bytes()[:2] == b"PK"


def test_qgz_must_sit_beside_the_gpkg(tmp_path):
    gpkg = tmp_path / "jiangmen.gpkg"
    _small_gpkg(gpkg)
    (tmp_path / "sub").mkdir()
    with pytest.raises(ValueError, match="folder"):
        write_qgis(gpkg, qgz=tmp_path / "sub" / "jiangmen.qgz")
