"""The maps in a real browser: headless Chromium, opened from file:// with the network off.

Checked: no failed request, no console error, the right number of township shapes and
legend rows, legends that follow their layers, escaping of hostile names, a non-blank
screenshot (kept under ``test-artifacts/``, not in git).
"""

from __future__ import annotations

import html
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from jmgis import maps, style
from jmgis.maps import assets
from tests.clients import OfflineBrowser, clients_required, require_chromium
from tests.maps_fixtures import HOSTILE, fixture_layers

pytestmark = pytest.mark.browser


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


def _png_distinct_colours(path: Path, sample: int = 4000) -> int:
    """Number of distinct RGB colours in a (non-interlaced, 8-bit RGB/RGBA) PNG."""
    data = path.read_bytes()
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour_type = header[:4]
    assert depth == 8 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels + 1
    colours = set()
    step = max(1, (width * height) // sample)
    # filter bytes make raw pixels approximate, which is fine for "not blank"
    for i in range(0, width * height, step):
        row, col = divmod(i, width)
        offset = row * stride + 1 + col * channels
        colours.add(raw[offset : offset + 3])
    return len(colours)


def _open_map(browser, tmp_path, kind: str, layers, name: str | None = None):
    path = maps.save(maps.make_map(kind, layers), tmp_path / f"{name or kind}.html")
    report = browser.open(path)
    assert report.console_errors == [], report.console_errors
    assert report.failed_requests == [], report.failed_requests
    assert report.external_requests == [], report.external_requests
    return path


def test_zones_map_opens_offline_with_all_townships_and_legends(browser, tmp_path):
    layers = fixture_layers()
    _open_map(browser, tmp_path, "zones", layers)
    n_townships = browser.js("return document.querySelectorAll('path.jm-township').length")
    assert n_townships == len(layers["township"])
    zone_rows = browser.js(
        "var l = document.querySelector('.jm-legend[data-layer=\"三区\"]');"
        "return l ? l.querySelectorAll('.jm-legend-row').length : -1"
    )
    assert zone_rows == 3
    shot = browser.screenshot("zones-fixture.png")
    assert _png_distinct_colours(shot) > 20


def _toggle(browser, layer_name: str) -> None:
    browser.js(
        """
        var labels = document.querySelectorAll('.leaflet-control-layers-overlays label');
        for (var i = 0; i < labels.length; i++) {
          if (labels[i].textContent.trim() === arguments[0]) {
            labels[i].querySelector('input').click(); return;
          }
        }
        throw new Error('no layer ' + arguments[0]);
        """,
        layer_name,
    )


def test_unticking_a_layer_hides_its_legend_and_ticking_brings_it_back(browser, tmp_path):
    _open_map(browser, tmp_path, "zones", fixture_layers())
    selector = "return document.querySelectorAll('.jm-legend[data-layer=\"三区\"]').length"
    assert browser.js(selector) == 1
    _toggle(browser, "三区（乡镇着色）")
    assert browser.js(selector) == 0
    assert browser.js("return document.querySelectorAll('path.jm-township').length") == 0
    _toggle(browser, "三区（乡镇着色）")
    assert browser.js(selector) == 1


def test_hostile_names_show_as_text_and_never_execute(browser, tmp_path):
    layers = fixture_layers(HOSTILE)
    _open_map(browser, tmp_path, "zones", layers, name="hostile")
    # build every tooltip and popup with the page's own content functions and insert them
    shown = browser.js(
        """
        var map = null, texts = [];
        for (var k in window) {
          if (k.startsWith('map_') && window[k] instanceof L.Map) { map = window[k]; }
        }
        var box = document.createElement('div');
        document.body.appendChild(box);
        map.eachLayer(function (group) {
          if (!(group instanceof L.GeoJSON)) { return; }
          [group.getTooltip(), group.getPopup()].forEach(function (overlay) {
            if (!overlay || typeof overlay._content !== 'function') { return; }
            group.eachLayer(function (feature) {
              var el = overlay._content(feature);
              box.appendChild(el);
              texts.push(el.innerText);
            });
          });
        });
        return texts.join('\\n');
        """
    )
    browser.js("return new Promise(r => setTimeout(r, 200))")
    assert browser.js("return window.__pwned === undefined")
    for name in HOSTILE:
        assert name in shown, name
    labels = browser.js(
        "return Array.from(document.querySelectorAll('.jm-label')).map(e => e.innerText)"
    )
    assert set(HOSTILE) <= set(labels)
    assert browser.report().console_errors == []
    assert html.escape(HOSTILE[0]) not in shown  # shown once-escaped, not double-escaped


@pytest.fixture(scope="module")
def all_layers():
    from tests.maps_fixtures import fixture_access, fixture_plan, fixture_transport

    layers = fixture_layers()
    layers.update(fixture_transport())
    layers.update(fixture_plan())
    layers["access_township"] = fixture_access(layers["township"])
    return layers


# kind → (CSS selector of the thematic shapes, how many the fixture draws at first)
SHAPES = {
    "zones": ("path.jm-township", 12),
    "plan": ("path.jm-structure", 3),
    "transport": ("path.jm-road", 4),
    "access": ("path.jm-access", 12),
    "scenario": ("path.jm-scenario", 12),
}


# legends shown at first and their rows, counted from the fixture data by hand
LEGEND_ROWS = {
    "zones": {"三区": 3, "区域政策延伸": 1},  # 3 zones; one policy zone (bay)
    "plan": {
        "三区": 3,
        "区域政策延伸": 1,
        "空间结构：一核两带三轴线": 4,  # core, belt, axis, area
        "产业园区与平台（按级别）": 5,  # 3 levels + size note + hollow = county only
    },
    "transport": {
        "道路（等级 / 状态）": 8,  # 4 classes + 4 statuses
        "路网方案编号（放大后显示）": 2,  # 2 schemes
        "铁路": 2,  # hsr, intercity
        "铁路车站": 1,
    },
    "access": {"出行时间": 7},  # 6 classes + no data
    "scenario": {"2020→2035年 节省时间": 8},  # 7 classes + no data
}


@pytest.mark.parametrize("kind", list(SHAPES))
def test_every_map_kind_opens_offline_without_errors(browser, tmp_path, all_layers, kind):
    _open_map(browser, tmp_path, kind, all_layers)
    selector, expected = SHAPES[kind]
    assert browser.js(f"return document.querySelectorAll('{selector}').length") == expected
    legends = browser.js(
        "return Object.fromEntries(Array.from(document.querySelectorAll('.jm-legend[data-layer]'))"
        ".map(e => [e.getAttribute('data-layer'), e.querySelectorAll('.jm-legend-row').length]))"
    )
    assert legends == LEGEND_ROWS[kind]
    assert browser.js("return document.querySelector('.jm-footer').innerText").startswith("示意图")
    for furniture in (
        ".jm-title",
        ".leaflet-control-scale-line",
        ".leaflet-control-zoom-fullscreen",
        ".leaflet-control-measure",
        ".leaflet-control-layers-expanded",
    ):
        assert browser.js(f"return document.querySelectorAll('{furniture}').length") == 1, furniture
    shot = browser.screenshot(f"{kind}-fixture.png")
    assert _png_distinct_colours(shot) > 20


def test_year_selector_shows_only_what_exists_in_that_year(browser, tmp_path, all_layers):
    _open_map(browser, tmp_path, "transport", all_layers)
    counts = {}
    for year in (2020, 2025, 2035):
        browser.js(
            "document.querySelector("
            "'input[name=\"jm-year\"][value=\"' + arguments[0] + '\"]').click();",
            year,
        )
        counts[year] = (
            browser.js("return document.querySelectorAll('path.jm-road').length"),
            browser.js("return document.querySelectorAll('path.jm-rail').length"),
        )
    # roads: existing 2010; under construction 2024; planned 2030; conceptual (vision only)
    # rail: existing 2018; planned 2028
    assert counts == {2020: (1, 1), 2025: (2, 1), 2035: (4, 2)}


def test_access_selector_recolours_townships_and_updates_tooltips(browser, tmp_path, all_layers):
    _open_map(browser, tmp_path, "access", all_layers)
    fills = (
        "return Array.from(document.querySelectorAll('path.jm-access'))"
        ".map(p => p.getAttribute('fill'))"
    )
    first_tooltip = """
        var map = null, text = null;
        for (var k in window) {
          if (k.startsWith('map_') && window[k] instanceof L.Map) { map = window[k]; }
        }
        map.eachLayer(function (g) {
          var first = g instanceof L.GeoJSON && g.getLayers()[0];
          if (first && g.getTooltip() && first.feature.properties.what) {
            text = g.getTooltip()._content(g.getLayers()[0]).innerText;
          }
        });
        return text;
    """
    table = all_layers["access_township"]
    codes = list(all_layers["township"]["code"])
    for index, year in ((0, 2020), (1, 2035)):
        browser.js(
            "var s = document.querySelector('select.jm-select'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('change'));",
            str(index),
        )
        rows = table[table.year == year].set_index("code")["minutes"]
        expected = [style.access_color(rows[c]) for c in codes]
        assert browser.js(fills) == expected
        tooltip = browser.js(first_tooltip)
        assert f"{year}年" in tooltip and f"{round(rows[codes[0]], 1):g}" in tooltip
    legend = "return document.querySelectorAll('.jm-legend[data-layer=\"出行时间\"]').length"
    assert browser.js(legend) == 1
    _toggle(browser, "镇街出行时间")
    assert browser.js(legend) == 0


def test_zones_map_of_the_bundled_data(browser, tmp_path):
    admin = pytest.importorskip("jmgis.admin")
    layers = admin.layers()
    path = _open_map(browser, tmp_path, "zones", layers, name="zones-jiangmen")
    assert path.stat().st_size < 3_000_000
    assert browser.js("return document.querySelectorAll('path.jm-township').length") == 73
    counts = browser.js(
        "return Array.from(document.querySelectorAll('.jm-legend[data-layer=\"三区\"] span'))"
        ".map(e => e.innerText)"
    )
    expected = layers["township"]["zone_code"].value_counts()
    for code, label in style.ZONE_LABELS.items():
        assert f"{label}（{expected[code]}）" in counts
    shot = browser.screenshot("zones-jiangmen.png")
    assert _png_distinct_colours(shot) > 20


def test_township_labels_appear_only_when_zoomed_in(browser, tmp_path):
    _open_map(browser, tmp_path, "zones", fixture_layers())
    visible = (
        "return Array.from(document.querySelectorAll('.jm-label'))"
        ".filter(e => e.offsetParent !== null).length"
    )
    zoom_to = (
        "for (var k in window) { if (k.startsWith('map_') && window[k] instanceof L.Map) "
        "{ window[k].setZoom(arguments[0], {animate: false}); } }"
    )
    browser.js(zoom_to, 8)
    assert browser.js(visible) == 0
    browser.js(zoom_to, 11)
    assert browser.js(visible) > 0


def test_raster_overlay_is_drawn_above_the_offline_base(browser, tmp_path, all_layers):
    from jmgis.access.raster import Grid

    grid = Grid(
        left=319000.0,
        top=2500000.0,
        cell_m=1000.0,
        width=40,
        height=40,
        crs="EPSG:4547",
        mask=np.ones((40, 40), bool),
    )
    image = np.tile(np.linspace(0, 120, 40, dtype=np.float32), (40, 1))
    path = maps.save(maps.access_map(all_layers, raster=(image, grid)), tmp_path / "r.html")
    report = browser.open(path)
    assert report.console_errors == [] and report.failed_requests == []
    _toggle(browser, "出行时间栅格")
    # the image must sit in a pane above the SVG vectors (Leaflet puts SVG at z 200 in
    # the overlay pane, z 400), or the opaque offline base hides it
    z = browser.js(
        "var i = document.querySelector('img.jm-raster');"
        "return [parseInt(getComputedStyle(i.parentNode).zIndex, 10), i.complete, i.naturalWidth]"
    )
    assert z[0] > 400 and z[1] and z[2] > 0
    legend = "return document.querySelectorAll('.jm-legend[data-layer=\"出行时间栅格\"]').length"
    assert browser.js(legend) == 1


def test_measure_tool_measures_in_km_and_loads_nothing(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _open_map(browser, tmp_path, "zones", fixture_layers())
    driver = browser.driver
    control = driver.find_element(By.CSS_SELECTOR, ".leaflet-control-measure")
    ActionChains(driver).move_to_element(control).perform()
    driver.find_element(By.CSS_SELECTOR, ".js-start").click()
    container = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    for dx, dy in ((-100, -50), (100, -50), (100, 100)):
        ActionChains(driver).move_to_element_with_offset(container, dx, dy).click().perform()
    text = browser.js("return document.querySelector('.leaflet-control-measure').innerText")
    assert "公里" in text and "平方公里" in text
    driver.find_element(By.CSS_SELECTOR, ".js-finish").click()
    report = browser.report()
    assert report.console_errors == [] and report.failed_requests == []


_RENDER_ALL_OVERLAYS = """
    var map = null, texts = [];
    for (var k in window) {
      if (k.startsWith('map_') && window[k] instanceof L.Map) { map = window[k]; }
    }
    var box = document.createElement('div');
    document.body.appendChild(box);
    map.eachLayer(function (group) {
      if (!(group instanceof L.GeoJSON)) { return; }
      [group.getTooltip(), group.getPopup()].forEach(function (overlay) {
        if (!overlay || typeof overlay._content !== 'function') { return; }
        group.eachLayer(function (feature) {
          var el = overlay._content(feature);
          box.appendChild(el);
          texts.push(el.innerText);
        });
      });
    });
    texts.push(document.querySelector('.leaflet-control-layers').innerText);
    texts.push(Array.from(document.querySelectorAll('.jm-legend')).map(e => e.innerText).join());
    return texts.join('\\n');
"""


def test_hostile_text_in_every_kind_of_layer_stays_text(browser, tmp_path, all_layers):
    import geopandas as gpd

    evil = HOSTILE[1]  # '"><img src=x onerror="window.__pwned=2">'
    layers = {k: v.copy() for k, v in all_layers.items()}
    layers["road"].loc[0, ["name", "schemes"]] = [evil, evil]
    layers["park"].loc[0, ["name", "industries"]] = [evil, evil]
    layers["structure"]["pattern"] = evil  # becomes a layer name and a legend title
    layers["isochrone"] = gpd.GeoDataFrame(
        {"origin_name": [evil], "band_min": [30.0], "area_km2": [1.0]},
        geometry=[layers["township"].geometry.iloc[0]],
        crs="EPSG:4490",
    )
    for kind in ("plan", "transport", "access"):
        path = maps.save(maps.make_map(kind, layers), tmp_path / f"evil-{kind}.html")
        report = browser.open(path)
        assert report.console_errors == [] and report.failed_requests == []
        if kind == "access":
            _toggle(browser, f"等时圈：{evil}")
        shown = browser.js(_RENDER_ALL_OVERLAYS)
        browser.js("return new Promise(r => setTimeout(r, 200))")
        assert browser.js("return window.__pwned === undefined"), kind
        assert evil in shown, kind
        assert browser.report().console_errors == []


def test_scheme_member_labels_follow_zoom_and_year(browser, tmp_path, all_layers):
    _open_map(browser, tmp_path, "transport", all_layers)
    visible = (
        "return Array.from(document.querySelectorAll('.jm-scheme-label'))"
        ".filter(e => e.offsetParent !== null).map(e => e.innerText).sort()"
    )
    zoom_to = (
        "for (var k in window) { if (k.startsWith('map_') && window[k] instanceof L.Map) "
        "{ window[k].setZoom(arguments[0], {animate: false}); } }"
    )
    browser.js(zoom_to, 8)
    assert browser.js(visible) == []
    browser.js(zoom_to, 10)
    # fixture roads in a scheme: 甲高速 纵1 (existing), 丙国道 横2 (planned, 2030)
    assert browser.js(visible) == ["横2", "纵1"]
    browser.js('document.querySelector(\'input[name="jm-year"][value="2020"]\').click()')
    browser.js("return new Promise(r => setTimeout(r, 400))")  # Leaflet fades tooltips out
    assert browser.js(visible) == ["纵1"]


@pytest.mark.slow
def test_plan_and_transport_maps_of_the_bundled_data(browser, tmp_path):
    admin = pytest.importorskip("jmgis.admin")
    catalog = pytest.importorskip("jmgis.catalog")
    transport = pytest.importorskip("jmgis.transport")
    layers = {**admin.layers(), **catalog.layers(), **transport.layers()}
    for kind, selector, layer in (
        ("plan", "path.jm-structure", "structure"),
        ("transport", "path.jm-road", "road"),
    ):
        path = _open_map(browser, tmp_path, kind, layers, name=f"{kind}-jiangmen")
        assert path.stat().st_size < 3_000_000
        assert browser.js(f"return document.querySelectorAll('{selector}').length") > 0, layer
        shot = browser.screenshot(f"{kind}-jiangmen.png")
        assert _png_distinct_colours(shot) > 20
    # every road of the vision year is drawn once
    roads = layers["road"]
    assert browser.js("return document.querySelectorAll('path.jm-road').length") == len(roads)
