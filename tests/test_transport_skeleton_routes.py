"""Stations and existing lines placed on the OpenStreetMap skeleton (issue 14.5).

Synthetic skeletons test the rules (follow a bend, refuse a detour or a far end, keep
every control point a vertex); the bundled data test what ``jmgis data skeleton-build``
wrote into ``data/transport``.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from jmgis import admin, transport
from jmgis.errors import DataError
from jmgis.paths import transport_dir
from jmgis.transport import skeleton_apply, skeleton_routes
from jmgis.transport.skeleton import ATTRIBUTION

METRIC = "EPSG:4547"


def _skeleton(points_xy: list[tuple[float, float]]) -> skeleton_routes.Skeleton:
    """A chain skeleton through ``points_xy`` (metres, EPSG:4547), built via lon/lat."""
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(METRIC, "EPSG:4490", always_xy=True)
    x0, y0 = 400_000.0, 2_500_000.0
    lon, lat = to_lonlat.transform([x0 + x for x, _ in points_xy], [y0 + y for _, y in points_xy])
    nodes = [[b, a] for a, b in zip(lon, lat, strict=True)]
    graph = [{} for _ in nodes]
    for i in range(len(nodes) - 1):
        graph[i][i + 1] = graph[i + 1][i] = 1.0
    return skeleton_routes.skeleton_network(graph, nodes, METRIC)


def _xy(x: float, y: float) -> np.ndarray:
    return np.array([400_000.0 + x, 2_500_000.0 + y])


def test_a_leg_follows_the_skeletons_bend_and_keeps_its_ends():
    skel = _skeleton([(0, 0), (6000, 2000), (12000, 0)])
    a, b = _xy(-300, 100), _xy(12_200, -150)
    coords, reason = skeleton_routes.route_leg(skel, a, b, snap_m=1000)
    assert reason == "" and coords is not None
    np.testing.assert_allclose(coords[0], a)
    np.testing.assert_allclose(coords[-1], b)
    bend = _xy(6000, 2000)
    assert np.hypot(*(coords - bend).T).min() < 1.0  # through the bend, not straight


def test_a_leg_snaps_to_the_middle_of_a_long_link_not_only_to_its_vertices():
    skel = _skeleton([(0, 0), (30_000, 0), (30_000, 30_000)])
    coords, reason = skeleton_routes.route_leg(skel, _xy(5000, 200), _xy(20_000, -300), 1000)
    assert reason == ""
    assert coords[:, 1].max() < 2_500_000.0 + 300  # along the link, never up to (30 km, 30 km)


def test_a_detour_and_a_far_end_leave_the_leg_straight():
    u_shape = _skeleton([(0, 0), (0, 10_000), (5000, 10_000), (5000, 0)])
    coords, reason = skeleton_routes.route_leg(u_shape, _xy(0, 0), _xy(5000, 0), 1000)
    assert coords is None and "straight leg" in reason
    line = _skeleton([(0, 0), (20_000, 0)])
    coords, reason = skeleton_routes.route_leg(line, _xy(0, 5000), _xy(20_000, 0), 1000)
    assert coords is None and "from the skeleton" in reason


def test_a_routed_line_passes_through_every_control_point_in_order():
    skel = _skeleton([(0, 0), (6000, 2000), (12000, 0), (18_000, 1500), (24_000, 0)])
    via = [_xy(0, 0), _xy(12_000, 100), _xy(24_000, 0)]
    line, legs = skeleton_routes.route_line(skel, via, ["a", "b", "c"], snap_m=1000)
    assert [leg.matched for leg in legs] == [True, True]
    coords = np.asarray(line.coords)
    at = [int(np.hypot(*(coords - p).T).argmin()) for p in via]
    assert at == sorted(at) and np.hypot(*(coords[at] - np.array(via)).T).max() < 1e-6
    assert all(leg.length_m >= leg.straight_m for leg in legs)


def test_a_stale_skeleton_line_is_an_error_naming_the_feature(tmp_path):
    roads = transport.load("road")
    points = transport.load("control_point").set_index("point_id", drop=False)
    fid = roads["road_id"].iloc[0]
    import geopandas as gpd

    lines = gpd.GeoDataFrame(
        {
            "layer": ["road"],
            "id": [fid],
            "legs": [1],
            "matched_legs": [1],
            "length_ratio": [1.0],
            "source": [ATTRIBUTION],
        },
        geometry=[shapely.LineString([(112.0, 22.0), (112.1, 22.1)])],
        crs="EPSG:4490",
    )
    with pytest.raises(DataError, match="skeleton-build") as info:
        skeleton_apply.apply_lines(roads, lines, points, "road", "road_id", tmp_path)
    assert info.value.feature == fid


# --- the bundled data ---------------------------------------------------------------


def test_schematic_stations_moved_onto_the_rail_line_stay_in_their_township():
    placed = skeleton_apply.read_point_overrides(transport_dir())
    assert placed is not None and {"stn_enping", "stn_shuangshui"} <= set(placed.index)
    points = transport.load("control_point").set_index("point_id")
    towns = admin.load_townships().set_index("code")
    for pid, row in placed.iterrows():
        point = points.loc[pid]
        assert point["geometry_quality"] == "osm_skeleton"
        assert "OpenStreetMap" in point["source"] and "was:" in point["source"]
        assert towns.loc[point["township_code"]].geometry.covers(point.geometry), pid
        assert float(row["moved_m"]) > skeleton_routes.PLACE_MIN_M


def test_only_existing_lines_take_the_skeleton_and_say_so():
    for layer in ("road", "rail"):
        frame = transport.load(layer)
        routed = frame["source"].str.contains("OpenStreetMap skeleton")
        assert routed.any(), layer
        assert frame.loc[routed, "status"].isin(skeleton_routes.EXISTING).all()
        full = frame["geometry_quality"] == "osm_skeleton"
        assert (routed | ~full).all()  # osm_skeleton only where the file routed the line
        assert frame.loc[routed, "source"].str.contains("ODbL").all()


@pytest.mark.slow
def test_the_committed_skeleton_files_are_what_the_build_writes(tmp_path):
    """``jmgis data skeleton-build`` is reproducible: rebuilt from the committed curated
    files it writes the committed skeleton files byte for byte (only with the ``data``
    extra, which installs scgraph-data)."""
    import shutil
    from importlib import metadata

    from jmgis.cli import main

    try:
        metadata.version("scgraph-data")
    except metadata.PackageNotFoundError:
        pytest.skip("scgraph-data (the data extra) is not installed")
    folder = tmp_path / "transport"
    shutil.copytree(transport_dir(), folder)
    assert main(["data", "skeleton-build", "--transport-dir", str(folder), "-q"]) == 0
    for name in ("skeleton_points.csv", "skeleton_lines.geojson"):
        assert (folder / name).read_bytes() == (transport_dir() / name).read_bytes(), name
