"""No text from data, file names or arguments is ever template source.

folium/branca render macro output a second time as Jinja2 source; a name like
``{{7*7}}江门站`` used to show as ``49江门站`` and a crafted one ran Python while a map was
built.  Every kind of text that reaches an output gets the payloads below; the canary is a
Jinja2 gadget that creates a directory in the working directory if it is ever rendered as a
template (the first test shows it does, so the others can fail).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import folium
import pytest
from branca.element import Element, MacroElement
from jinja2 import Template

from jmgis import maps
from jmgis.maps import features
from jmgis.maps.display import escape, js_literal
from tests.maps_fixtures import fixture_access, fixture_layers, fixture_plan, fixture_transport
from tests.maps_fixtures import geojson_blocks as _geojson_blocks

CANARY_DIR = "jm_canary"
CANARY = "{{ lipsum.__globals__.os.mkdir(dict(" + CANARY_DIR + "=1)|first) }}"
PAYLOADS = [
    "{{7*7}}江门站",
    "{{'",
    "{% if 1 %}x{% endif %}",
    "{#",
    "</script><script>window.__pwned=5</script>",
    '<img src=x onerror="window.__pwned=6">',
    "a\\",
    CANARY,
]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in ``tmp_path``, where the canary would create its directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _canary_ran(folder: Path) -> bool:
    return (folder / CANARY_DIR).exists()


def test_the_canary_runs_when_rendered_as_a_template(in_tmp):
    Element(CANARY).render()
    assert _canary_ran(in_tmp)


class _RawMacro(MacroElement):
    """A user element whose macro outputs text without escaping it."""

    _template = Template("{% macro script(this, kwargs) %}var t = {{ this.text }};{% endmacro %}")

    def __init__(self, text: str):
        super().__init__()
        self.text = text


def test_folium_renders_macro_output_twice_but_jmgis_maps_do_not(in_tmp):
    m = folium.Map(tiles=None)
    _RawMacro(CANARY).add_to(m)
    m.get_root().render()  # folium's own render: the second pass runs the gadget
    assert _canary_ran(in_tmp)
    (in_tmp / CANARY_DIR).rmdir()

    m = folium.Map(tiles=None)
    _RawMacro(CANARY).add_to(m)
    page = maps.to_html(m, inline=False)
    assert not _canary_ran(in_tmp)
    assert f"var t = {CANARY};" in page


def test_jmgis_render_leaves_a_clean_map_unchanged():
    def page(render) -> str:
        ids = iter(range(10**6))
        original = Element._generate_id
        Element._generate_id = classmethod(lambda cls: f"{next(ids):032x}")
        try:
            m = maps.make_map("zones", fixture_layers())
            return render(m)
        finally:
            Element._generate_id = original

    from jmgis.maps.render import render_verbatim

    # the verbatim render is the ordinary render for text without template syntax (to_html
    # then only renumbers the element ids, see test_reproducible_build)
    assert page(render_verbatim) == page(lambda m: m.get_root().render())


def test_users_own_template_elements_still_render_as_templates():
    m = folium.Map(tiles=None)
    m.get_root().header.add_child(Element("<meta name='n' content='{{ 6*7 }}'>"))
    assert "content='42'" in maps.to_html(m, inline=False)


def test_escape_and_js_literal_leave_no_jinja_delimiter_but_keep_the_text():
    for text in PAYLOADS:
        assert not re.search(r"\{[{%#]", escape(text))
        assert html.unescape(escape(text)) == text
        literal = js_literal({"k": text, "list": [text]})
        assert not re.search(r"\{[{%#]", literal)
        import json

        assert json.loads(literal) == {"k": text, "list": [text]}


# --- every map kind, payloads in every kind of text ---------------------------------------


def _cycle(n: int, offset: int = 0) -> list[str]:
    return [PAYLOADS[(i + offset) % len(PAYLOADS)] for i in range(n)]


@pytest.fixture(scope="module")
def hostile_layers():
    layers = fixture_layers(_cycle(12))
    layers["township"]["source"] = [f"user boundaries: {p}.gpkg" for p in _cycle(12, 3)]
    layers["township"]["county_name"] = _cycle(12, 5)
    layers.update(fixture_transport())
    layers.update(fixture_plan())
    layers["road"]["name"] = _cycle(4)
    layers["road"]["schemes"] = [f"{p}:纵1" for p in _cycle(4, 4)]
    layers["road"]["ref"] = _cycle(4, 2)
    layers["station"]["name"] = _cycle(2, 6)
    layers["rail"]["name"] = _cycle(2, 1)
    layers["park"]["name"] = _cycle(3)
    layers["park"]["industries"] = _cycle(3, 3)
    layers["structure"]["name"] = _cycle(4, 4)
    layers["structure"]["pattern"] = CANARY  # a layer name and a legend title
    layers["access_township"] = fixture_access(layers["township"])
    return layers


@pytest.fixture
def hostile_aliases(monkeypatch):
    for i, key in enumerate(features.EXTRA_ALIASES):
        monkeypatch.setitem(features.EXTRA_ALIASES, key, f"{PAYLOADS[i % len(PAYLOADS)]}{key}")


REVIEW_NO = "GS(2026){{7*7}}号" + CANARY


@pytest.mark.parametrize("kind", list(maps.MAP_KINDS))
def test_payloads_in_every_map_kind_never_run_and_stay_text(
    kind, hostile_layers, hostile_aliases, in_tmp
):
    m = maps.make_map(kind, hostile_layers, review_no=REVIEW_NO)
    page = maps.save(m, in_tmp / f"{kind}.html", inline=False).read_text(encoding="utf-8")
    assert not _canary_ran(in_tmp)
    assert "49江门站" not in page and "GS(2026)49号" not in page
    # the footer: escaped HTML inside a JS string literal
    assert js_literal(escape(REVIEW_NO))[1:-1] in page
    # folium's own render (e.g. m.save in a user's script) is safe too: the text carries
    # no delimiter at all
    m.get_root().render()
    assert not _canary_ran(in_tmp)


def test_payloads_in_names_reach_the_map_data_escaped_once(hostile_layers, in_tmp):
    page = maps.to_html(maps.make_map("zones", hostile_layers), inline=False)
    names = {
        f["properties"]["name"]
        for block in _geojson_blocks(page)
        for f in block["features"]
        if "name" in f["properties"]
    }
    assert {escape(text) for text in PAYLOADS} <= names


# --- a township-boundary file name ---------------------------------------------------------


def test_a_boundary_file_name_with_payloads_reaches_the_map_as_text(in_tmp):
    from jmgis import admin
    from jmgis.admin.user import load_user_townships

    official = admin.load_townships()[["code", "name", "geometry"]]
    name = "{{7*7}}" + CANARY + ".gpkg"
    official.to_file(in_tmp / "townships.gpkg")  # GDAL refuses braces in a layer name
    (in_tmp / "townships.gpkg").rename(in_tmp / name)
    user = load_user_townships(in_tmp / name)
    layers = admin.layers(user)
    page = maps.save(maps.make_map("zones", layers), in_tmp / "zones.html", inline=False)
    text = page.read_text(encoding="utf-8")
    assert not _canary_ran(in_tmp)
    sources = {
        f["properties"].get("source") for block in _geojson_blocks(text) for f in block["features"]
    }
    assert any(escape(f"user boundaries: {name};") in (s or "") for s in sources)


# --- the report ----------------------------------------------------------------------------


def test_report_shows_payloads_as_text(in_tmp):
    from jmgis.report import build_report
    from tests.report_fixtures import fixture_inputs, fixture_townships

    codes = list(fixture_townships()["code"].astype(str))
    inputs = fixture_inputs(rename=dict(zip(codes, PAYLOADS, strict=False)))
    result = build_report(in_tmp / "report", inputs=inputs, map_files=[])
    page = Path(result.html).read_text(encoding="utf-8")
    assert not _canary_ran(in_tmp)
    for text in PAYLOADS:
        assert escape(text) in page, text
    assert not re.search(r"\{[{%#]", page)


# --- QGIS expressions built from data ------------------------------------------------------


def test_rule_filters_quote_data_values_for_the_qgis_expression_language():
    import xml.etree.ElementTree as ET

    from jmgis.io.qgis.sld import _expression_filter
    from jmgis.io.qgis.styledef import _quote

    for value in [*PAYLOADS, "x AND y", "it's", "a' OR '1"]:
        expression = f'"name" = {_quote(value)} AND "status" = {_quote("planned")}'
        rule = ET.Element("Rule")
        _expression_filter(rule, expression)
        literals = [e.text for e in rule.iter("ogc:Literal")]
        assert literals == [value, "planned"], value


@pytest.mark.qgis
def test_qgis_parses_the_quoted_values_back_to_the_text(tmp_path):
    import json
    import subprocess

    from jmgis.io.qgis.styledef import _quote
    from tests.clients import require_qgis

    require_qgis()
    values = [*PAYLOADS, "it's", "x AND y"]
    script = (
        "import json,sys\n"
        "from qgis.core import QgsExpression\n"
        "out=[]\n"
        "for e in json.load(sys.stdin):\n"
        "    x=QgsExpression(e)\n"
        "    out.append(None if x.hasParserError() else x.evaluate())\n"
        "print(json.dumps(out))\n"
    )
    run = subprocess.run(
        ["/usr/bin/python3", "-c", script],
        input=json.dumps([_quote(v) for v in values]),
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == values


# --- in a real browser ---------------------------------------------------------------------

_SHOWN_TEXT = """
    var map = null, texts = [];
    for (var k in window) {
      if (k.startsWith('map_') && window[k] instanceof L.Map) { map = window[k]; }
    }
    var box = document.createElement('div');
    document.body.appendChild(box);
    map.eachLayer(function (layer) {
      if (!(layer instanceof L.GeoJSON)) { return; }
      [layer.getTooltip(), layer.getPopup()].forEach(function (overlay) {
        if (!overlay || typeof overlay._content !== 'function') { return; }
        layer.eachLayer(function (feature) {
          var el = overlay._content(feature);
          box.appendChild(el);
          texts.push(el.innerText);
        });
      });
      layer.eachLayer(function (feature) {  // per-feature labels (scheme members)
        var t = feature.getTooltip && feature.getTooltip();
        if (t && t._content && t._content.innerText !== undefined) {
          texts.push(t._content.innerText);
        }
      });
    });
    ['.leaflet-control-layers', '.jm-legend', '.jm-footer', '.jm-title'].forEach(function (s) {
      document.querySelectorAll(s).forEach(function (e) { texts.push(e.innerText); });
    });
    return texts.join('\\n');
"""


@pytest.fixture(scope="module")
def browser():
    from jmgis.maps import assets
    from tests.clients import OfflineBrowser, require_chromium

    require_chromium()
    if not assets.assets_available():
        pytest.skip("Leaflet assets not cached: the map cannot be opened offline")
    b = OfflineBrowser()
    yield b
    b.close()


@pytest.mark.browser
@pytest.mark.parametrize("kind", list(maps.MAP_KINDS))
def test_browser_shows_every_payload_exactly_as_typed(
    kind, browser, hostile_layers, hostile_aliases, in_tmp
):
    path = maps.save(maps.make_map(kind, hostile_layers, review_no=REVIEW_NO), in_tmp / "m.html")
    report = browser.open(path)
    assert report.console_errors == [], report.console_errors
    shown = browser.js(_SHOWN_TEXT)
    browser.js("return new Promise(r => setTimeout(r, 200))")
    assert browser.js("return window.__pwned === undefined")
    assert not _canary_ran(in_tmp)
    missing = [text for text in PAYLOADS if text not in shown]
    assert missing == []
    assert "49江门站" not in shown and "GS(2026)49号" not in shown
    assert REVIEW_NO in browser.js("return document.querySelector('.jm-footer').innerText")
    if kind != "zones":  # the zones map has fixed labels only
        assert any(alias in shown for alias in features.EXTRA_ALIASES.values())
    assert browser.report().console_errors == []


@pytest.mark.browser
def test_browser_popups_print_years_without_thousands_separators(browser, in_tmp):
    layers = fixture_layers()
    layers.update(fixture_transport())
    browser.open(maps.save(maps.make_map("transport", layers), in_tmp / "t.html"))
    shown = browser.js(_SHOWN_TEXT)
    for year in ("2010", "2024", "2030", "2018", "2028"):
        assert year in shown, year
    assert not re.search(r"\b20,\d{3}\b|\b2,0\d\d\b", shown)


@pytest.mark.browser
def test_browser_shows_report_payloads_as_text(browser, in_tmp):
    from jmgis.report import build_report
    from tests.report_fixtures import fixture_inputs, fixture_townships

    codes = list(fixture_townships()["code"].astype(str))
    inputs = fixture_inputs(rename=dict(zip(codes, PAYLOADS, strict=False)))
    result = build_report(in_tmp / "report", inputs=inputs, map_files=[])
    report = browser.open(Path(result.html))
    assert report.console_errors == [] and report.external_requests == []
    shown = browser.js("return document.body.innerText")
    assert browser.js("return window.__pwned === undefined")
    assert [text for text in PAYLOADS if text not in shown] == []
    assert "49江门站" not in shown


# --- QGIS style files (QML, SLD) with categories from the data -----------------------------

ROAD_CLASSES = [*PAYLOADS, "x AND y", "it's", "a' OR '1"]


def _road_style(classes):
    import pandas as pd

    from jmgis.io.qgis.styledef import layer_style
    from jmgis.layers import FieldSpec, LayerSpec

    spec = LayerSpec(
        "road",
        "道路",
        "交通",
        "MultiLineString",
        tuple(FieldSpec(f, "str", f) for f in ("name", "road_class", "status")),
    )
    frame = pd.DataFrame({"road_class": classes, "status": "existing"})
    return layer_style(spec, frame), spec


def test_qml_and_sld_keep_data_categories_as_text():
    import xml.etree.ElementTree as ET

    from jmgis.io.qgis.qml import qml
    from jmgis.io.qgis.sld import sld
    from jmgis.io.qgis.styledef import _quote

    style_, spec = _road_style(ROAD_CLASSES)
    qml_root = ET.fromstring(qml(style_, spec).split("\n", 1)[1])
    filters = {r.get("filter") for r in qml_root.iter("rule")}
    for value in ROAD_CLASSES:
        assert f'"road_class" = {_quote(value)} AND "status" = \'existing\'' in filters
    sld_root = ET.fromstring(sld(style_, spec).split("\n", 1)[1])
    literals = {e.text for e in sld_root.iter("{http://www.opengis.net/ogc}Literal")}
    assert set(ROAD_CLASSES) <= literals


def test_a_control_character_in_a_category_is_a_clear_error():
    from jmgis.errors import DataError
    from jmgis.io.qgis.qml import qml

    style_, spec = _road_style(["expressway", "bad\x01class"])
    with pytest.raises(DataError, match="U\\+0001"):
        qml(style_, spec)
