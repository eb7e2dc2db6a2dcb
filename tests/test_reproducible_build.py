"""With ``SOURCE_DATE_EPOCH`` set, two builds give byte-identical files, stamped with that
time, and no file depends on where the build was written."""

from __future__ import annotations

import hashlib
import io
import re
import sqlite3
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import folium
import openpyxl
import pytest

from jmgis.buildtime import build_time, normalise_zip, source_date_epoch
from jmgis.errors import JmgisError
from jmgis.maps import to_html

EPOCH = 1767225600  # 2026-01-01T00:00:00Z
STAMP = datetime.fromtimestamp(EPOCH, timezone.utc)


def _hashes(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    from jmgis.pipeline import build

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        first = tmp_path_factory.mktemp("first") / "out"
        second = tmp_path_factory.mktemp("second_elsewhere") / "deeper" / "out"
        build(first)
        build(second)
    return first, second


@pytest.mark.slow
def test_two_builds_are_byte_identical(two_builds):
    first, second = two_builds
    a, b = _hashes(first), _hashes(second)
    assert {"jiangmen.gpkg", "jiangmen.qgz", "report/report.xlsx"} <= set(a)
    assert any(name.endswith(".tif") for name in a) and any(name.startswith("maps/") for name in a)
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []


@pytest.mark.slow
def test_no_file_contains_the_output_folder(two_builds):
    for out in two_builds:
        needle = str(out).encode()
        assert [p.name for p in out.rglob("*") if p.is_file() and needle in p.read_bytes()] == []


@pytest.mark.slow
def test_timestamps_are_the_source_date(two_builds):
    out = two_builds[0]
    conn = sqlite3.connect(out / "jiangmen.gpkg")
    try:
        changes = {r[0] for r in conn.execute("SELECT last_change FROM gpkg_contents")}
        styles = {r[0] for r in conn.execute("SELECT update_time FROM layer_styles")}
        project = conn.execute("SELECT metadata FROM qgis_projects").fetchone()[0]
    finally:
        conn.close()
    assert changes == {"2026-01-01T00:00:00.000Z"}
    assert styles == {"2026-01-01T00:00:00.000Z"}
    assert '"last_modified_time": "2026-01-01T00:00:00"' in project
    xlsx = out / "report" / "report.xlsx"
    props = openpyxl.load_workbook(xlsx).properties
    assert props.created == props.modified == STAMP.replace(tzinfo=None)
    with zipfile.ZipFile(xlsx) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    assert "2026-01-01 00:00 UTC" in (out / "report" / "report.html").read_text(encoding="utf-8")


def test_source_date_epoch_sets_the_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert source_date_epoch() == EPOCH
    assert build_time() == STAMP
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert source_date_epoch() is None
    assert abs((build_time() - datetime.now(timezone.utc)).total_seconds()) < 3600


@pytest.mark.parametrize("bad", ["yesterday", "-5", "1.5"])
def test_a_bad_source_date_epoch_is_a_clear_error(monkeypatch, bad):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", bad)
    with pytest.raises(JmgisError, match="SOURCE_DATE_EPOCH"):
        build_time()


def _small_map() -> folium.Map:
    m = folium.Map(location=[22.58, 113.08], zoom_start=9, tiles=None)
    layer = folium.FeatureGroup(name="站点").add_to(m)
    folium.Marker([22.58, 113.08], tooltip="江门站").add_to(layer)
    folium.LayerControl().add_to(m)
    return m


def test_the_same_map_renders_to_the_same_page():
    first, second = to_html(_small_map(), inline=False), to_html(_small_map(), inline=False)
    assert first == second
    # branca's random ids are renumbered in order of appearance, the map first
    names = set(re.findall(r"[a-z_]+_[0-9a-f]{32}", first))
    assert f"map_{1:032x}" in names and len(names) == 4
    assert {int(n[-32:], 16) for n in names} == {1, 2, 3, 4}


def test_normalise_zip_keeps_content_and_pins_times(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", "<a/>")
        archive.writestr("b/c.txt", "江门")
    fixed = normalise_zip(raw.getvalue())
    with zipfile.ZipFile(io.BytesIO(fixed)) as archive:
        assert archive.namelist() == ["a.xml", "b/c.txt"]
        assert archive.read("b/c.txt").decode() == "江门"
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}


def test_the_cli_refuses_a_bad_source_date_epoch_before_any_work(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "tomorrow")
    out = tmp_path / "out"
    status, _, stderr = cli("build", "--out", out)
    assert status == 2
    assert "SOURCE_DATE_EPOCH='tomorrow'" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not (out / "jiangmen.gpkg").exists()
