"""The derived local roads, T-junction noding and extra points (parks, POIs)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from jmgis.network.build import assemble_graph, water_polygon
from jmgis.network.local import derive_local_roads, gabriel_edges
from jmgis.network.noding import insert_end_vertices
from tests.network_fixtures import LAND, exists, fixture_layers, fixture_seats


def test_gabriel_edges_drop_links_with_a_seat_in_between():
    # three points on a line: the long link has the middle point on its diameter circle
    xy = np.array([[0.0, 0.0], [10.0, 0.1], [20.0, 0.0], [10.0, 30.0]])
    edges = {tuple(e) for e in gabriel_edges(xy)}
    assert (0, 1) in edges and (1, 2) in edges
    assert (0, 2) not in edges


def test_local_roads_join_every_seat_without_crossing_the_sea():
    roads = exists(fixture_layers()["road"], 2020)
    roads = roads[roads["road_id"] != "I1"].to_crs("EPSG:4547")  # no road on the island
    ferry = fixture_layers()["ferry"]
    piers = gpd.GeoDataFrame(
        geometry=[shapely.get_point(g, i) for g in ferry.geometry for i in (0, -1)],
        crs=ferry.crs,
    )
    water = water_polygon(LAND, "EPSG:4547")
    local = derive_local_roads(fixture_seats(), roads, piers=piers, water=water)
    assert local.crs == "EPSG:4490"
    assert (local["geometry_quality"] == "schematic").all()
    assert local["source"].str.startswith("derived:").all()
    assert set(local["road_class"]) <= {"county", "township"}
    island = local[local["from_code"] == "100000004"]
    # the island seat is joined to its pier (a township road), never across the channel
    assert list(island["road_class"]) == ["township"]
    wet = shapely.length(shapely.intersection(local.to_crs("EPSG:4547").geometry.values, water))
    assert (wet < 300).all()


def test_local_roads_make_every_mainland_seat_reachable_in_the_graph():
    layers = {k: exists(v, 2020) for k, v in fixture_layers().items()}
    roads = layers["road"].to_crs("EPSG:4547")
    local = derive_local_roads(fixture_seats(), roads, water=water_polygon(LAND, "EPSG:4547"))
    layers["road"] = gpd.GeoDataFrame(
        pd.concat([layers["road"], local.to_crs(layers["road"].crs)]), crs=layers["road"].crs
    )
    G = assemble_graph(layers, fixture_seats(), year=2020, land=LAND)
    seats = [n for n, d in G.nodes(data=True) if d["kind"] == "seat"]
    core = max(nx.strongly_connected_components(G), key=len)
    assert set(seats) <= core


def test_end_vertices_become_t_junctions_but_crossings_do_not():
    main = LineString([(0, 0), (100, 0)])
    spur = LineString([(40, 0), (40, 50)])  # ends on main
    cross = LineString([(70, -10), (70, 10)])  # crosses main
    out = insert_end_vertices(np.array([main, spur, cross], dtype=object))
    assert [tuple(c) for c in shapely.get_coordinates(out[0])] == [(0, 0), (40, 0), (100, 0)]
    kept = insert_end_vertices(np.array([main, spur]), np.array([False, True]))
    assert kept[0].equals(main)  # a limited-access line receives no junction


def test_extra_points_are_connected_with_their_kind():
    layers = {k: exists(v, 2020) for k, v in fixture_layers().items()}
    parks = gpd.GeoDataFrame(
        {"id": ["PK1"], "name": ["滨江公园"]}, geometry=[Point(113.03, 22.505)], crs="EPSG:4490"
    )
    G = assemble_graph(layers, fixture_seats(), year=2020, land=LAND, points={"park": parks})
    assert G.nodes["park:PK1"]["kind"] == "park" and G.nodes["park:PK1"]["name"] == "滨江公园"
    (edge,) = [d for _, _, d in G.out_edges("park:PK1", data=True)]
    assert edge["mode"] == "connector"
    assert edge["snap_m"] == pytest.approx(553, rel=0.02)  # 0.005° of latitude from 国道一


def test_the_water_rule_keeps_the_island_off_the_mainland():
    layers = {k: exists(v, 2020) for k, v in fixture_layers().items()}
    layers["road"] = layers["road"][layers["road"]["road_id"] != "I1"]  # no island road
    with_land = assemble_graph(layers, fixture_seats(), year=2020, modes=("road",), land=LAND)
    assert not nx.has_path(with_land, "seat:100000001", "seat:100000004")
    # without a land polygon the island seat is joined straight across the channel
    no_land = assemble_graph(layers, fixture_seats(), year=2020, modes=("road",), land=None)
    assert nx.has_path(no_land, "seat:100000001", "seat:100000004")
