"""A planner adds to a jmgis map: folium layers, a FeatureGroup, ``gdf.explore(m=m)`` and
``maps.add_layer``; the map still works, lists and draws them, offline, in Chromium."""

from __future__ import annotations

import html
import json
import re
import warnings

import folium
import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from jmgis import maps
from jmgis.errors import DataError
from jmgis.maps import assets
from tests.clients import OfflineBrowser, clients_required, require_chromium
from tests.maps_fixtures import fixture_layers


def _points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["甲村", "乙村", "丙村"], "beds": [12.0, 40.0, 95.5]},
        geometry=[Point(112.6, 22.3), Point(112.9, 22.5), Point(112.75, 22.6)],
        crs="EPSG:4326",
    )


def _composed_map() -> folium.Map:
    m = maps.make_map("zones", fixture_layers())
    pts = _points()
    maps.add_layer(m, pts, "我的医院", column="beds")
    folium.GeoJson(
        gpd.GeoSeries([LineString([(112.5, 22.2), (113.0, 22.7)])], crs=4326).__geo_interface__,
        name="added geojson",
        style_function=lambda _f: {"className": "user-geojson", "color": "#f00"},
    ).add_to(m)
    group = folium.FeatureGroup(name="my group")
    folium.CircleMarker((22.4, 112.7), radius=8, class_name="user-group").add_to(group)
    group.add_to(m)
    pts.explore(m=m, column="beds", name="explore layer", style_kwds={"className": "user-explore"})
    return m


# --- without a browser ----------------------------------------------------------------


def test_layers_added_after_the_map_come_before_the_layer_control():
    m = _composed_map()
    page = maps.to_html(m, inline=False)
    control = page.index("L.control.layers(")
    for name in ("added geojson", "my group", "explore layer", "我的医院"):
        key = json.dumps(name)  # folium writes the names as JSON (\uXXXX for Chinese)
        listed = re.search(re.escape(key) + r"\s*:\s*(\w+)", page)
        assert listed, f"{name} not in the layer control"
        # the layer's variable is defined before the control refers to it
        assert page.index(f"var {listed.group(1)} = ") < control


def test_a_second_layer_control_is_dropped_also_when_rendered_again():
    m = _composed_map()
    folium.LayerControl().add_to(m)  # what a folium tutorial tells the user to do
    assert maps.to_html(m, inline=False).count("L.control.layers(") == 1
    # shown in the notebook, then saved: still one control, still last
    again = maps.to_html(m, inline=False)
    assert again.count("L.control.layers(") == 1
    assert again.rindex("L.control.layers(") > again.rindex('"explore layer"')


def test_repr_html_is_self_contained():
    if not assets.assets_available():
        pytest.skip("Leaflet assets not cached")
    m = _composed_map()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a CDN link left in would warn
        shown = m._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    page = html.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert "L.control.layers(" in page
    tags = re.findall(r"<script[^>]+src=|<link[^>]+href=\"http", page)
    assert tags == []  # Leaflet, plugins and branca's d3 inlined, nothing linked


def test_add_layer_refuses_a_frame_without_crs_or_column():
    m = maps.make_map("zones", fixture_layers())
    with pytest.raises(DataError):
        maps.add_layer(m, _points().set_crs(None, allow_override=True), "x")
    with pytest.raises(DataError) as err:
        maps.add_layer(m, _points(), "x", column="nope")
    assert err.value.field == "nope"


def test_add_layer_classes_numbers_with_mapclassify_into_legend_rows():
    m = maps.make_map("zones", fixture_layers())
    maps.add_layer(m, _points(), "我的医院", column="beds", k=3)
    legend = [c for c in m._children.values() if type(c).__name__ == "Legend"][-1]
    assert len(legend.entries) == 3
    assert legend.entries[0].label.startswith("12")
    assert legend.entries[-1].label.endswith("95.5")


# --- in Chromium, offline --------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    if not assets.assets_available():
        reason = "Leaflet assets not cached and npm unavailable: the map cannot be offline"
        if clients_required():
            pytest.fail(f"{reason} (JMGIS_REQUIRE_CLIENTS=1)")
        pytest.skip(reason)
    b = OfflineBrowser()
    yield b
    b.close()


@pytest.mark.browser
def test_composed_map_draws_and_lists_every_added_layer_offline(browser, tmp_path):
    path = maps.save(_composed_map(), tmp_path / "composed.html")
    report = browser.open(path)
    assert report.console_errors == [], report.console_errors
    assert report.external_requests == [], report.external_requests
    listed = browser.js(
        "return Array.from(document.querySelectorAll("
        "'.leaflet-control-layers-overlays label')).map(l => l.textContent.trim())"
    )
    for name in ("三区（乡镇着色）", "我的医院", "added geojson", "my group", "explore layer"):
        assert name in listed, listed
    count = "return document.querySelectorAll(arguments[0]).length"
    assert browser.js(count, "path.user-geojson") == 1
    assert browser.js(count, "path.user-group") == 1
    assert browser.js(count, "path.user-explore") == 3
    assert browser.js(count, "path.jm-user-layer") == 3
    legend = "return document.querySelectorAll('.jm-legend[data-layer=\"我的医院\"]').length"
    assert browser.js(legend) == 1
    # the user's layer toggles like jmgis's own, its legend with it
    browser.js(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".find(l => l.textContent.trim() === '我的医院').querySelector('input').click()"
    )
    assert browser.js(count, "path.jm-user-layer") == 0
    assert browser.js(legend) == 0
    assert browser.js("return typeof d3") == "object"  # the explore colour bar's d3
