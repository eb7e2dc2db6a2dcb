"""Bad transport data gets a DataError naming the file, the feature and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from jmgis.errors import DataError
from jmgis.paths import transport_dir
from jmgis.transport import features
from jmgis.transport.fields import read_records
from jmgis.transport.load import FILES
from jmgis.transport.pointlayers import build_ferries
from jmgis.transport.points import load_control_points

DATA = transport_dir()
HEADER = "id,name,lon,lat,kind,township_code,source,geometry_quality\n"
GOOD_ROW = "seat_a,甲,112.8,22.3,seat,440781001,GeoNames 1 (test),derived\n"


@pytest.fixture(scope="module")
def points():
    return load_control_points(DATA / "control_points.csv").set_index("point_id", drop=False)


@pytest.fixture
def road():
    return {
        "road_id": "test_road",
        "name": "测试路",
        "road_class": "provincial",
        "status": "existing",
        "via": ["seat_440781001", "seat_440781101"],
        "source": "test",
    }


def _raises(fn, *, field, feature=None, match=None):
    with pytest.raises(DataError, match=match) as info:
        fn()
    assert info.value.field == field
    if feature is not None:
        assert info.value.feature == feature
    return info.value


def _csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "control_points.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


# ------------------------------------------------------------------ control points
def test_a_good_control_point_loads(tmp_path):
    frame = load_control_points(_csv(tmp_path, GOOD_ROW))
    assert frame.loc[0, "point_id"] == "seat_a"
    assert frame.crs.to_epsg() == 4490


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("seat_a,甲,112.8,22.3,seat,440781001,,derived\n", "source"),
        ("seat_a,甲,east,22.3,seat,440781001,x,derived\n", "lon"),
        ("seat_a,甲,22.3,112.8,seat,440781001,x,derived\n", "lon"),
        ("seat_a,甲,112.8,22.3,village,440781001,x,derived\n", "kind"),
        ("seat_a,甲,112.8,22.3,seat,440781999,x,derived\n", "township_code"),
        ("seat_a,甲,112.8,22.3,seat,440781001,x,guessed\n", "geometry_quality"),
        ("Seat A,甲,112.8,22.3,seat,440781001,x,derived\n", "id"),
    ],
)
def test_bad_control_points_name_row_and_field(tmp_path, row, field):
    path = _csv(tmp_path, row)
    err = _raises(lambda: load_control_points(path), field=field)
    assert err.file == str(path) and "row 2" in str(err.feature)


def test_duplicate_control_point_id(tmp_path):
    path = _csv(tmp_path, GOOD_ROW, GOOD_ROW)
    _raises(lambda: load_control_points(path), field="id", match="duplicate")


def test_missing_column(tmp_path):
    path = tmp_path / "control_points.csv"
    path.write_text("id,name,lon,lat\nseat_a,甲,112.8,22.3\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing columns"):
        load_control_points(path)


# ------------------------------------------------------------------ roads
def test_the_good_road_builds(points, road):
    frame = features.build_roads([road], points, Path("roads.yaml"))
    assert frame.loc[0, "speed_kph"] > 0 and frame.loc[0, "geometry_quality"] == "schematic"


def test_unknown_road_class(points, road):
    road["road_class"] = "motorway"
    _raises(
        lambda: features.build_roads([road], points, Path("roads.yaml")),
        field="road_class",
        feature="test_road",
        match="motorway",
    )


def test_missing_speed_when_the_table_has_no_default_for_the_class(points, road):
    speeds = {"expressway": 90.0}
    _raises(
        lambda: features.build_roads([road], points, Path("roads.yaml"), speeds=speeds),
        field="speed_kph",
        feature="test_road",
    )


def test_a_stated_speed_overrides_the_table(points, road):
    road["speed_kph"] = 42
    frame = features.build_roads([road], points, Path("roads.yaml"), speeds={})
    assert frame.loc[0, "speed_kph"] == 42


@pytest.mark.parametrize("speed", [0, -5, "fast"])
def test_non_positive_or_non_numeric_speed(points, road, speed):
    road["speed_kph"] = speed
    _raises(lambda: features.build_roads([road], points, Path("r.yaml")), field="speed_kph")


def test_unknown_control_point_in_via(points, road):
    road["via"] = ["seat_440781001", "seat_nowhere"]
    _raises(
        lambda: features.build_roads([road], points, Path("roads.yaml")),
        field="via",
        feature="test_road",
        match="seat_nowhere",
    )


@pytest.mark.parametrize("via", [["seat_440781001"], ["seat_440781001", "seat_440781001"]])
def test_a_line_needs_two_distinct_points(points, road, via):
    road["via"] = via
    _raises(lambda: features.build_roads([road], points, Path("r.yaml")), field="via")


def test_unknown_status_and_conceptual_with_a_year(points, road):
    bad = dict(road, status="dreamt")
    _raises(lambda: features.build_roads([bad], points, Path("r.yaml")), field="status")
    bad = dict(road, status="conceptual", open_year=2030)
    _raises(lambda: features.build_roads([bad], points, Path("r.yaml")), field="open_year")


def test_open_year_must_be_a_year(points, road):
    road["open_year"] = "soon"
    _raises(lambda: features.build_roads([road], points, Path("r.yaml")), field="open_year")


def test_unknown_scheme_member(points, road):
    road["schemes"] = "六纵六横两联一展望:纵9"
    _raises(lambda: features.build_roads([road], points, Path("r.yaml")), field="schemes")
    road["schemes"] = "纵1"
    _raises(lambda: features.build_roads([road], points, Path("r.yaml")), field="schemes")


def test_unknown_project_id(points, road):
    road["project_ids"] = ["prj_does_not_exist"]
    _raises(lambda: features.build_roads([road], points, Path("r.yaml")), field="project_ids")


def test_missing_source(points, road):
    del road["source"]
    _raises(lambda: features.build_roads([road], points, Path("r.yaml")), field="source")


# ------------------------------------------------------------------ YAML files
def test_duplicate_and_missing_ids_in_a_feature_file(tmp_path):
    path = tmp_path / "roads.yaml"
    path.write_text(yaml.safe_dump([{"road_id": "a"}, {"road_id": "a"}]), encoding="utf-8")
    _raises(lambda: read_records(path, "road_id"), field="road_id", match="duplicate")
    path.write_text(yaml.safe_dump([{"name": "x"}]), encoding="utf-8")
    _raises(lambda: read_records(path, "road_id"), field="road_id", feature=1)


def test_broken_yaml(tmp_path):
    path = tmp_path / "roads.yaml"
    path.write_text("- road_id: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError, match="YAML"):
        read_records(path, "road_id")


# ------------------------------------------------------------------ rail, ferries
@pytest.fixture(scope="module")
def rail_inputs(points):
    stations_rec = read_records(DATA / FILES["station"][0], "station_id")
    stations = features.build_stations(stations_rec, points, DATA / "stations.yaml")
    lines = read_records(DATA / FILES["rail"][0], "line_id")
    return stations, lines


def _line(lines, line_id):
    return copy.deepcopy(next(r for r in lines if r["line_id"] == line_id))


def test_station_not_on_the_line(points, rail_inputs):
    stations, lines = rail_inputs
    rec = _line(lines, "shenmao_jiangmao")
    rec["stations"].append("stn_jianghai")
    _raises(
        lambda: features.build_rail([rec], points, stations, Path("rail.yaml")),
        field="stations",
        feature="shenmao_jiangmao",
        match="stn_jianghai",
    )


def test_stations_out_of_order(points, rail_inputs):
    stations, lines = rail_inputs
    rec = _line(lines, "shenmao_jiangmao")
    rec["stations"] = list(reversed(rec["stations"]))
    _raises(
        lambda: features.build_rail([rec], points, stations, Path("rail.yaml")),
        field="stations",
        match="order",
    )


def test_unknown_rail_kind_and_unknown_station(points, rail_inputs):
    stations, lines = rail_inputs
    rec = dict(_line(lines, "shenmao_jiangmao"), kind="maglev")
    _raises(lambda: features.build_rail([rec], points, stations, Path("r.yaml")), field="kind")
    rec = _line(lines, "shenmao_jiangmao")
    rec["stations"] = ["stn_atlantis"]
    _raises(lambda: features.build_rail([rec], points, stations, Path("r.yaml")), field="stations")


def test_ferry_needs_its_minutes_and_known_ports():
    from jmgis import transport

    ports = transport.load("port")
    ferry = {
        "ferry_id": "f",
        "name": "渡",
        "from_port": "shanzui",
        "to_port": "sanzhou",
        "crossing_min": 35,
        "status": "existing",
        "source": "test",
    }
    _raises(lambda: build_ferries([ferry], ports, Path("f.yaml")), field="wait_min")
    bad = dict(ferry, wait_min=30, to_port="atlantis")
    _raises(lambda: build_ferries([bad], ports, Path("f.yaml")), field="to_port")
    good = build_ferries([dict(ferry, wait_min=30)], ports, Path("f.yaml"))
    assert good.geometry.iloc[0].length > 0
