"""The scgraph-data skeleton is read as data, never imported (issue 14.5)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from jmgis.cli import main
from jmgis.errors import DataError
from jmgis.transport import skeleton

# A module shaped like scgraph-data's: importing it would fail (scgraph is not installed
# and the last line raises), reading it as data must not.
MODULE = """from scgraph.core import GeoGraph
graph=[{1: 1.1}, {0: 1.1, 2: 1.1}, {1: 1.1}, {}]
nodes=[[22.50, 113.00], [22.50, 113.01], [22.51, 113.02], [40.0, 0.0]]
raise SystemExit("imported")
"""


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "world_railways.py"
    path.write_text(MODULE, encoding="utf-8")
    return path


def test_the_literals_are_read_without_importing(module):
    graph, nodes = skeleton.read_literals(module)
    assert graph[1] == {0: 1.1, 2: 1.1}
    assert nodes[2] == [22.51, 113.02]


def test_edges_outside_jiangmen_are_dropped_and_lon_lat_order_is_restored(module):
    edges = skeleton.edges_in(*skeleton.read_literals(module))
    assert len(edges) == 2  # 0–1 and 1–2 once each; node 3 lies far away
    lon, lat = edges.geometry.iloc[0].coords[0]
    assert 112 < lon < 114 and 22 < lat < 23
    assert edges["source"].str.contains("OpenStreetMap").all()


def test_a_module_without_literals_is_a_data_error(tmp_path):
    path = tmp_path / "world_railways.py"
    path.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(DataError):
        skeleton.read_literals(path)


def test_a_line_off_the_skeleton_is_measured_in_metres():
    crs = "EPSG:4547"
    on = shapely.LineString([(113.0, 22.5), (113.02, 22.5)])
    rail = gpd.GeoDataFrame(geometry=[on], crs="EPSG:4490")
    layers = {
        "rail": gpd.GeoDataFrame(
            {
                "line_id": ["a", "b"],
                "name": ["on", "off"],
                "status": ["existing", "existing"],
                "geometry_quality": ["schematic", "schematic"],
            },
            geometry=[on, shapely.LineString([(113.0, 22.51), (113.02, 22.51)])],
            crs="EPSG:4490",
        ),
        "road": gpd.GeoDataFrame(
            {"road_id": [], "name": [], "status": [], "road_class": [], "geometry_quality": []},
            geometry=[],
            crs="EPSG:4490",
        ),
        "station": gpd.GeoDataFrame(
            {"station_id": ["s"], "name": ["站"], "geometry_quality": ["derived"]},
            geometry=[shapely.Point(113.01, 22.52)],
            crs="EPSG:4490",
        ),
    }
    report = skeleton.distance_report(layers, {"rail": rail, "road": rail}, crs).set_index("id")
    assert report.loc["a", "max_m"] < 1
    # 0.01° of latitude is about 1.1 km
    assert 1000 < report.loc["b", "median_m"] < 1200
    assert 2000 < report.loc["s", "median_m"] < 2400


def test_the_cli_writes_the_report(tmp_path, module):
    (tmp_path / "world_highways.py").write_text(MODULE, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["data", "skeleton-report", "--scgraph-dir", str(tmp_path), "--out", str(out)]) == 0
    text = (out / "skeleton_distance.csv").read_text(encoding="utf-8")
    assert text.startswith("layer,id,name,geometry_quality,median_m,p90_m,max_m")
    assert "stn_enping" in text
