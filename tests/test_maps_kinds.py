"""Plan, transport, accessibility and scenario maps: content of the saved HTML."""

from __future__ import annotations

import html
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from jmgis import maps, style
from jmgis.errors import DataError
from jmgis.maps.access import raster_rgba
from tests.maps_fixtures import fixture_access, fixture_layers, fixture_plan, fixture_transport
from tests.maps_fixtures import geojson_blocks as _geojson_blocks
from tests.maps_fixtures import shows as _shows


@pytest.fixture(scope="module")
def layers():
    out = fixture_layers()
    out.update(fixture_transport())
    out.update(fixture_plan())
    out["access_township"] = fixture_access(out["township"])
    return out


def _block_with(page: str, key: str, value=None) -> dict:
    for block in _geojson_blocks(page):
        props = block["features"][0]["properties"] if block["features"] else {}
        if key in props and (
            value is None or any(f["properties"][key] == value for f in block["features"])
        ):
            return block
    raise AssertionError(f"no GeoJSON layer with property {key}={value!r}")


def test_transport_roads_carry_scheme_member_status_and_years(layers):
    page = maps.make_map("transport", layers).get_root().render()
    roads = _block_with(page, "schemes")
    by_name = {f["properties"]["name"]: f["properties"] for f in roads["features"]}
    assert by_name["甲高速"]["schemes"] == "六纵六横两联一展望:纵1"
    assert by_name["甲高速"]["status_label"] == "现状"
    assert by_name["乙快速路"]["_dash"] == style.STATUS_STYLES["under_construction"]["dash"]
    assert by_name["丙国道"]["_dash"] == style.STATUS_STYLES["planned"]["dash"]
    assert by_name["丁远景路"]["_opacity"] < by_name["甲高速"]["_opacity"]
    # existing from 2010 → all years; planned 2030 → 2035 only; conceptual → vision only
    assert by_name["甲高速"]["_years"] == [2020, 2025, 2035]
    assert by_name["乙快速路"]["_years"] == [2025, 2035]
    assert by_name["丙国道"]["_years"] == [2035]
    assert by_name["丁远景路"]["_years"] == [2035]
    assert by_name["甲高速"]["_color"] == style.ROAD_CLASS_STYLES["expressway"]["color"]
    assert by_name["甲高速"]["geometry_quality"] == "示意"  # codes shown in Chinese
    stations = {
        f["properties"]["name"]: f["properties"] for f in _block_with(page, "kind")["features"]
    }
    assert stations["甲站"]["kind"] == "高速铁路"


def test_transport_has_a_year_selector_and_chinese_legends(layers):
    page = maps.make_map("transport", layers, year=2025).get_root().render()
    assert _shows(page, "情景年份") and "apply(2025)" in page
    for label in ("高速公路", "在建", "规划", "远景/研究", "高速铁路", "铁路车站"):
        assert _shows(page, label), label


def test_plan_map_groups_structure_by_pattern_and_shows_park_industries(layers):
    page = maps.make_map("plan", layers).get_root().render()
    parks = _block_with(page, "industries")
    props = {f["properties"]["name"]: f["properties"] for f in parks["features"]}
    assert props["甲高新区"]["industries"] == "新一代信息技术、高端装备"
    assert props["甲高新区"]["level_label"] == "国家级"
    assert props["甲高新区"]["_color"] == style.PARK_LEVEL_COLORS["national"]
    assert props["甲高新区"]["_radius"] > props["乙产业园"]["_radius"]
    structure = _block_with(page, "kind_label", "发展带")
    assert {f["properties"]["name"] for f in structure["features"]} == {
        "沿海发展带",
        "发展轴一",
        "组团",
    }
    assert "000_6d1849548a3b7443.txt:120" in page  # the plan source reaches the popup


def test_access_map_colours_townships_by_the_planners_breaks(layers):
    page = maps.make_map("access", layers).get_root().render()
    table = layers["access_township"]
    block = _block_with(page, "minutes")
    # options: m0 = 2020, m1 = 2035; the last year is shown first
    for year, key in ((2020, "0"), (2035, "1")):
        rows = table[table.year == year]
        expected = dict(zip(rows.code, rows.minutes, strict=True))
        for f in block["features"]:
            p = f["properties"]
            assert math.isclose(p["m" + key], round(expected[p["code"]], 1))
            assert p["c" + key] == style.access_color(expected[p["code"]])
    shown = {f["properties"]["code"]: f["properties"]["_color"] for f in block["features"]}
    assert shown == {f["properties"]["code"]: f["properties"]["c1"] for f in block["features"]}
    for label, _colour in style.access_classes():
        assert _shows(page, label)


def test_access_table_with_unknown_township_is_a_clear_error(layers):
    bad = layers["access_township"].copy()
    bad.loc[0, "code"] = "440799999"
    with pytest.raises(DataError, match="440799999"):
        maps.make_map("access", {**layers, "access_township": bad})


def test_access_table_without_a_time_column_is_a_clear_error(layers):
    bad = layers["access_township"].rename(columns={"minutes": "zeit"})
    with pytest.raises(DataError, match="time columns"):
        maps.make_map("access", {**layers, "access_township": bad})


def test_scenario_map_shows_minutes_saved(layers):
    page = maps.make_map("scenario", layers).get_root().render()
    block = _block_with(page, "minutes_saved")
    table = layers["access_township"]
    t0 = dict(zip(table[table.year == 2020].code, table[table.year == 2020].minutes, strict=True))
    t1 = dict(zip(table[table.year == 2035].code, table[table.year == 2035].minutes, strict=True))
    for f in block["features"]:
        code = f["properties"]["code"]
        saved = t0[code] - t1[code]
        assert math.isclose(f["properties"]["minutes_saved"], round(saved, 1))
        assert f["properties"]["_color"] == style.scenario_change_color(saved)
    assert _shows(page, "2020→2035年 节省时间")


def test_scenario_needs_two_different_years(layers):
    with pytest.raises(DataError, match="two different years"):
        maps.scenario_map(layers, year_from=2035, year_to=2035)


def test_raster_colours_follow_the_breaks_and_nodata_is_transparent():
    minutes = np.array([[10.0, 20.0, 50.0], [95.0, np.inf, -9999.0], [np.nan, 15.0, 90.0]])
    rgba = raster_rgba(minutes, nodata=-9999.0)

    def hex_of(px):
        return "#{:02x}{:02x}{:02x}".format(*px[:3])

    assert hex_of(rgba[0, 0]) == style.access_color(10) and rgba[0, 0, 3] > 0
    assert hex_of(rgba[0, 2]) == style.access_color(50)
    assert hex_of(rgba[1, 0]) == style.ACCESS_BEYOND_COLOR
    assert hex_of(rgba[1, 1]) == style.ACCESS_NODATA_COLOR  # unreachable: unknown, not slow
    assert rgba[1, 2, 3] == 0 and rgba[2, 0, 3] == 0
    assert hex_of(rgba[2, 1]) == style.access_color(15)  # 15 belongs to "≤ 15"
    assert hex_of(rgba[2, 2]) == style.access_color(90)


def test_access_raster_overlay_sits_on_jiangmen(layers):
    from jmgis.access.raster import Grid

    # a 40 × 40 km grid of 1 km cells in EPSG:4547 around Jiangmen's centre
    grid = Grid(
        left=499000.0 - 180000.0,
        top=2500000.0,
        cell_m=1000.0,
        width=40,
        height=40,
        crs="EPSG:4547",
        mask=np.ones((40, 40), bool),
    )
    image = np.tile(np.linspace(0, 120, 40, dtype=np.float32), (40, 1))
    m = maps.access_map(layers, raster=(image, grid))
    page = m.get_root().render()
    assert "data:image/png;base64," in page
    corner = (
        gpd.GeoSeries([shapely.Point(grid.left, grid.top)], crs="EPSG:4547").to_crs(4326).iloc[0]
    )
    overlay = [c for c in m._children.values() if "出行时间栅格" in getattr(c, "layer_name", "")]
    bounds = next(iter(overlay[0]._children.values())).bounds
    (south, west), (north, east) = bounds
    assert abs(west - corner.x) < 0.02 and abs(north - corner.y) < 0.02
    assert isinstance(grid.transform, Affine)


def test_hostile_text_in_plan_and_transport_layers_is_escaped(layers):
    hostile = '<img src=x onerror="alert(1)">'
    roads = layers["road"].copy()
    roads.loc[0, "schemes"] = hostile
    parks = layers["park"].copy()
    parks.loc[0, "industries"] = hostile
    for kind, patched, key in (
        ("transport", {"road": roads}, "schemes"),
        ("plan", {"park": parks}, "industries"),
    ):
        page = maps.make_map(kind, {**layers, **patched}).get_root().render()
        assert "<img src=x" not in page
        values = [f["properties"][key] for f in _block_with(page, key)["features"]]
        assert html.escape(hostile) in values


@pytest.fixture(scope="module")
def target_layers(layers):
    """The accessibility layers in the shape jmgis.jiangmen.outputs writes them."""
    import pandas as pd

    table = layers["access_township"].rename(columns={"minutes": "t_city_gov_min"})
    table["t_hsr_station_min"] = table["t_city_gov_min"] / 2
    table.loc[3, "t_city_gov_min"] = np.inf  # unreachable
    changes = pd.DataFrame(
        {
            "code": [layers["township"]["code"].iloc[5]],
            "target": ["city_gov"],
            "year_before": [2020],
            "year_after": [2035],
            "change_min": [-10.0],
            "features": ["road_x"],
            "projects": ["甲项目"],
        }
    )
    return {**layers, "access_township": table, "access_change": changes}


def test_access_map_offers_every_destination_and_names_it_in_chinese(target_layers):
    page = maps.make_map("access", target_layers).get_root().render()
    for label in ("2020年 至市政府", "2035年 至市政府", "2035年 至最近高铁站"):
        assert _shows(page, label), label
    block = _block_with(page, "minutes", None)
    unreachable = [f for f in block["features"] if f["properties"]["m0"] is None]
    assert len(unreachable) == 1  # the inf row: no data colour, not "> 90 min"
    assert unreachable[0]["properties"]["c0"] == style.ACCESS_NODATA_COLOR


def test_scenario_popup_names_the_projects_behind_a_change(target_layers):
    page = maps.make_map("scenario", target_layers).get_root().render()
    block = _block_with(page, "projects", "甲项目")
    code = target_layers["township"]["code"].iloc[5]
    by_code = {f["properties"]["code"]: f["properties"] for f in block["features"]}
    assert by_code[code]["projects"] == "甲项目" and by_code[code]["features"] == "road_x"
    assert _shows(page, "引起变化的项目")


def test_build_uses_the_latest_travel_time_raster_the_access_step_wrote(tmp_path):
    written = [
        tmp_path / "jiangmen.gpkg",
        tmp_path / "minutes_to_hsr_station_2020.tif",
        tmp_path / "minutes_to_hsr_station_2035.tif",
    ]
    found = maps.raster_from(written)
    assert found["access_raster"] == tmp_path / "minutes_to_hsr_station_2035.tif"
    assert found["access_raster_name"] == "出行时间栅格（2035年 至最近高铁站）"
    assert maps.raster_from([tmp_path / "jiangmen.gpkg"]) == {}


def test_parks_known_only_by_county_are_drawn_hollow_and_say_so(layers):
    page = maps.make_map("plan", layers).get_root().render()
    props = {
        f["properties"]["name"]: f["properties"]
        for f in _block_with(page, "industries")["features"]
    }
    vague, exact = props["乙产业园"], props["甲高新区"]
    assert vague["placement_label"] == "仅知所在县（区）" and vague["_dash"]
    assert vague["_color"] == "#ffffff"
    assert vague["_stroke"] == style.PARK_LEVEL_COLORS["provincial"]
    assert exact["placement_label"] == "镇街驻地" and exact["_dash"] is None
    assert _shows(page, "虚线空心：仅知所在县（区），位置示意")


def test_scheme_members_are_parsed_from_the_schemes_column():
    from jmgis.maps.transport import scheme_members

    assert scheme_members("六纵六横两联一展望:纵1; 七纵八横:横3") == [
        ("六纵六横两联一展望", "纵1"),
        ("七纵八横", "横3"),
    ]
    assert scheme_members("") == [] and scheme_members(None) == []
    assert scheme_members(float("nan")) == []
