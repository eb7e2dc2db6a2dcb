"""A jmgis map shown as a bare ``m`` in Jupyter works offline: executed with nbclient,
exported to HTML with nbconvert, opened in headless Chromium with the network off."""

from __future__ import annotations

import nbformat
import pytest

from jmgis.maps import assets
from tests.clients import OfflineBrowser, clients_required, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELLS = [
    "import jmgis as jm\nfrom jmgis import maps",
    'towns = jm.load_townships()\nm = maps.make_map("zones", {"township": towns})\n'
    'print(len(towns))',
    "m",  # folium would load Leaflet, jQuery and Bootstrap from CDNs here
]

# what the map needs: none of it may be requested from the network (nbconvert's own page
# template asks for require.js and MathJax, which a map does not need)
MAP_ASSET_HOSTS = ("leaflet", "jquery", "bootstrap", "/d3", "awesome", "fontawesome")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    require_chromium()
    if not assets.assets_available():
        reason = "Leaflet assets not cached and npm unavailable"
        if clients_required():
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("nb")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    body, _ = HTMLExporter().from_notebook_node(nb)
    path = folder / "executed.html"
    path.write_text(body, encoding="utf-8")
    n_towns = int(nb.cells[1].outputs[0]["text"])
    return path, n_towns, nb


def test_the_bare_map_output_is_inlined_html(exported):
    _path, _n, nb = exported
    data = nb.cells[2].outputs[0]["data"]
    page = data["text/html"]
    assert page.startswith("<iframe srcdoc=")
    assert "L.control.layers(" in page.replace("&quot;", '"')


def test_the_exported_notebook_shows_the_map_offline(exported):
    path, n_towns, _nb = exported
    browser = OfflineBrowser()
    try:
        report = browser.open(path)
        browser.js("return new Promise(r => setTimeout(r, 1000))")
        map_requests = [
            u for u in report.external_requests if any(h in u for h in MAP_ASSET_HOSTS)
        ]
        assert map_requests == []
        # the map's page lives in the iframe (srcdoc: same origin, readable from here)
        inside = browser.js(
            """
            var frame = document.querySelector('iframe');
            var w = frame.contentWindow, d = frame.contentDocument;
            return {leaflet: typeof w.L, towns: d.querySelectorAll('path.jm-township').length,
                    layers: d.querySelectorAll('.leaflet-control-layers-overlays label').length};
            """
        )
        assert inside["leaflet"] == "object"
        assert inside["towns"] == n_towns
        assert inside["layers"] >= 3
        errors = [e for e in browser.report().console_errors if "srcdoc" in e]
        assert errors == []
    finally:
        browser.close()
