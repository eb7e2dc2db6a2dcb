"""The user's own road network (issue 13): the CRS rule, the base network built from an
OSM extract or a line layer, and ``jmgis build --network`` through the whole chain."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely

from jmgis.crs import crs_for_data, scale_error
from jmgis.errors import DataError
from jmgis.network.base_network import (
    base_road_graph,
    merge_degree_two,
    network_layers,
    user_graph,
)
from jmgis.network.graph import add_link, add_node, empty_graph
from jmgis.network.osm import from_osm
from jmgis.settings import Settings, use
from tests.owndata_fixtures import grid_layer, grid_osm

REPO = Path(__file__).resolve().parents[1]
JIANGMEN = (111.9983, 21.4611, 113.2574, 22.8593)
HELSINKI = (24.90, 60.15, 25.00, 60.20)


# --- the CRS rule ---------------------------------------------------------------------


def test_jiangmen_keeps_the_default_crs_and_elsewhere_gets_its_utm_zone():
    assert crs_for_data(JIANGMEN) == pyproj.CRS("EPSG:4547")
    chosen = crs_for_data(HELSINKI)
    assert chosen == pyproj.CRS("EPSG:32635")  # UTM 35N holds 24–30°E
    assert scale_error(chosen, HELSINKI) < scale_error("EPSG:4547", HELSINKI)


def test_a_fixed_crs_that_does_not_cover_the_data_is_refused_naming_the_utm_zone():
    with pytest.raises(DataError, match=r"does not cover.*EPSG:32635"):
        crs_for_data(HELSINKI, "EPSG:4547")
    # a fixed CRS that covers the data is kept
    assert crs_for_data(JIANGMEN, "EPSG:4546") == pyproj.CRS("EPSG:4546")


def _line_osm(path: Path, lon0: float, lat0: float, n: int = 20, step: float = 0.002) -> None:
    nodes = "".join(
        f'<node id="{i + 1}" lon="{lon0 + i * step:.7f}" lat="{lat0 + i * step / 2:.7f}"/>'
        for i in range(n)
    )
    refs = "".join(f'<nd ref="{i + 1}"/>' for i in range(n))
    path.write_text(
        f'<osm version="0.6">{nodes}<way id="1">{refs}<tag k="highway" v="primary"/>'
        "</way></osm>",
        encoding="utf-8",
    )


def test_from_osm_lengths_are_true_outside_the_114e_zone(tmp_path):
    # The old forced EPSG:4547 made Helsinki lengths 15 % too long.
    path = tmp_path / "helsinki.osm"
    _line_osm(path, 24.90, 60.15)
    G = from_osm(path)
    assert pyproj.CRS(G.graph["crs"]) == pyproj.CRS("EPSG:32635")
    geod = pyproj.Geod(ellps="WGS84")
    lons = 24.90 + np.arange(20) * 0.002
    lats = 60.15 + np.arange(20) * 0.001
    true_m = geod.line_length(lons, lats)
    total = sum(d["length_m"] for _, _, d in G.edges(data=True)) / 2  # two-way
    assert total == pytest.approx(true_m, rel=1e-3)
    with pytest.raises(DataError, match="does not cover"):
        from_osm(path, analysis_crs="EPSG:4547")


# --- the base network ----------------------------------------------------------------


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    folder = tmp_path_factory.mktemp("owndata")
    counts = grid_osm(folder / "grid.osm")
    grid_layer(folder / "grid.gpkg")
    (folder / "classes.yaml").write_text(
        "省道: provincial\n县道: county\n乡道: township\n", encoding="utf-8"
    )
    return folder, counts


def _strongly_connected(G: nx.MultiDiGraph) -> bool:
    return nx.number_strongly_connected_components(G) == 1


def test_osm_base_network_is_clipped_strongly_connected_and_reports_what_it_dropped(grid):
    folder, _ = grid
    settings = Settings.load().replace(network=folder / "grid.osm")
    with use(settings):
        B = base_road_graph(settings)
    report = B.graph["base_report"]
    assert _strongly_connected(B)
    assert report.crs == "EPSG:4547"
    # the island (one two-way link: its middle vertex joins nothing) and the end of the
    # one-way spur cannot be both reached and left
    assert report.dropped_nodes == 2 + 1
    assert report.dropped_edges == 2 + 1
    assert report.outside_nodes > 0  # the grid's margin beyond the city + 10 km
    assert report.nodes == B.number_of_nodes() and report.edges == B.number_of_edges()
    assert "孤岛路" not in {d["name"] for *_, d in B.edges(data=True)}
    # every node lies within the city + buffer
    from jmgis import admin

    area = admin.load_city().to_crs(B.graph["crs"]).union_all().buffer(10_000)
    xy = np.array([(d["x"], d["y"]) for _, d in B.nodes(data=True)])
    import shapely

    assert shapely.contains_xy(area, xy[:, 0], xy[:, 1]).all()


def test_user_graph_joins_seats_stations_and_bundled_rail(grid):
    folder, _ = grid
    settings = Settings.load().replace(network=folder / "grid.osm")
    with use(settings):
        G = user_graph(2035, settings)
    kinds = {d["kind"] for _, d in G.nodes(data=True)}
    assert {"seat", "station", "port", "gateway"} <= kinds
    modes = {d["mode"] for *_, d in G.edges(data=True)}
    assert {"road", "rail", "connector"} <= modes
    seats = [n for n, d in G.nodes(data=True) if d["kind"] == "seat"]
    assert len(seats) == 73
    # every seat reaches every other over the user's roads
    lengths = nx.single_source_dijkstra_path_length(G, seats[0], weight="travel_time_s")
    assert all(s in lengths for s in seats)


def test_a_network_that_misses_the_city_names_the_seats(tmp_path):
    path = tmp_path / "corner.osm"
    _line_osm(path, 113.05, 22.55)  # a few km of road in one corner of the city
    settings = Settings.load().replace(network=path)
    with use(settings), pytest.raises(DataError, match=r"misses the city: \d+ township") as err:
        user_graph(2020, settings)
    assert "台城街道" in str(err.value)  # Taishan's seat is far from that corner


def test_unknown_class_values_are_all_listed_with_field_and_file(grid, tmp_path):
    folder, _ = grid
    partial = tmp_path / "partial.yaml"
    partial.write_text("省道: provincial\n", encoding="utf-8")
    settings = Settings.load().replace(
        network=folder / "grid.gpkg", network_class_field="DLDJ", network_class_map=partial
    )
    with use(settings), pytest.raises(DataError) as err:
        base_road_graph(settings)
    text = str(err.value)
    assert "'县道'" in text and "'乡道'" in text and "DLDJ" in text and "grid.gpkg" in text


def test_class_map_targets_must_be_road_classes(grid, tmp_path):
    folder, _ = grid
    bad = tmp_path / "bad.yaml"
    bad.write_text("省道: motorway\n", encoding="utf-8")
    settings = Settings.load().replace(
        network=folder / "grid.gpkg", network_class_field="DLDJ", network_class_map=bad
    )
    with use(settings), pytest.raises(DataError, match="'motorway' is not a road class"):
        base_road_graph(settings)


def test_line_layer_base_network_uses_class_map_and_speed_field(grid):
    folder, _ = grid
    settings = Settings.load().replace(
        network=folder / "grid.gpkg",
        network_class_field="DLDJ",
        network_class_map=folder / "classes.yaml",
        network_speed_field="SJSD",
    )
    with use(settings):
        B = base_road_graph(settings)
    classes = {d["road_class"] for *_, d in B.edges(data=True)}
    assert classes <= {"provincial", "county", "township"} and len(classes) == 3
    assert _strongly_connected(B)
    speeds = {d["speed_kph"] for *_, d in B.edges(data=True) if d["feature_id"] == "1"}
    assert speeds and all(abs(s - 80.0) < 1e-6 for s in speeds)


def test_several_line_layers_in_different_crs_make_the_network_of_their_union(grid, tmp_path):
    import argparse

    import geopandas as gpd

    from jmgis.cli.network_options import add_network_options, network_settings

    folder, _ = grid
    whole = gpd.read_file(folder / "grid.gpkg")
    horizontal = whole.geometry.apply(lambda g: g.coords[0][1] == g.coords[-1][1])
    whole[horizontal].to_file(tmp_path / "ew.gpkg", driver="GPKG")
    # the other half as a Shapefile without the speed field (and once in another CRS)
    whole[~horizontal].drop(columns="SJSD").to_file(tmp_path / "ns.shp")
    whole[~horizontal].to_crs(4547).to_file(tmp_path / "ns4547.shp")
    parser = argparse.ArgumentParser()
    add_network_options(parser)
    args = parser.parse_args(
        ["--network", f"{tmp_path / 'ew.gpkg'},{tmp_path / 'ns.shp'}", "--class-field", "DLDJ",
         "--class-map", str(folder / "classes.yaml"), "--speed-field", "SJSD"]
    )
    split = network_settings(args, Settings.load())
    assert split.network == tmp_path / "ew.gpkg" and split.network_more == (tmp_path / "ns.shp",)
    repeated = parser.parse_args(
        ["--network", str(tmp_path / "ew.gpkg"), "--network", str(tmp_path / "ns.shp")]
    )
    assert network_settings(repeated, Settings.load()).network_more == (tmp_path / "ns.shp",)
    one = split.replace(network=folder / "grid.gpkg", network_more=())
    with use(split):
        B2 = base_road_graph(split)
    with use(one):
        B1 = base_road_graph(one)
    assert (B2.number_of_nodes(), B2.number_of_edges()) == (B1.number_of_nodes(),
                                                            B1.number_of_edges())
    km = [sum(d["length_m"] for *_, d in B.edges(data=True)) for B in (B1, B2)]
    assert km[1] == pytest.approx(km[0], rel=1e-6)
    assert "ew.gpkg, ns.shp" in B2.graph["base_report"].source
    # a layer in another CRS is reprojected to the first one's: its line ends on the
    # grid's border, now nanometres off the other lines' vertices, still join them
    other = split.replace(network_more=(tmp_path / "ns4547.shp",))
    with use(other):
        B3 = base_road_graph(other)
    assert (B3.number_of_nodes(), B3.number_of_edges()) == (B1.number_of_nodes(),
                                                            B1.number_of_edges())
    # an OSM extract is one network: it is not joined with other files
    with pytest.raises(DataError, match="cannot be joined"):
        base_road_graph(split.replace(network=folder / "grid.osm",
                                      network_more=(tmp_path / "ew.gpkg",)))


def test_osm_oneway_reverse_runs_against_the_way(tmp_path):
    from jmgis.network.osm import _oneway

    assert _oneway({"oneway": "reverse"}) == _oneway({"oneway": "-1"}) == -1
    assert _oneway({"oneway": "no", "junction": "roundabout"}) == 0
    assert _oneway({"junction": "roundabout"}) == 1


def test_settings_split_a_list_of_network_files():
    s = Settings(network=["a.gpkg", "b.shp", "c.geojson"])
    assert s.network == Path("a.gpkg") and s.network_more == (Path("b.shp"), Path("c.geojson"))
    assert s.as_dict()["network_more"] == ["b.shp", "c.geojson"]


def test_settings_refuse_a_negative_buffer():
    with pytest.raises(DataError, match="network_buffer_m"):
        Settings(network_buffer_m=-1)


# --- degree-2 merging --------------------------------------------------------------------


def _chain(classes=("county", "county", "county"), oneway=0) -> nx.MultiDiGraph:
    G = empty_graph("EPSG:4547", None, ("road",))
    for i in range(4):
        add_node(G, f"n{i}", i * 1000.0, (i % 2) * 100.0, kind="junction")
    for i, (cls, speed) in enumerate(zip(classes, (40, 60, 30), strict=True)):
        add_link(
            G, f"n{i}", f"n{i + 1}", length_m=1000.0 + i, speed_kph=speed, mode="road",
            feature_id=f"f{i}", name="", oneway=oneway, road_class=cls,
        )
    return G


@pytest.mark.parametrize("oneway", [0, 1])
def test_merging_degree_two_junctions_keeps_times_and_lengths(oneway):
    G = _chain(oneway=oneway)
    before = nx.shortest_path_length(G, "n0", "n3", weight="travel_time_s")
    merged = merge_degree_two(G)
    assert merged == 2
    assert set(G.nodes) == {"n0", "n3"}
    (d,) = G.get_edge_data("n0", "n3").values()
    assert d["travel_time_s"] == pytest.approx(before)
    assert d["length_m"] == pytest.approx(3003.0)
    assert len(d["geometry"].coords) == 4
    assert G.has_edge("n3", "n0") == (oneway == 0)


def test_junctions_between_road_classes_are_not_merged():
    G = _chain(classes=("county", "county", "national"))
    assert merge_degree_two(G) == 1
    assert set(G.nodes) == {"n0", "n2", "n3"}


def test_merged_line_layer_network_times_equal_the_unmerged(grid):
    folder, _ = grid
    import geopandas as gpd
    import shapely

    from jmgis.network.user_layers import from_layers

    # the grid cut into one feature per cell side: every cell corner inside a line is a
    # degree-2 junction once the crossing lines are removed
    frame = gpd.read_file(folder / "grid.gpkg").iloc[::3]
    pieces = []
    for _, row in frame.iterrows():
        coords = list(row.geometry.coords)
        for a, b in itertools.pairwise(coords):
            pieces.append({"DLDJ": row.DLDJ, "geometry": shapely.LineString([a, b])})
    cut = gpd.GeoDataFrame(pieces, crs=frame.crs)
    G = from_layers(cut, class_field="DLDJ", class_map={"省道": "provincial", "县道": "county",
                                                         "乡道": "township"})
    H = G.copy()
    removed = merge_degree_two(H)
    assert removed > 0 and H.number_of_nodes() == G.number_of_nodes() - removed
    rng = np.random.default_rng(13)
    kept = list(H.nodes)
    for a, b in rng.choice(len(kept), size=(20, 2)):
        s, t = kept[a], kept[b]
        try:
            want = nx.shortest_path_length(G, s, t, weight="travel_time_s")
        except nx.NetworkXNoPath:
            assert not nx.has_path(H, s, t)
            continue
        assert nx.shortest_path_length(H, s, t, weight="travel_time_s") == pytest.approx(want)


# --- the whole chain ------------------------------------------------------------------


def test_network_layers_are_registered_and_one_row_per_link(grid):
    from jmgis.layers import layer_spec

    folder, _ = grid
    settings = Settings.load().replace(network=folder / "grid.osm")
    with use(settings):
        B = base_road_graph(settings)
    layers = network_layers(B)
    for name in ("base_network_node", "base_network_edge"):
        spec = layer_spec(name)
        assert set(spec.field_names) <= set(layers[name].columns)
        assert layers[name].crs.to_epsg() == 4490
    edges = layers["base_network_edge"]
    two_way = (edges["oneway"] == 0).sum()
    assert two_way * 2 + (edges["oneway"] == 1).sum() == B.number_of_edges()
    assert len(layers["base_network_node"]) == B.number_of_nodes()


@pytest.mark.slow
def test_build_with_network_runs_the_whole_chain_on_it(grid, tmp_path):
    import geopandas as gpd
    import pandas as pd

    from jmgis.jiangmen.township_access import profile

    folder, _ = grid
    out = tmp_path / "out"
    env = {"PYTHONPATH": str(REPO)}
    import os

    run = subprocess.run(
        [sys.executable, "-m", "jmgis", "build", "--network", str(folder / "grid.osm"),
         "--years", "2020,2035", "--out", str(out)],
        capture_output=True, text=True, env={**os.environ, **env}, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "largest strongly connected" in run.stderr
    gpkg = out / "jiangmen.gpkg"
    edges = gpd.read_file(gpkg, layer="base_network_edge")
    settings = Settings.load().replace(network=folder / "grid.osm")
    with use(settings):
        B = base_road_graph(settings)
        want = profile(2035, G=user_graph(2035, settings))
    assert len(edges) == len(network_layers(B)["base_network_edge"])
    access = gpd.read_file(gpkg, layer="access_township")
    got = access[access["year"] == 2035].set_index("code")
    pd.testing.assert_series_equal(
        got["t_rail_station_min"].astype(float),
        want.set_index("code")["t_rail_station_min"].astype(float),
        check_names=False, rtol=1e-6,
    )
    assert (out / "minutes_to_hsr_station_2035.tif").exists()
    assert (out / "report" / "report.html").exists()


def test_build_with_a_bad_network_exits_2_with_one_line(grid, tmp_path):
    import os

    folder, _ = grid
    run = subprocess.run(
        [sys.executable, "-m", "jmgis", "build", "--network", str(folder / "grid.gpkg"),
         "--class-field", "DLDJ", "--out", str(tmp_path / "o")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
    )
    assert run.returncode == 2
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "DLDJ" in lines[0] and "--class-map" in lines[0]


# --- jmgis route --out ----------------------------------------------------------------


@pytest.mark.parametrize("own", [False, True])
def test_route_out_writes_the_path_whose_legs_add_up(grid, tmp_path, own):
    import json
    import os

    from jmgis import admin

    folder, _ = grid
    out = tmp_path / "route.geojson"
    extra = ["--network", str(folder / "grid.osm")] if own else []
    run = subprocess.run(
        [sys.executable, "-m", "jmgis", "route", "台城街道", "江门站", "--year", "2025",
         "--json", "--out", str(out), *extra],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    data = json.loads(out.read_text(encoding="utf-8"))
    legs = data["features"]
    assert legs and all(f["geometry"]["type"] == "LineString" for f in legs)
    minutes = sum(f["properties"]["seconds"] for f in legs) / 60
    km = sum(f["properties"]["length_m"] for f in legs) / 1000
    assert minutes == pytest.approx(data["properties"]["minutes"], abs=0.05)
    assert km == pytest.approx(data["properties"]["km"], abs=0.01)
    assert data["properties"]["minutes"] == pytest.approx(summary["minutes"], abs=0.05)
    seat = admin.load_seats().set_index("name").loc["台城街道"].geometry
    start = legs[0]["geometry"]["coordinates"][0]
    assert abs(start[0] - seat.x) < 1e-4 and abs(start[1] - seat.y) < 1e-4
    # consecutive legs join end to start
    for a, b in itertools.pairwise(legs):
        assert a["geometry"]["coordinates"][-1] == b["geometry"]["coordinates"][0]


# --- jmgis isochrone --------------------------------------------------------------------


def _jmgis(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "jmgis", *args],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=cwd,
    )


@pytest.mark.slow
def test_isochrone_writes_one_nested_polygon_per_band(grid, tmp_path):
    import geopandas as gpd

    folder, _ = grid
    out = tmp_path / "iso.gpkg"
    run = _jmgis("isochrone", "112.79,22.58", "--minutes", "10,20,40", "--year", "2025",
                 "--network", str(folder / "grid.osm"), "--out", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    iso = gpd.read_file(out, layer="isochrone")
    assert list(iso["band_min"]) == [10, 20, 40]
    assert iso.crs.to_epsg() == 4490
    assert iso["area_km2"].is_monotonic_increasing and iso["area_km2"].iloc[0] > 0
    inner, outer = iso.geometry.iloc[0], iso.geometry.iloc[1]
    assert inner.difference(outer.buffer(1e-6)).area < 1e-9 * max(inner.area, 1e-12)
    from shapely import Point

    assert iso.geometry.iloc[0].buffer(0.01).contains(Point(112.79, 22.58))


def test_isochrone_far_from_any_road_names_the_point_and_the_option(tmp_path):
    run = _jmgis("isochrone", "115,20", "--out", str(tmp_path / "x.gpkg"), cwd=tmp_path)
    assert run.returncode == 2
    assert "115,20" in run.stderr and "--max-snap" in run.stderr
    assert not (tmp_path / "x.gpkg").exists()


# --- jmgis od -----------------------------------------------------------------------------


@pytest.mark.parametrize("own", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_od_minutes_and_km_equal_the_routes(grid, tmp_path, own):
    import json

    import pandas as pd

    folder, _ = grid
    extra = ["--network", str(folder / "grid.osm")] if own else []
    out = tmp_path / "od.csv"
    run = _jmgis("od", "江门站,台城街道", "townships", "--year", "2035", "--out", str(out),
                 *extra, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert len(table) == 2 * 73
    assert set(table["destination_name"]) >= {"台城街道", "白沙街道"}
    for dest in ("台城街道", "荷塘镇"):
        row = table[(table["origin_name"] == "江门站") & (table["destination_name"] == dest)]
        route = _jmgis("route", "江门站", dest, "--year", "2035", "--json", *extra, cwd=tmp_path)
        want = json.loads(route.stdout)
        assert row["minutes"].iloc[0] == pytest.approx(want["minutes"], abs=0.06)
        assert row["km"].iloc[0] == pytest.approx(want["distance_km"], abs=0.06)
    same = table[table["origin_name"] == table["destination_name"]]
    assert (same["minutes"] == 0).all()


@pytest.mark.slow
def test_od_gpkg_writes_lines_from_origin_to_destination_with_the_csv_rows(grid, tmp_path):
    import geopandas as gpd
    import pandas as pd

    from jmgis import admin

    folder, _ = grid
    net = ["--network", str(folder / "grid.osm"), "--year", "2035"]
    for out in ("od.csv", "od.gpkg"):
        run = _jmgis("od", "江门站,台城街道", "白沙街道,荷塘镇,台城街道", "--out", out, *net,
                     cwd=tmp_path)
        assert run.returncode == 0, run.stderr
    table = pd.read_csv(tmp_path / "od.csv", encoding="utf-8-sig")
    lines = gpd.read_file(tmp_path / "od.gpkg", layer="od_line")
    assert lines.crs.to_epsg() == 4490 and len(lines) == len(table) == 6
    assert set(lines.geom_type) == {"LineString"}
    cols = ["origin_name", "destination_name", "minutes", "km"]
    pd.testing.assert_frame_equal(lines[cols], table[cols], check_dtype=False)
    # each line runs from the origin's point to the destination's: a township's end is its
    # seat (joined to the network within the snap distance)
    seats = admin.load_seats().set_index("name").to_crs(4547)
    metric = lines.to_crs(4547)
    for line, dest in zip(metric.geometry, metric["destination_name"], strict=True):
        end = shapely.Point(line.coords[-1])
        assert end.distance(seats.geometry[dest]) < 5000
    # a straight line is never longer than the fastest route
    moved = lines[lines["km"] > 0]
    assert (moved["line_km"] <= moved["km"] + 1e-3).all()
    same = lines[lines["origin_name"] == lines["destination_name"]]
    assert len(same) == 1 and same["minutes"].iloc[0] == 0 and same["line_km"].iloc[0] == 0


def test_od_point_file_with_bad_coordinates_names_the_row(tmp_path):
    pts = tmp_path / "pts.csv"
    pts.write_text("name,lon,lat\n好点,112.79,22.58\n坏点,abc,22.5\n", encoding="utf-8")
    run = _jmgis("od", str(pts), "townships", "--out", str(tmp_path / "o.csv"), cwd=tmp_path)
    assert run.returncode == 2
    assert "坏点" in run.stderr and "row 3" in run.stderr


# --- jmgis access --facilities -------------------------------------------------------------


@pytest.mark.slow
def test_access_facilities_nearest_counts_and_2sfca(grid, tmp_path):
    import pandas as pd

    from jmgis.jiangmen.population import load_population

    folder, _ = grid
    fac = tmp_path / "fac.csv"
    fac.write_text(
        "name,category,capacity,lon,lat,place\n"
        "中心医院,hospital,800,113.07,22.58,\n"
        "台山医院,hospital,500,,,台城街道\n"
        "学校A,school,,112.79,22.25,\n",
        encoding="utf-8",
    )
    out = tmp_path / "acc"
    run = _jmgis("access", "--year", "2025", "--facilities", str(fac), "--out", str(out),
                 "--network", str(folder / "grid.osm"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out / "facility_access.csv", encoding="utf-8-sig", dtype={"code": str})
    assert set(table["category"]) == {"hospital", "school"}
    assert len(table) == 2 * 73
    hosp = table[table["category"] == "hospital"]
    assert (hosp["n_15min"] <= hosp["n_30min"]).all() and (hosp["n_30min"] <= hosp["n_60min"]).all()
    assert (hosp["n_60min"] <= 2).all()
    # the seat of 台城街道 hosts 台山医院: it is (almost) there — door to door, the access
    # legs of the two trip ends (each 1 min terminal + 500 m at 20 km/h, issue 15)
    from jmgis.speeds import SpeedTable

    legs_min = 2 * SpeedTable().access_leg_s("urban") / 60
    assert hosp.set_index("name").loc["台城街道", "nearest_min"] <= legs_min + 0.1
    # 2SFCA conserves supply: Σ population × access = capacity of facilities reached
    pop = load_population().assign(code=lambda f: f["code"].astype(str)).set_index("code")
    total = (hosp["fca2_per10k"] / 10_000 * hosp["code"].map(pop["population"])).sum()
    # both hospitals lie within 30 min of some seat (their own towns), so all 1300 count
    assert (hosp["nearest_min"] <= 30).sum() >= 2
    assert total == pytest.approx(800 + 500, rel=1e-6)
    # per raster cell: minutes to the nearest facility of each category
    import rasterio
    from pyproj import Transformer

    from jmgis import admin

    seats = admin.load_seats().set_index("name")
    at = {}
    for category in ("hospital", "school"):
        with rasterio.open(out / f"minutes_to_facility_{category}_2025.tif") as src:
            image = src.read(1, masked=True)
            to = Transformer.from_crs("EPSG:4490", src.crs, always_xy=True)

            def value(lon, lat, src=src, image=image, to=to):
                row, col = src.index(*to.transform(lon, lat))
                return float(image[row, col])

            at[category] = {
                "台城": value(*seats.geometry["台城街道"].coords[0]),
                "school": value(112.79, 22.25),
                "中心医院": value(113.07, 22.58),
            }
            assert image.count() > 100_000  # the city's 250 m cells
    hosp_at = hosp.set_index("name")["nearest_min"]
    # a facility's own cell is minutes away at most (the leg from the cell centre to the
    # road); the seat of 台城街道 hosts 台山医院, as in the table (door to door: the two
    # trip ends' access legs, issue 15)
    from jmgis.speeds import SpeedTable

    legs_min = 2 * SpeedTable().access_leg_s("urban") / 60
    assert hosp_at["台城街道"] <= legs_min + 0.1 and at["hospital"]["台城"] < 3.0
    assert at["hospital"]["中心医院"] < 3.0
    assert at["school"]["school"] < 3.0 < at["hospital"]["school"]
    assert at["school"]["中心医院"] > 30.0  # 学校A is 50 km away


def test_access_facility_off_the_network_names_it_and_the_option(grid, tmp_path):
    fac = tmp_path / "fac.csv"
    fac.write_text("name,category,lon,lat\n海上诊所,clinic,113.9,21.0\n", encoding="utf-8")
    run = _jmgis("access", "--year", "2025", "--facilities", str(fac), "--out",
                 str(tmp_path / "o"), cwd=tmp_path)
    assert run.returncode == 2
    assert "海上诊所" in run.stderr and "--max-snap" in run.stderr
