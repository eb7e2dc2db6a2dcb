"""The offline assets: pinned npm tarballs, checked before anything is inlined."""

from __future__ import annotations

import os
import stat

import pytest

from jmgis import maps
from jmgis.maps import assets
from tests.maps_fixtures import fixture_layers


def _fake_npm(tmp_path, body: bytes):
    """An 'npm' that writes ``body`` as every requested tarball (like a tampered mirror)."""
    script = tmp_path / "npm"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import sys, pathlib\n"
        "spec = sys.argv[2]; dest = pathlib.Path(sys.argv[4])\n"
        "name, version = spec.rsplit('@', 1)\n"
        f"(dest / f'{{name}}-{{version}}.tgz').write_bytes({body!r})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_a_tampered_download_is_refused_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("JMGIS_ASSET_CACHE", str(tmp_path / "cache"))
    with pytest.raises(RuntimeError, match="SHA-256"):
        assets.fetch_assets(npm=_fake_npm(tmp_path, b"not leaflet"))
    assert os.listdir(tmp_path / "cache") == []


def test_a_tampered_cached_file_is_not_inlined(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    for package in assets.PACKAGES:
        (cache / package.tarball_name).write_bytes(b"tampered")
    monkeypatch.setenv("JMGIS_ASSET_CACHE", str(cache))
    monkeypatch.setenv("JMGIS_OFFLINE", "1")
    assert not assets.assets_available()
    with pytest.warns(UserWarning, match="CDN"):
        html = maps.to_html(maps.make_map("zones", fixture_layers()))
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in html


def test_css_images_become_data_uris():
    if not assets.assets_available():
        pytest.skip("Leaflet assets not cached and npm unavailable")
    css = assets.asset_text(next(a for a in assets.ASSETS if a.path == "dist/leaflet.css"))
    assert "url(images/" not in css and "url(data:image/png;base64," in css
