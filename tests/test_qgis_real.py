"""The GeoPackage deliverable opened by real QGIS (Debian's 3.22, PyQGIS in a subprocess).

The fixture GeoPackage holds the real administrative layers (``jmgis.admin.layers()``)
plus small synthetic road, rail, station, accessibility and table layers that exercise
the other renderers before those subsystems land; their names are not in the registry,
so they also show that unknown layers are styled, never left grey or dropped.
"""

from __future__ import annotations

import math
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from jmgis import style
from jmgis.io.gpkg import write_gpkg, write_layer
from jmgis.io.qgis import write_qgis
from jmgis.io.qgis.project import GROUP_ORDER, PROJECT_TITLE
from jmgis.layers import registry, spec_from_frame
from tests.clients import require_qgis
from tests.qgis_probe import run_probe

pytestmark = pytest.mark.qgis


def _synthetic_layers(township: gpd.GeoDataFrame) -> dict[str, pd.DataFrame]:
    lines = [
        shapely.LineString([(112.9 + i * 0.05, 22.4), (113.0 + i * 0.05, 22.6)]) for i in range(5)
    ]
    road = gpd.GeoDataFrame(
        {
            "name": ["江肇高速", "国道325", "规划路", "未知等级路", "状态缺失路"],
            "road_class": ["expressway", "national", "expressway", "mystery", "provincial"],
            "status": ["existing", "existing", "planned", "existing", None],
            "source": ["test"] * 5,
        },
        geometry=lines,
        crs=4490,
    )
    rail = gpd.GeoDataFrame(
        {
            "name": ["深江铁路", "轨道1号线"],
            "kind": ["hsr", "urban"],
            "status": ["under_construction", "planned"],
            "source": ["test"] * 2,
        },
        geometry=lines[:2],
        crs=4490,
    )
    station = gpd.GeoDataFrame(
        {"name": ["江门站", "台山站"], "source": ["test"] * 2},
        geometry=[shapely.Point(113.05, 22.6), shapely.Point(112.8, 22.25)],
        crs=4490,
    )
    minutes = np.linspace(3.0, 130.0, len(township))
    minutes[0] = np.nan  # unreachable: no class, like folium's no-data
    access = gpd.GeoDataFrame(
        {"code": township["code"].to_numpy(), "t_core_min": minutes, "t_seat_min": minutes / 2},
        geometry=township.geometry.to_numpy(),
        crs=4490,
    )
    structure = gpd.GeoDataFrame(
        {"name": ["发展轴", "核心区", "格局"], "kind": ["axis", "area", "pattern"]},
        geometry=[lines[0], shapely.box(113.0, 22.5, 113.1, 22.6), None],
        crs=4490,
    )
    codes = township["code"].to_numpy()
    later = minutes / 3
    later[1] = np.inf  # unreachable, as jmgis.access stores it
    per_year = pd.DataFrame(
        {
            "code": np.concatenate([codes, codes]),
            "year": np.repeat([2020, 2035], len(codes)),
            "t_core_min": np.concatenate([minutes, later]),
        }
    )
    # minutes saved, including values exactly on the class boundaries
    saved = np.resize(
        [-7.0, -5.0, -1.0, 0.0, 1.0, 5.0, 10.0, 20.0, 35.0, np.nan, np.inf, -np.inf], len(codes)
    )
    change = pd.DataFrame({"code": codes, "change_min": saved})
    table = pd.DataFrame({"code": ["a", "b"], "value": [1.5, 2.5]})
    return {
        "test_road": road,
        "test_rail": rail,
        "test_station": station,
        "test_access": access,
        "test_structure": structure,  # lines, polygons and a row without geometry
        "test_table": table,
        "test_access_table": per_year,  # a table: drawn through a view on the townships
        "test_change": change,
    }


@pytest.fixture(scope="module")
def deliverable(tmp_path_factory):
    from jmgis import admin

    python = require_qgis()
    folder = tmp_path_factory.mktemp("deliverable")
    layers = dict(admin.layers())
    gpkg = write_gpkg(layers, folder / "jiangmen.gpkg")
    synthetic = _synthetic_layers(layers["township"])
    for name, frame in synthetic.items():  # not registered: written with their own specs
        write_layer(frame, gpkg, name, spec=spec_from_frame(name, frame))
    layers.update(synthetic)
    write_qgis(gpkg, layers, qgz=folder / "jiangmen.qgz")
    probe = run_probe(python, "layers", gpkg)
    return {"python": python, "gpkg": gpkg, "layers": layers, "probe": probe}


def test_qgis_and_its_gdal_read_the_gpkg_without_warnings(deliverable):
    assert deliverable["probe"]["gdal_messages"] == []
    assert deliverable["probe"]["qgis_messages"] == []


def test_every_layer_is_valid_with_its_feature_count(deliverable):
    seen = deliverable["probe"]["layers"]
    for name, frame in deliverable["layers"].items():
        assert seen[name]["valid"], name
        assert seen[name]["feature_count"] == len(frame), name
        assert (
            seen[name]["feature_count"]
            == pyogrio.read_info(deliverable["gpkg"], layer=name)["features"]
        )


def test_default_style_is_loaded_with_chinese_aliases(deliverable):
    seen = deliverable["probe"]["layers"]
    specs = registry()
    for name in deliverable["layers"]:
        info = seen[name]
        assert "default" in info["styles_in_db"], name
        if name in specs:
            aliases = {k: v for k, v in info["aliases"].items() if k != "fid"}
            assert aliases == specs[name].aliases, name
        if info["spatial"]:
            assert info["renderer"]["type"] in {
                "singleSymbol",
                "categorizedSymbol",
                "graduatedSymbol",
                "RuleRenderer",
            }, name


def test_no_feature_is_left_without_a_symbol(deliverable):
    seen = deliverable["probe"]["layers"]
    for name in deliverable["layers"]:
        if not seen[name]["spatial"] or name == "test_structure":
            continue  # the mixed table is checked per geometry type in the project
        missing = seen[name]["symbols"]["missing"]
        if name == "test_access":
            # only the unreachable (NULL) township has no class
            nulls = {fid for fid, f in seen[name]["features"].items() if f["t_core_min"] is None}
            assert {str(m) for m in missing} == nulls
        else:
            assert missing == [], name


def _drawn(deliverable, layer):
    info = deliverable["probe"]["layers"][layer]
    assert info["symbols"]["colors"], f"QGIS drew nothing for {layer}"
    return [(info["features"][fid], color) for fid, color in info["symbols"]["colors"].items()]


def test_townships_are_drawn_in_the_zone_colours_of_the_web_maps(deliverable):
    info = deliverable["probe"]["layers"]["township"]
    assert info["renderer"]["type"] == "categorizedSymbol"
    assert info["renderer"]["attr"] == "zone_code"
    assert info["labels"]["field"] == "name"
    drawn = _drawn(deliverable, "township")
    assert len(drawn) == len(deliverable["layers"]["township"])
    for feature, color in drawn:
        assert color == style.ZONE_COLORS[feature["zone_code"]]


def test_zone_layer_and_county_boundaries(deliverable):
    seen = deliverable["probe"]["layers"]
    zone = seen["zone"]["renderer"]
    assert zone["type"] == "categorizedSymbol"
    assert {c["value"]: c["symbol"]["color"] for c in zone["categories"]} == style.ZONE_COLORS
    county = seen["county"]["renderer"]
    assert county["type"] == "singleSymbol"
    assert county["symbol"]["fill_style"] == "no"  # a boundary, not a fill over the zones
    assert seen["county"]["labels"]["field"] == "name"


def test_roads_by_class_and_status(deliverable):
    if not hasattr(style, "ROAD_CLASS_STYLES"):
        pytest.skip("jmgis.style has no road palette yet")
    info = deliverable["probe"]["layers"]["test_road"]
    assert info["renderer"]["type"] == "RuleRenderer"
    for feature, color in _drawn(deliverable, "test_road"):
        entry = style.ROAD_CLASS_STYLES.get(feature["road_class"], style.ROAD_DEFAULT_STYLE)
        assert color == entry["color"], feature
    dashed = {r["filter"]: r["symbol"]["use_custom_dash"] for r in info["renderer"]["rules"]}
    assert dashed["\"road_class\" = 'expressway' AND \"status\" = 'planned'"] == "1"
    assert dashed["\"road_class\" = 'expressway' AND \"status\" = 'existing'"] == "0"


def test_rail_by_kind_and_stations_with_their_marker(deliverable):
    if not hasattr(style, "RAIL_KIND_STYLES"):
        pytest.skip("jmgis.style has no rail palette yet")
    for feature, color in _drawn(deliverable, "test_rail"):
        assert color == style.RAIL_KIND_STYLES[feature["kind"]]["color"]
    station = deliverable["probe"]["layers"]["test_station"]["renderer"]
    assert station["symbol"]["shape"] == style.POINT_SYMBOLS["station"]["shape"]


def test_accessibility_is_graduated_like_the_web_maps(deliverable):
    if not hasattr(style, "access_color"):
        pytest.skip("jmgis.style has no accessibility palette yet")
    info = deliverable["probe"]["layers"]["test_access"]
    assert info["renderer"]["type"] == "graduatedSymbol"
    assert info["renderer"]["attr"] == "t_core_min"
    uppers = [r["upper"] for r in info["renderer"]["ranges"]][:-1]
    assert uppers == list(style.ACCESS_BREAKS_MIN)
    for feature, color in _drawn(deliverable, "test_access"):
        assert not math.isnan(feature["t_core_min"])
        assert color == style.access_color(feature["t_core_min"])
    assert "t_seat_min" in info["styles_in_db"]  # the other travel time, as a named style


@pytest.fixture(scope="module")
def moved(deliverable, tmp_path_factory):
    """The deliverable copied to another folder: nothing may point back to the original."""
    folder = tmp_path_factory.mktemp("moved")
    for name in ("jiangmen.gpkg", "jiangmen.qgz"):
        shutil.copy(deliverable["gpkg"].parent / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def opened(deliverable, moved):
    """What QGIS sees opening the moved project, from the GeoPackage and from the .qgz."""
    python = deliverable["python"]
    return {
        "gpkg": run_probe(
            python, "project", f"geopackage:{moved / 'jiangmen.gpkg'}?projectName=jiangmen"
        ),
        "qgz": run_probe(python, "project", str(moved / "jiangmen.qgz")),
    }


@pytest.mark.parametrize("kind", ["gpkg", "qgz"])
def test_project_opens_with_every_layer_valid(deliverable, moved, opened, kind):
    project = opened[kind]
    assert project["read"]
    assert project["qgis_messages"] == []
    assert project["crs"] == "EPSG:4490"
    assert project["title"] == PROJECT_TITLE
    assert project["absolute_paths"] is False
    layers = project["layers"]
    # + the mixed table's second geometry type, the two years of the access view, the
    # change view and the data_source table (sources and licences, jmgis.io.gpkg)
    assert len(layers) == len(deliverable["layers"]) + 1 + 2 + 1 + 1
    for info in layers.values():
        assert info["valid"], info["source"]
        assert info["source"].startswith(str(moved / "jiangmen.gpkg")), info["source"]
    groups = [item["group"] for item in project["tree"]]
    assert [g for g in groups if g in GROUP_ORDER] == [g for g in GROUP_ORDER if g in groups]
    assert {"行政区划", "三区"} <= set(groups)
    township = next(i for i in layers.values() if i["source"].endswith("layername=township"))
    assert township["renderer"]["type"] == "categorizedSymbol"
    assert township["aliases"]["zone_name"] == "所属三区"


def test_a_table_with_several_geometry_types_shows_one_layer_per_type(opened):
    project = opened["qgz"]
    parts = {
        info["source"].rsplit("geometrytype=", 1)[-1]: info
        for info in project["layers"].values()
        if "layername=test_structure|" in info["source"]
    }
    assert set(parts) == {"LineString", "Polygon"}
    assert parts["LineString"]["feature_count"] == 1
    assert parts["Polygon"]["feature_count"] == 1
    for info in parts.values():
        assert info["valid"]
        assert info["renderer"]["type"] == "categorizedSymbol"
        assert info["symbols"]["missing"] == []
    line_symbols = {c["symbol"]["type"] for c in parts["LineString"]["renderer"]["categories"]}
    assert line_symbols == {1}  # QgsSymbol.Line: a style made for lines, not polygons


def _steps_through_qgis():
    from jmgis import pipeline

    names = [name for name, _ in pipeline.STEPS]
    return pipeline.STEPS[: names.index("qgis") + 1]


@pytest.mark.slow
def test_every_layer_the_pipeline_builds_opens_styled_in_qgis(tmp_path):
    """The real build, whatever layers the subsystems add: nothing grey, nothing invalid."""
    from jmgis import pipeline

    python = require_qgis()
    ctx = pipeline.build(tmp_path, steps=_steps_through_qgis())
    probe = run_probe(python, "layers", ctx.gpkg_path)
    assert probe["gdal_messages"] == [] and probe["qgis_messages"] == []
    specs = registry()
    for name, frame in ctx.layers.items():
        info = probe["layers"][name]
        assert info["valid"], name
        assert info["feature_count"] == len(frame), name
        assert "default" in info["styles_in_db"], name
        aliases = {k: v for k, v in info["aliases"].items() if k != "fid"}
        assert aliases == specs[name].aliases, name
        if info["spatial"]:
            assert info["renderer"]["type"] is not None, name
    project = run_probe(python, "project", f"geopackage:{ctx.gpkg_path}?projectName=jiangmen")
    assert project["qgis_messages"] == []
    assert project["crs"] == "EPSG:4490"
    for info in project["layers"].values():
        assert info["valid"], info["source"]
        if info["spatial"]:
            missing = info["symbols"]["missing"]
            if info["renderer"]["type"] == "graduatedSymbol":
                continue  # unreachable places (NULL minutes) have no class, as on the web
            assert missing == [], info["source"]
    tifs = sorted(p.name for p in ctx.gpkg_path.parent.glob("*.tif"))
    assert tifs  # the travel-time rasters of the build are in the project, valid
    rasters = project["rasters"].values()
    assert sorted(r["source"].rsplit("/", 1)[-1] for r in rasters) == tifs
    assert all(r["valid"] and r["renderer"] == "singlebandpseudocolor" for r in rasters)
    sources = {info["source"].split("|")[1] for info in project["layers"].values()}
    assert {f"layername={name}" for name in ctx.layers} <= sources
    _assert_real_colours_follow_the_palette(project)


def _expected_colour(layer: str, feature: dict) -> str | None:
    """The colour the web maps give this feature, for the layers with a palette."""
    if layer == "township":
        return style.ZONE_COLORS[feature["zone_code"]]
    if layer == "road" and hasattr(style, "ROAD_CLASS_STYLES"):
        entry = style.ROAD_CLASS_STYLES.get(feature["road_class"], style.ROAD_DEFAULT_STYLE)
        return entry["color"]
    if layer == "rail" and hasattr(style, "RAIL_KIND_STYLES"):
        return style.RAIL_KIND_STYLES.get(feature["kind"], style.RAIL_DEFAULT_STYLE)["color"]
    if layer == "access_township_map" and hasattr(style, "access_color"):
        return style.access_color(feature["t_city_gov_min"])
    if layer == "access_change_map" and hasattr(style, "scenario_change_color"):
        return style.scenario_change_color(feature["change_min"])
    return None


def _assert_real_colours_follow_the_palette(project: dict) -> None:
    checked = 0
    for info in project["layers"].values():
        layer = info["source"].split("layername=")[1].split("|")[0]
        for fid, color in info["symbols"].get("colors", {}).items():
            expected = _expected_colour(layer, info["features"][fid])
            if expected is not None:
                assert color == expected, (layer, info["features"][fid])
                checked += 1
    assert checked >= 73  # at least every township


def _project_layers(project, needle):
    return [i for i in project["layers"].values() if needle in i["source"]], project


def test_accessibility_tables_are_drawn_per_year_through_township_views(deliverable, opened):
    if not hasattr(style, "access_color"):
        pytest.skip("jmgis.style has no accessibility palette yet")
    found, project = _project_layers(opened["qgz"], "layername=test_access_table_map")
    by_year = {i["source"].rsplit("=", 1)[-1].strip(): i for i in found}
    assert set(by_year) == {"2020", "2035"}
    table = deliverable["layers"]["test_access_table"]
    for year, info in by_year.items():
        assert info["valid"]
        assert info["feature_count"] == (table["year"] == int(year)).sum()
        assert info["renderer"]["type"] == "graduatedSymbol"
        assert info["spatial"]
    checked = {
        child["name"]: child["checked"]
        for group in project["tree"]
        for child in group.get("children", [])
        if "layer" in child
    }
    later = by_year["2035"]
    unreachable = [f for f, row in later["features"].items() if row["t_core_min"] == math.inf]
    assert unreachable  # inf is drawn in the last class, as on the web maps
    for fid in unreachable:
        assert later["symbols"]["colors"][fid] == style.access_color(math.inf)
    nulls = [f for f, row in later["features"].items() if row["t_core_min"] is None]
    assert sorted(map(str, later["symbols"]["missing"])) == sorted(nulls)  # no data: no class
    titles = {y: i["name"] for y, i in by_year.items()}
    assert checked[titles["2035"]] and not checked[titles["2020"]]  # latest year shown


def test_scenario_change_uses_the_web_map_classes_at_the_boundaries(deliverable):
    if not hasattr(style, "scenario_change_color"):
        pytest.skip("jmgis.style has no scenario palette yet")
    seen = deliverable["probe"]["layers"]["test_change_map"]
    assert seen["renderer"]["type"] == "RuleRenderer"
    drawn = _drawn(deliverable, "test_change_map")
    assert len(drawn) == len(deliverable["layers"]["test_change"])  # no data drawn grey too
    for feature, color in drawn:
        minutes = feature["change_min"]
        expected = style.scenario_change_color(math.nan if minutes is None else minutes)
        assert color == expected, feature


def test_the_project_renders_as_it_opens(deliverable, moved, tmp_path):
    png = tmp_path / "jiangmen.png"
    result = run_probe(
        deliverable["python"],
        "render",
        f"geopackage:{moved / 'jiangmen.gpkg'}?projectName=jiangmen",
        png,
    )
    assert result["read"] and result["qgis_messages"] == []
    assert result["layers"] >= 5  # the visible layers at opening
    assert png.stat().st_size > 10_000
    assert result["distinct_colours"] > 50  # a styled map, not one grey fill


def test_the_sld_of_every_style_loads_in_qgis_with_the_same_classes(deliverable, tmp_path):
    copy = tmp_path / "jiangmen.gpkg"
    shutil.copy(deliverable["gpkg"], copy)
    loaded = run_probe(deliverable["python"], "sld", copy)["layers"]
    seen = deliverable["probe"]["layers"]
    spatial = [n for n, info in seen.items() if info["spatial"]]
    assert set(loaded) == set(spatial)
    for name, result in loaded.items():
        assert result["ok"], (name, result["message"])
        qml_renderer = seen[name]["renderer"]
        classes = len(
            qml_renderer.get("categories")
            or qml_renderer.get("ranges")
            or qml_renderer.get("rules")
            or [None]
        )
        assert result["symbols"] == classes, name
        assert result["labels"] == (seen[name]["labels"] is not None), name
