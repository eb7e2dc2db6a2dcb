"""The zone map and the ``maps`` build step, checked in the saved HTML (no browser)."""

from __future__ import annotations

import re
import types
import warnings

import pytest

from jmgis import maps, style
from jmgis.errors import JmgisError
from jmgis.maps import assets
from tests.maps_fixtures import fixture_layers, fixture_plan
from tests.maps_fixtures import geojson_blocks as _geojson_blocks
from tests.maps_fixtures import shows as _shows


@pytest.fixture(scope="module")
def zones_html(tmp_path_factory):
    path = tmp_path_factory.mktemp("maps") / "zones.html"
    maps.save(maps.make_map("zones", fixture_layers()), path)
    return path.read_text(encoding="utf-8")


def test_every_township_is_drawn_once_in_its_zone_colour(zones_html):
    layers = fixture_layers()
    block = _township_block(zones_html)
    drawn = {f["properties"]["code"]: f["properties"]["zone_code"] for f in block["features"]}
    expected = dict(zip(layers["township"]["code"], layers["township"]["zone_code"], strict=True))
    assert drawn == expected
    for colour in style.ZONE_COLORS.values():
        assert colour in zones_html


def test_tooltip_and_legend_are_chinese(zones_html):
    for label in (
        "乡镇（街道）",
        "所属县（市、区）",
        "所属三区",
        "区域政策延伸",
        *style.ZONE_LABELS.values(),
    ):
        assert _shows(zones_html, label), label
    assert _shows(zones_html, "示意图") and _shows(zones_html, "内部工作用图")


def test_saved_map_has_no_external_script_or_stylesheet(zones_html):
    if not assets.assets_available():
        pytest.skip("Leaflet assets not cached and npm unavailable")
    assert not re.search(r'<script[^>]+src="https?:', zones_html)
    assert not re.search(r'<link[^>]+href="https?:', zones_html)
    assert "L.Control.Fullscreen" in zones_html or "Control.FullScreen" in zones_html


def test_without_cached_assets_the_map_falls_back_to_cdn_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("JMGIS_ASSET_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("JMGIS_OFFLINE", "1")
    m = maps.make_map("zones", fixture_layers())
    with pytest.warns(UserWarning, match="CDN"):
        maps.save(m, tmp_path / "zones.html")
    html = (tmp_path / "zones.html").read_text(encoding="utf-8")
    assert re.search(r'<script[^>]+src="https://cdn\.jsdelivr\.net/npm/leaflet@1\.9\.3', html)


def test_review_number_only_when_given(tmp_path):
    layers = fixture_layers()
    plain = maps.make_map("zones", layers).get_root().render()
    assert not _shows(plain, "审图号")
    numbered = maps.make_map("zones", layers, review_no="粤S(2099)001号").get_root().render()
    assert _shows(numbered, "审图号：粤S(2099)001号")


def _township_block(html: str) -> dict:
    blocks = [
        b
        for b in _geojson_blocks(html)
        if {"code", "zone_code"} <= set(b["features"][0]["properties"])
    ]
    assert len(blocks) == 1
    return blocks[0]


def test_gaode_basemap_shifts_the_data_to_gcj02(tmp_path):
    layers = fixture_layers()
    plain = _township_block(maps.make_map("zones", layers).get_root().render())
    gaode_html = maps.make_map("zones", layers, basemap="gaode").get_root().render()
    shifted = _township_block(gaode_html)
    x0 = plain["features"][0]["geometry"]["coordinates"][0][0][0]
    x1 = shifted["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 0.003 < x1[0] - x0[0] < 0.007  # ≈ 500–600 m east in Jiangmen
    assert -0.004 < x1[1] - x0[1] < -0.001  # and ≈ 300 m south
    assert _shows(gaode_html, "GCJ-02") and "autonavi.com" in gaode_html


def test_tianditu_needs_a_key(monkeypatch):
    monkeypatch.delenv("JMGIS_TIANDITU_KEY", raising=False)
    with pytest.raises(JmgisError, match="JMGIS_TIANDITU_KEY"):
        maps.make_map("zones", fixture_layers(), basemap="tianditu")
    monkeypatch.setenv("JMGIS_TIANDITU_KEY", "k123")
    html = maps.make_map("zones", fixture_layers(), basemap="tianditu").get_root().render()
    assert "vec_w" in html and "cva_w" in html and "img_w" in html and "cia_w" in html
    assert "tk=k123" in html


def test_unknown_basemap_and_kind_are_clear_errors():
    with pytest.raises(JmgisError, match="basemap"):
        maps.make_map("zones", fixture_layers(), basemap="bing")
    with pytest.raises(JmgisError, match="unknown map"):
        maps.make_map("nope", fixture_layers())


def test_build_all_writes_the_maps_whose_layers_exist_and_skips_the_rest(tmp_path, caplog):
    ctx = types.SimpleNamespace(maps_dir=tmp_path / "maps", layers={}, years=(2020, 2035))
    with caplog.at_level("INFO"):
        assert maps.build_all(ctx) == []
    assert "skipping zones.html" in caplog.text
    ctx.layers = fixture_layers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        written = maps.build_all(ctx)
    assert tmp_path / "maps" / "zones.html" in written
    assert all(p.exists() for p in written)


def test_osm_basemap_keeps_the_data_unshifted_and_credits_osm():
    layers = fixture_layers()
    plain = _township_block(maps.make_map("zones", layers).get_root().render())
    page = maps.make_map("zones", layers, basemap="osm").get_root().render()
    assert _township_block(page) == plain
    assert "tile.openstreetmap.org" in page and _shows(page, "OpenStreetMap contributors（ODbL）")


def test_a_failed_asset_fetch_is_tried_once_per_process(tmp_path, monkeypatch):
    calls = []

    def failing_fetch(**_kwargs):
        calls.append(1)
        raise RuntimeError("registry unreachable")

    monkeypatch.setenv("JMGIS_ASSET_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("JMGIS_OFFLINE", raising=False)
    monkeypatch.setattr(assets, "fetch_assets", failing_fetch)
    monkeypatch.setattr(assets, "_failed_fetches", set())
    m = maps.make_map("zones", fixture_layers())
    for name in ("a.html", "b.html"):
        with pytest.warns(UserWarning, match="CDN"):
            maps.save(m, tmp_path / name)
    assert len(calls) == 1


def test_notebook_display_needs_no_cdn():
    import html as html_module

    if not assets.assets_available():
        pytest.skip("Leaflet assets not cached and npm unavailable")
    shown = maps.show(maps.make_map("zones", fixture_layers()), height=400)
    frame = shown._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "height:400px" in frame
    page = html_module.unescape(frame.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert "L.map(" in page or "L.map (" in page
    assert not re.search(r'<script[^>]+src="https?:', page)


def test_zone_outlines_are_the_dissolved_townships_of_each_zone():
    import shapely

    layers = fixture_layers()
    page = maps.make_map("zones", layers).get_root().render()
    outlines = [
        b
        for b in _geojson_blocks(page)
        if set(b["features"][0]["properties"]) == {"zone_code", "zone_name"}
    ]
    assert len(outlines) == 1
    drawn = {
        f["properties"]["zone_code"]: shapely.geometry.shape(f["geometry"])
        for f in outlines[0]["features"]
    }
    townships = layers["township"]
    for code, geom in drawn.items():
        expected = townships[townships.zone_code == code].union_all()
        assert geom.symmetric_difference(expected).area < 1e-6
    assert set(drawn) == set(townships.zone_code)


def test_offline_base_draws_the_surrounding_land_when_a_region_layer_exists():
    import geopandas as gpd
    from shapely.geometry import box

    layers = fixture_layers()
    region = gpd.GeoDataFrame(
        {"name": ["邻市"]}, geometry=[box(113.1, 21.9, 113.4, 22.5)], crs="EPSG:4490"
    )
    plain = maps.make_map("zones", layers).get_root().render()
    with_region = maps.make_map("zones", {**layers, "region": region}).get_root().render()
    assert "jm-surroundings" not in plain
    assert "jm-surroundings" in with_region and style.NEIGHBOUR_LAND_COLOR in with_region
    for kind in ("plan",):
        extra = {**layers, **fixture_plan(), "region": region}
        assert "jm-surroundings" in maps.make_map(kind, extra).get_root().render()
