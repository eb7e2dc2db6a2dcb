"""Plausibility checks on what users load: wrong inputs that used to pass silently (shifted
or mislabelled township boundaries, swapped codes, a control point far from its county,
inf/NaN values, emptied data files) are refused naming the file, the feature and the
field, and the command line (``main()`` in-process) exits 2 naming the file.  The bundled
data still passes."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from jmgis import admin
from jmgis.access.fca import enhanced_two_step_fca, two_step_fca
from jmgis.access.measures import cumulative_opportunities, summarize
from jmgis.admin import plausibility
from jmgis.admin.user import load_user_townships
from jmgis.catalog import load_catalog
from jmgis.crs import analysis_crs, convert_gdf
from jmgis.errors import DataError
from jmgis.jiangmen.population import population_from_table
from jmgis.network.user_layers import from_layers
from jmgis.paths import data_dir
from jmgis.speeds import SpeedTable
from jmgis.transport.points import load_control_points


@pytest.fixture(scope="module")
def official():
    """Stand-in for an official layer: the bundled polygons with code and name only."""
    return admin.load_townships()[["code", "name", "county_code", "geometry"]]


def _write(frame, tmp_path: Path, name: str = "townships.gpkg") -> Path:
    path = tmp_path / name
    frame.to_file(path)
    return path


def _shifted(frame, east_m: float, north_m: float):
    metric = frame.to_crs(analysis_crs())
    moved = metric.geometry.translate(east_m, north_m)
    return frame.set_geometry(moved.to_crs(frame.crs).values)


def _refused(frame, tmp_path: Path, name: str) -> DataError:
    path = _write(frame, tmp_path, name)
    with pytest.raises(DataError) as err:
        load_user_townships(path)
    assert err.value.file == str(path) and str(path) in str(err.value)
    assert err.value.field == "geometry"
    return err.value


# --- township boundaries -----------------------------------------------------------------


def test_bundled_townships_and_a_small_survey_difference_pass(official, tmp_path):
    # the bundled partition itself, and the same shifted by half the tolerance
    assert len(load_user_townships(_write(official, tmp_path))) == 73
    half = plausibility.SHIFT_TOLERANCE_M / 2
    assert len(load_user_townships(_write(_shifted(official, half, -half / 2), tmp_path, "s.gpkg")))


def test_shift_of_two_km_is_refused_with_the_offset(official, tmp_path):
    err = _refused(_shifted(official, 2000, 0), tmp_path, "shifted.gpkg")
    assert "shifted by ≈ 2000 m" in err.reason and "+2000 m east" in err.reason


def test_a_shift_just_beyond_the_tolerance_is_refused(official, tmp_path):
    err = _refused(_shifted(official, 0, 300), tmp_path, "north.gpkg")
    assert "north" in err.reason and "tolerance 200 m" in err.reason


@pytest.mark.parametrize(
    ("datum", "source", "hint"),
    [("GCJ-02", "gcj02", "'gcj02', 'wgs84'"), ("BD-09", "bd09", "'bd09', 'wgs84'")],
)
def test_web_map_datum_declared_as_wgs84_is_named(official, tmp_path, datum, source, hint):
    mislabelled = convert_gdf(official, "wgs84", source).set_crs("EPSG:4326", allow_override=True)
    err = _refused(mislabelled, tmp_path, f"{source}.gpkg")
    assert f"looks like {datum}" in err.reason and hint in err.reason
    # the offset quoted is the one jmgis.crs computes at Jiangmen
    centre = admin.load_city().geometry.iloc[0].centroid
    expected = plausibility.datum_offsets_m(centre.x, centre.y)[datum]
    assert f"offset ≈ {expected:.0f} m" in err.reason


def test_swapped_geometries_are_caught_by_the_seat_test(official, tmp_path):
    frame = official.reset_index(drop=True).copy()
    first, last = frame.code.iloc[0], frame.code.iloc[-1]
    geoms = frame.geometry.values.copy()
    geoms[[0, len(frame) - 1]] = geoms[[len(frame) - 1, 0]]
    frame = frame.set_geometry(geoms)
    err = _refused(frame, tmp_path, "swapped.gpkg")
    assert err.feature == f"#1 {first}"
    assert "seat" in err.reason and f"polygon given for {last}" in err.reason


def test_every_township_equal_to_the_city_is_refused(official, tmp_path):
    frame = official.copy()
    frame["geometry"] = admin.load_city().geometry.iloc[0]
    err = _refused(frame, tmp_path, "city.gpkg")
    assert "outside its county" in err.reason and str(err.feature).startswith("#1 ")


def test_overlap_between_townships_is_refused(official, tmp_path):
    frame = official.reset_index(drop=True).copy()
    # the first township also claims a neighbour of its county
    polys = frame.to_crs(analysis_crs()).geometry
    county = frame.county_code.iloc[0]
    neighbour = next(
        i
        for i in range(1, len(frame))
        if frame.county_code.iloc[i] == county and polys.iloc[0].touches(polys.iloc[i])
    )
    geoms = frame.geometry.values.copy()
    geoms[0] = shapely.union_all([geoms[0], geoms[neighbour]])
    frame = frame.set_geometry(geoms)
    err = _refused(frame, tmp_path, "overlap.gpkg")
    assert "overlap" in err.reason and frame.code.iloc[neighbour] in err.reason


def test_gap_in_a_county_is_refused(official, tmp_path):
    frame = official.reset_index(drop=True).copy()
    metric = frame.to_crs(analysis_crs())
    largest = int(metric.area.idxmax())
    seat = admin.load_seats().set_index("code").to_crs(analysis_crs()).geometry
    code = frame.code.iloc[largest]
    small = seat[code].buffer(500).intersection(metric.geometry.iloc[largest])
    geoms = metric.geometry.values.copy()
    geoms[largest] = small
    frame = metric.set_geometry(geoms).to_crs(frame.crs)
    err = _refused(frame, tmp_path, "gap.gpkg")
    assert err.feature == f"county {frame.county_code.iloc[largest]}" and "uncovered" in err.reason


def test_cli_build_exits_2_naming_the_shifted_file(official, tmp_path, cli):
    path = _write(_shifted(official, 2000, 0), tmp_path, "shifted.gpkg")
    status, stdout, stderr = cli("build", "--townships", str(path), "--out", str(tmp_path / "out"))
    assert status == 2, stderr
    assert str(path) in stderr and "shifted" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "jiangmen.gpkg").exists()


# --- control points ----------------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the bundled data that a test may spoil; jmgis reads it instead."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy)
    monkeypatch.setenv("JMGIS_DATA_DIR", str(copy))
    return copy


def _edit_point(path: Path, point_id: str, **values: str) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    row_no = next(i for i, r in enumerate(rows, start=2) if r["id"] == point_id)
    rows[row_no - 2].update(values)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return row_no


def test_bundled_control_points_pass():
    points = load_control_points()
    assert len(points) == len(pd.read_csv(data_dir() / "transport" / "control_points.csv"))


def test_control_point_moved_300_km_is_refused(data_copy, cli):
    path = data_copy / "transport" / "control_points.csv"
    lat = float(pd.read_csv(path).set_index("id").loc["stn_taishan", "lat"])
    row = _edit_point(path, "stn_taishan", lat=str(lat + 2.7))  # ~300 km north, inside the box
    with pytest.raises(DataError, match="km outside county 440781") as err:
        load_control_points(path)
    assert err.value.feature == f"row {row} (stn_taishan)" and err.value.field == "lon/lat"
    status, stdout, stderr = cli("network", "check")
    assert status == 2 and str(path) in stderr and "stn_taishan" in stderr


def test_gateway_moved_far_away_is_refused(data_copy):
    path = data_copy / "transport" / "control_points.csv"
    row = _edit_point(path, "gw_guangzhou", lon="116.2", lat="25.0")
    with pytest.raises(DataError, match="km from Jiangmen") as err:
        load_control_points(path)
    assert err.value.feature == f"row {row} (gw_guangzhou)"


def test_outside_point_deep_inside_the_city_is_refused(data_copy):
    path = data_copy / "transport" / "control_points.csv"
    seat = admin.load_seats().set_index("code").geometry["440781001"]  # 台城街道
    _edit_point(path, "gw_yangjiang", lon=str(seat.x), lat=str(seat.y))
    with pytest.raises(DataError, match="inside Jiangmen"):
        load_control_points(path)


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_control_point_coordinate_inf_or_nan_is_refused(data_copy, value):
    path = data_copy / "transport" / "control_points.csv"
    row = _edit_point(path, "stn_xinhui", lon=value)
    with pytest.raises(DataError) as err:
        load_control_points(path)
    assert err.value.feature == f"row {row} (stn_xinhui)" and err.value.field == "lon"


# --- inf and NaN -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity"])
def test_population_inf_or_nan_is_refused(tmp_path, value):
    table = pd.read_csv(data_dir() / "population" / "township_population.csv", dtype=str)
    table.loc[4, "population"] = value
    path = tmp_path / "population.csv"
    table.to_csv(path, index=False)
    with pytest.raises(DataError, match="not a finite number") as err:
        population_from_table(path)
    assert err.value.file == str(path) and err.value.field == "population"
    assert err.value.feature == f"row 6 ({table.code[4]})"


def test_cli_access_exits_2_naming_the_population_file(tmp_path, cli):
    table = pd.read_csv(data_dir() / "population" / "township_population.csv", dtype=str)
    table.loc[0, "population"] = "inf"
    path = tmp_path / "population.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    status, _, stderr = cli("access", "--year", "2025", "--population", path, "--out", out)
    assert status == 2
    assert str(path) in stderr and "'population'" in stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("fca", [two_step_fca, enhanced_two_step_fca])
@pytest.mark.parametrize("bad", [np.inf, np.nan, -np.inf])
def test_capacity_and_demand_inf_or_nan_are_refused(fca, bad):
    times = np.array([[600.0, 1200.0], [900.0, 300.0]])
    with pytest.raises(DataError, match="capacity") as err:
        fca(times, [100.0, 200.0], [5.0, bad], 1800.0)
    assert err.value.field == "capacity" and err.value.feature == 2
    with pytest.raises(DataError, match="population") as err:
        fca(times, [bad, 200.0], [5.0, 1.0], 1800.0)
    assert err.value.field == "population" and err.value.feature == 1


def test_opportunities_and_summary_population_inf_are_refused():
    times = np.array([[600.0, 1200.0]])
    with pytest.raises(DataError, match="opportunities") as err:
        cumulative_opportunities(times, 1800.0, [1.0, np.inf])
    assert err.value.feature == 2
    frame = pd.DataFrame({"minutes": [10.0, 20.0], "population": [np.inf, 5.0]})
    with pytest.raises(DataError, match="finite"):
        summarize(frame["minutes"].to_numpy(), frame["population"].to_numpy())


def test_speed_files_with_inf_or_nan_are_refused(tmp_path):
    yaml_path = tmp_path / "speeds.yaml"
    yaml_path.write_text("road:\n  expressway: .inf\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        SpeedTable.from_file(yaml_path)
    assert err.value.file == str(yaml_path) and err.value.field == "road.expressway"
    csv_path = tmp_path / "speeds.csv"
    csv_path.write_text("road_class,speed_kph\nexpressway,100\nlocal,nan\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        SpeedTable.from_file(csv_path)
    assert (err.value.file, err.value.feature, err.value.field) == (str(csv_path), 3, "speed_kph")


@pytest.mark.parametrize("bad", [np.inf, "fast", -30.0])
def test_user_speed_field_inf_or_text_is_refused(bad):
    import geopandas as gpd

    layer = gpd.GeoDataFrame(
        {"rid": ["a", "b"], "cls": ["trunk", "trunk"], "kph": [60.0, 60.0]},
        geometry=[
            shapely.LineString([(0, 0), (1000, 0)]),
            shapely.LineString([(1000, 0), (2000, 0)]),
        ],
        crs="EPSG:4547",
    )
    layer["kph"] = layer["kph"].astype(object)
    layer.loc[1, "kph"] = bad
    with pytest.raises(DataError, match="finite number") as err:
        from_layers(layer, class_field="cls", id_field="rid", speed_field="kph")
    assert err.value.feature == "b" and err.value.field == "kph"


# --- emptied data files ------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "# every project removed\n# (comments only)\n", "[]\n"])
def test_emptied_project_catalog_is_an_error(data_copy, content):
    path = data_copy / "projects" / "project.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match="holds no catalog rows") as err:
        load_catalog(data_copy / "projects")
    assert err.value.file == str(path)


def test_cli_catalog_validate_exits_2_for_an_emptied_project_file(data_copy, cli):
    path = data_copy / "projects" / "project.yaml"
    path.write_text("# nothing left\n", encoding="utf-8")
    status, stdout, stderr = cli("catalog", "validate")
    assert status == 2 and str(path) in stderr
    assert "OK" not in stdout


def test_cli_network_check_exits_2_for_an_emptied_transport_file(data_copy, cli):
    path = data_copy / "transport" / "roads.yaml"
    path.write_text("# roads removed\n", encoding="utf-8")
    status, stdout, stderr = cli("network", "check")
    assert status == 2 and str(path) in stderr
