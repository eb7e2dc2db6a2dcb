"""Settings: defaults < jmgis.toml < environment < arguments; years any list in range; the
whole chain follows ``years``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from jmgis import vocab
from jmgis.errors import DataError, ScenarioYearError
from jmgis.settings import Settings, current, use


def test_defaults_are_the_documented_ones():
    s = Settings.load(environ={})
    assert s.years == (2020, 2025, 2035)
    assert s.analysis_crs == "EPSG:4547"
    assert s.out_dir == Path("out") and s.maps_path == Path("maps")
    assert s.townships is None and s.network is None


def test_project_file_then_environment_then_arguments(tmp_path, monkeypatch):
    (tmp_path / "jmgis.toml").write_text(
        '[jmgis]\nyears = [2020, 2030]\nout_dir = "成果"\nanalysis_crs = "EPSG:4526"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    s = Settings.load(environ={})
    assert s.years == (2020, 2030)
    assert s.out_dir == (tmp_path / "成果").resolve()  # relative to the file's folder
    assert s.maps_path == s.out_dir / "maps"
    s = Settings.load(environ={"JMGIS_ANALYSIS_CRS": "EPSG:4547"})
    assert s.analysis_crs == "EPSG:4547" and s.years == (2020, 2030)
    s = Settings.load(environ={"JMGIS_ANALYSIS_CRS": "EPSG:4547"}, analysis_crs="EPSG:4546")
    assert s.analysis_crs == "EPSG:4546"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[jmgis]\nyeers = [2020]\n", "unknown setting"),
        ("[jmgis\n", "not valid TOML"),
        ("[jmgis]\nyears = [2019]\n", "outside the range"),
    ],
)
def test_a_bad_project_file_names_itself(tmp_path, text, message):
    path = tmp_path / "jmgis.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises((DataError, ScenarioYearError), match=message) as info:
        Settings.load(path, environ={})
    if isinstance(info.value, DataError):
        assert str(path) in str(info.value)


def test_years_parse_sort_and_check():
    assert vocab.parse_years("2030,2020, 2030") == (2020, 2030)
    assert vocab.parse_years([2035, "2021"]) == (2021, 2035)
    with pytest.raises(ScenarioYearError, match="outside"):
        vocab.parse_years("2020,2040")
    with pytest.raises(ScenarioYearError, match="no scenario year"):
        vocab.parse_years(" , ")


def test_use_makes_settings_current_only_inside(tmp_path):
    outside = current()
    with use(Settings.load(environ={}, data_dir=tmp_path)) as s:
        assert current() is s
        from jmgis import paths

        assert paths.boundaries_dir() == tmp_path / "boundaries"
    assert current().data_dir == outside.data_dir


def test_secrets_stay_out_of_the_recorded_settings():
    s = Settings.load(environ={"JMGIS_TIANDITU_KEY": "secret-key"})
    assert s.tianditu_key == "secret-key"
    assert "secret-key" not in json.dumps(s.as_dict()) and "secret-key" not in repr(s)


def test_vocabularies_are_one_list_each():
    from jmgis import maps, speeds
    from jmgis.cli import cmd_map

    assert tuple(maps.MAP_KINDS) == vocab.MAP_KINDS == cmd_map.KINDS
    assert tuple(speeds.DEFAULT_SPEEDS_KPH) == vocab.ROAD_CLASSES
    assert tuple(speeds.DEFAULT_RAIL_SPEEDS_KPH) == vocab.PASSENGER_RAIL_KINDS
    assert set(vocab.GRAPH_MODES) <= set(vocab.EDGE_MODES)
    assert vocab.Mode.RAIL == "rail" and str(vocab.Mode.RAIL) == "rail"


@pytest.mark.slow
def test_build_with_years_2020_2030_carries_both_years_everywhere(tmp_path):
    from jmgis.cli import main

    out = tmp_path / "out"
    assert main(["-q", "build", "--years", "2020,2030", "--out", str(out)]) == 0
    from jmgis.io.gpkg import list_layers, read_layer

    gpkg = out / "jiangmen.gpkg"
    for layer in ("access_township", "access_zone", "isochrone"):
        assert set(read_layer(gpkg, layer)["year"].astype(int)) == {2020, 2030}, layer
    change = read_layer(gpkg, "access_change")
    assert set(zip(change["year_before"], change["year_after"], strict=True)) == {(2020, 2030)}
    assert {"access_zone_change"} <= set(list_layers(gpkg))
    assert sorted(p.name for p in out.glob("minutes_to_*.tif")) == [
        "minutes_to_hsr_station_2020.tif",
        "minutes_to_hsr_station_2030.tif",
    ]
    transport = (out / "maps" / "transport.html").read_text(encoding="utf-8")
    assert re.search(r"years = \[2020, 2030\]", transport), "year selector of the transport map"
    scenario = (out / "maps" / "scenario.html").read_text(encoding="utf-8")
    assert "2030" in scenario and "2025" not in re.sub(r"\d{5,}", "", scenario).split("<body")[1]
    report = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert "2030" in report and "2020" in report
    zone = pd.read_csv(out / "report" / "tables" / "scenario_zone.csv", encoding="utf-8-sig")
    assert {"mean_min_2020", "mean_min_2030"} <= set(zone.columns)
