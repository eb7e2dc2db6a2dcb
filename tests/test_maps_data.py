"""Display preparation (escaping, rounding, simplification, GCJ-02).

The map fixture layers moved to :mod:`tests.maps_fixtures`; their names are still importable
from here for test modules written before the move (import them from the helper instead).
"""

from __future__ import annotations

import html
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from jmgis.maps.display import escape, js_literal, to_display_crs, to_geojson
from tests.maps_fixtures import (  # noqa: F401  (re-exported for older test modules)
    HOSTILE,
    ZONES,
    fixture_access,
    fixture_counties,
    fixture_layers,
    fixture_plan,
    fixture_townships,
    fixture_transport,
)


def test_escape_turns_markup_into_text():
    assert escape('<b a="1">&') == "&lt;b a=&quot;1&quot;&gt;&amp;"
    assert escape(None) == ""
    assert escape(float("nan")) == ""


def test_js_literal_cannot_close_the_script_element():
    literal = js_literal("</script><script>alert(1)</script>")
    assert "</script" not in literal and "<" not in literal
    assert json.loads(literal) == "</script><script>alert(1)</script>"


def test_geojson_properties_are_escaped_and_round_trip_to_the_original_text():
    gdf = fixture_townships(HOSTILE)
    data = to_geojson(gdf, ["name", "area_km2"])
    names = [f["properties"]["name"] for f in data["features"]]
    assert all("<" not in n and '"' not in n for n in names)
    assert [html.unescape(n) for n in names[: len(HOSTILE)]] == HOSTILE
    assert data["features"][0]["properties"]["area_km2"] == 450.0


def test_geojson_refuses_unknown_columns():
    with pytest.raises(KeyError, match="nmae"):
        to_geojson(fixture_townships(), ["nmae"])


def test_coordinates_are_rounded_for_display():
    gdf = gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[shapely.Point(112.123456789, 22.987654321)], crs="EPSG:4490"
    )
    coords = to_geojson(gdf, ["name"], precision=5)["features"][0]["geometry"]["coordinates"]
    assert coords == [112.12346, 22.98765]


def test_gcj02_display_shifts_jiangmen_about_600_m_east_south_east():
    gdf = gpd.GeoDataFrame({"name": ["江门"]}, geometry=[shapely.Point(113.08, 22.58)], crs=4490)
    shifted = to_display_crs(gdf, "gcj02").geometry.iloc[0]
    dlon, dlat = shifted.x - 113.08, shifted.y - 22.58
    assert 0.004 < dlon < 0.007 and -0.004 < dlat < -0.002
    assert to_display_crs(gdf, "wgs84").geometry.iloc[0].equals(gdf.geometry.iloc[0])


def test_coverage_simplification_keeps_shared_borders_shared():
    # two polygons sharing a wiggly border: after simplification they must not overlap/gap
    xs = np.linspace(112.0, 112.5, 400)
    wiggle = [(x, 22.0 + 0.0005 * np.sin(x * 900)) for x in xs]
    north = shapely.Polygon([*wiggle, (112.5, 22.3), (112.0, 22.3)])
    south = shapely.Polygon([*wiggle, (112.5, 21.7), (112.0, 21.7)])
    gdf = gpd.GeoDataFrame({"name": ["n", "s"]}, geometry=[north, south], crs=4490)
    data = to_geojson(gdf, ["name"], simplify_deg=0.002)
    a, b = (shapely.geometry.shape(f["geometry"]) for f in data["features"])
    assert len(a.exterior.coords) < 100
    assert a.intersection(b).area < 1e-9
    assert abs(a.union(b).area - (north.area + south.area)) < 1e-6
