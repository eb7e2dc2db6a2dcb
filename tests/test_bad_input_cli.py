"""Every class of bad input gives exit status 2, one line on stderr naming the file (and the
feature and field where there is one) — never "unexpected error".  In-process CLI runs."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString

from jmgis.cli import main

X0, Y0 = 38_500_000.0, 2_500_000.0  # EPSG:4547 near 江门


def roads_frame() -> gpd.GeoDataFrame:
    lines = [
        LineString([(X0, Y0), (X0 + 2000, Y0)]),
        LineString([(X0 + 1000, Y0 - 1000), (X0 + 1000, Y0 + 1000)]),
    ]
    return gpd.GeoDataFrame(
        {"road_class": ["高速公路", "高速公路"], "name": ["东西路", "南北路"]},
        geometry=lines,
        crs="EPSG:4547",
    )


def run(capsys, *args: str) -> tuple[int, str]:
    rc = main([str(a) for a in args])
    err = capsys.readouterr().err
    return rc, err


def assert_clear_error(rc: int, err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 2, err
    assert len(lines) == 1, err
    assert "unexpected" not in err
    assert "error:" in lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def good_gpkg(tmp_path):
    path = tmp_path / "roads.gpkg"
    roads_frame().to_file(path)
    return path


@pytest.fixture
def class_map(tmp_path):
    path = tmp_path / "classes.yaml"
    path.write_text("高速公路: expressway\n", encoding="utf-8")
    return path


def topology(capsys, path, *extra):
    return run(capsys, "network", "topology", path, *extra)


# -- files that are not what they claim ---------------------------------------------------


def test_zero_byte_file(capsys, tmp_path):
    path = tmp_path / "empty.gpkg"
    path.write_bytes(b"")
    assert_clear_error(*topology(capsys, path), "empty.gpkg", "0 bytes")


def test_corrupt_file(capsys, tmp_path):
    path = tmp_path / "corrupt.gpkg"
    path.write_bytes(b"this is not a GeoPackage at all\n" * 20)
    assert_clear_error(*topology(capsys, path), "corrupt.gpkg")


def test_truncated_geopackage(capsys, tmp_path, good_gpkg):
    data = good_gpkg.read_bytes()
    path = tmp_path / "truncated.gpkg"
    path.write_bytes(data[: len(data) // 3])
    assert_clear_error(*topology(capsys, path), "truncated.gpkg")


def test_directory_given_as_a_file(capsys, tmp_path):
    path = tmp_path / "folder.gpkg"
    path.mkdir()
    assert_clear_error(*topology(capsys, path), "folder.gpkg", "directory")


def test_directory_given_as_population_table(capsys, tmp_path):
    path = tmp_path / "pop.csv"
    path.mkdir()
    rc, err = run(capsys, "access", "--year", "2025", "--out", tmp_path / "o", "--population", path)
    assert_clear_error(rc, err, "pop.csv", "directory")


def test_several_layers_need_layer_and_list_them(capsys, tmp_path, class_map):
    path = tmp_path / "two.gpkg"
    roads_frame().to_file(path, layer="main_roads")
    roads_frame().to_file(path, layer="side_roads", mode="a")
    rc, err = topology(capsys, path, "--class-map", class_map)
    assert_clear_error(rc, err, "two.gpkg", "main_roads", "side_roads", "--layer")
    rc, err = topology(capsys, path, "--class-map", class_map, "--layer", "side_roads")
    assert rc == 0, err
    rc, err = topology(capsys, path, "--class-map", class_map, "--layer", "no_such")
    assert_clear_error(rc, err, "two.gpkg", "no_such")


def test_build_townships_with_several_layers(capsys, tmp_path):
    path = tmp_path / "towns.gpkg"
    roads_frame().to_file(path, layer="a")
    roads_frame().to_file(path, layer="b", mode="a")
    rc, err = run(capsys, "build", "--out", tmp_path / "out", "--townships", path)
    assert_clear_error(rc, err, "towns.gpkg", "--layer")
    assert not (tmp_path / "out" / "jiangmen.gpkg").exists()


# -- malformed text files ---------------------------------------------------------------


def test_malformed_yaml_names_file_and_line(capsys, good_gpkg, tmp_path):
    bad = tmp_path / "classes.yaml"
    bad.write_text("高速公路: expressway\n主干路: [arterial\n", encoding="utf-8")
    assert_clear_error(*topology(capsys, good_gpkg, "--class-map", bad), "classes.yaml", "line")


def test_speed_csv_with_an_extra_field(capsys, good_gpkg, class_map, tmp_path):
    speeds = tmp_path / "speeds.csv"
    speeds.write_text("road_class,speed_kph\nexpressway,100\nlocal,30,extra\n", encoding="utf-8")
    rc, err = topology(capsys, good_gpkg, "--class-map", class_map, "--speeds", speeds)
    assert_clear_error(rc, err, "speeds.csv", "line 3", "3 fields")


def test_population_csv_with_an_extra_field(capsys, tmp_path):
    table = tmp_path / "pop.csv"
    table.write_text("code,population\n440703001,1000\n440703002,20,00\n", encoding="utf-8")
    rc, err = run(
        capsys, "access", "--year", "2025", "--out", tmp_path / "o", "--population", table
    )
    assert_clear_error(rc, err, "pop.csv", "line 3")


def test_gbk_csv_read_as_declared_utf8_names_the_line(capsys, tmp_path):
    table = tmp_path / "pop_gbk.csv"
    table.write_bytes("code,population\n环市街道,1000\n".encode("gbk"))
    rc, err = run(
        capsys,
        "access",
        "--year",
        "2025",
        "--out",
        tmp_path / "o",
        "--population",
        table,
        "--encoding",
        "utf-8",
    )
    assert_clear_error(rc, err, "pop_gbk.csv", "line 2", "--encoding")


def test_gbk_shapefile_without_cpg_is_detected(capsys, tmp_path, class_map):
    path = tmp_path / "roads.shp"
    roads_frame().to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert "高速公路".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    # The class map only matches when the GBK names are decoded right.
    rc, err = topology(capsys, path, "--class-map", class_map)
    assert rc == 0, err


# -- OSM files ---------------------------------------------------------------------------

NODES = '<node id="1" lat="22.58" lon="113.08"/><node id="2" lat="22.58" lon="113.09"/>'
WAY = '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/>{tag}</way>'


def osm(tmp_path, body: str):
    path = tmp_path / "bad.osm"
    path.write_text(f'<?xml version="1.0"?><osm version="0.6">{body}</osm>', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        (NODES + '<way id="10"><nd ref="x1"/><nd ref="2"/></way>', ("way/10", "nd ref", "x1")),
        (NODES + "<way><nd ref='1'/><nd ref='2'/></way>", ("way #1", "'id'", "no id")),
        ('<node id="1" lat="95.5" lon="113.08"/>', ("node/1", "'lat'", "95.5")),
        ('<node id="1" lat="22.5" lon="213.08"/>', ("node/1", "'lon'")),
        (NODES + '<node id="2" lat="22.6" lon="113.1"/>', ("node/2", "duplicate")),
        (NODES + WAY.format(tag='<tag k="maxspeed" v="500"/>'), ("way/10", "maxspeed", "200")),
        (NODES + WAY.format(tag='<tag k="maxspeed" v="0"/>'), ("way/10", "maxspeed")),
        (NODES + WAY.format(tag='<tag k="maxspeed" v="-30"/>'), ("way/10", "maxspeed")),
        (NODES + WAY.format(tag='<tag k="maxspeed" v="fast"/>'), ("way/10", "maxspeed")),
        (NODES + "<way id='10'><nd ref='1'/>", ("broken OSM XML",)),
    ],
    ids=[
        "ref",
        "way-id",
        "lat",
        "lon",
        "dup-node",
        "maxspeed-high",
        "maxspeed-0",
        "maxspeed-neg",
        "maxspeed-text",
        "truncated",
    ],
)
def test_bad_osm(capsys, tmp_path, body, needles):
    assert_clear_error(*topology(capsys, osm(tmp_path, body)), "bad.osm", *needles)


def test_osm_symbolic_maxspeed_is_not_an_error(capsys, tmp_path):
    path = osm(tmp_path, NODES + WAY.format(tag='<tag k="maxspeed" v="CN:urban"/>'))
    rc, err = topology(capsys, path)
    assert rc == 0, err


def test_osm_zero_byte(capsys, tmp_path):
    path = tmp_path / "empty.osm"
    path.write_bytes(b"")
    assert_clear_error(*topology(capsys, path), "empty.osm")


def test_export_from_a_file_that_is_not_a_geopackage(capsys, tmp_path):
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a gpkg", encoding="utf-8")
    rc, err = run(capsys, "export", "gpkg", tmp_path / "x.gpkg", "--from", bad)
    assert_clear_error(rc, err, str(bad), "not a readable vector file")
