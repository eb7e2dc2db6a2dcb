"""The graph contract on a small synthetic network (:mod:`tests.network_fixtures`).

Geography (EPSG:4490, near 113°E 22.5°N): a mainland with three seats joined by a
national road, an expressway reachable only at an interchange, a provincial road planned
for 2025, a high-speed and an urban rail line, and an island seat reached by a ferry.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import pytest

from jmgis.network.build import assemble_graph
from jmgis.speeds import SpeedTable
from tests.network_fixtures import (  # noqa: F401  (re-exported for older test modules)
    CRS,
    LAND,
    exists,
    fixture_graph,
    fixture_layers,
    fixture_seats,
    lines,
    points,
)


def test_contract_attributes():
    G = fixture_graph()
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:4547" and G.graph["year"] == 2020
    assert G.graph["modes"] == ("road", "rail", "ferry")
    for n, d in G.nodes(data=True):
        assert isinstance(n, str)
        assert {"x", "y", "kind", "ref", "name"} <= set(d)
        assert 250_000 < d["x"] < 450_000 and 2_300_000 < d["y"] < 2_600_000  # metres
    for _u, _v, d in G.edges(data=True):
        assert {"length_m", "travel_time_s", "mode", "feature_id", "name", "speed_kph"} <= set(d)
        assert d["mode"] in {"road", "rail", "ferry", "connector", "transfer"}
        assert d["travel_time_s"] >= 0 and d["length_m"] >= 0
    kinds = {d["kind"] for _, d in G.nodes(data=True)}
    assert {"junction", "seat", "station", "port", "interchange", "gateway", "airport"} <= kinds
    assert G.has_node("seat:100000001") and G.has_node("station:S1") and G.has_node("gateway:east")


def test_two_way_roads_are_reciprocal_and_timed_by_class():
    G = fixture_graph()
    road = [(u, v, d) for u, v, d in G.edges(data=True) if d["feature_id"] == "N1"]
    assert road
    for u, v, d in road:
        assert G.has_edge(v, u)
        assert d["speed_kph"] == SpeedTable().road_speed("national")
        assert d["travel_time_s"] == pytest.approx(d["length_m"] / (60 / 3.6))


def test_seat_connectors_record_snapping_distance():
    G = fixture_graph()
    seat_edges = list(G.out_edges("seat:100000001", data=True))
    assert seat_edges and all(d["mode"] == "connector" for _, _, d in seat_edges)
    # the seat is ~150 m from the national road's control point at (113.00, 22.50)
    assert 50 < seat_edges[0][2]["snap_m"] < 300


def test_expressway_entered_only_at_the_interchange():
    G = fixture_graph()
    e1_nodes = {u for u, v, d in G.edges(data=True) if d["feature_id"] == "E1"}
    entries = {u for u, v, d in G.in_edges(e1_nodes, data=True) if d["feature_id"] != "E1"}
    assert entries == {"interchange:X1"}


def test_island_reached_only_by_ferry_with_wait_and_boarding():
    G = fixture_graph()
    path = nx.shortest_path(G, "seat:100000001", "seat:100000004", weight="travel_time_s")
    modes = [G.get_edge_data(a, b)[0]["mode"] for a, b in itertools.pairwise(path)]
    assert "ferry" in modes
    ferry = next(d for _, _, d in G.edges(data=True) if d["mode"] == "ferry")
    speeds = SpeedTable()
    assert ferry["travel_time_s"] == pytest.approx(30 * 60 + 30 * 60 + speeds.ferry.boarding_s)
    no_ferry = fixture_graph(modes=("road",))
    assert not nx.has_path(no_ferry, "seat:100000001", "seat:100000004")


def test_rail_boarding_alighting_and_transfer():
    speeds = SpeedTable().with_overrides(transfer_s=200)
    G = fixture_graph(speeds=speeds)
    t = nx.shortest_path_length(G, "station:S1", "station:S2", weight="travel_time_s")
    ride = G.get_edge_data("platform:S1:R1", "platform:S2:R1")[0]
    assert ride["mode"] == "rail" and ride["speed_kph"] == 200
    assert t == pytest.approx(speeds.boarding("hsr") + ride["travel_time_s"] + speeds.alighting_s)
    # changing to the urban line at S2 costs transfer_s, not alighting + boarding
    t13 = nx.shortest_path_length(G, "station:S1", "station:S3", weight="travel_time_s")
    urban = G.get_edge_data("platform:S2:R2", "platform:S3:R2")[0]
    assert urban["speed_kph"] == speeds.rail_speed("urban")
    assert t13 == pytest.approx(
        speeds.boarding("hsr")
        + ride["travel_time_s"]
        + speeds.transfer_s
        + urban["travel_time_s"]
        + speeds.alighting_s
    )


def test_planned_road_changes_times_only_when_open():
    g20, g25 = fixture_graph(2020), fixture_graph(2025)
    assert not any(d["feature_id"] == "P1" for _, _, d in g20.edges(data=True))
    t20 = nx.shortest_path_length(g20, "seat:100000001", "seat:100000003", weight="travel_time_s")
    t25 = nx.shortest_path_length(g25, "seat:100000001", "seat:100000003", weight="travel_time_s")
    assert t25 < t20
    # a trip that does not need the new road is unchanged
    a20 = nx.shortest_path_length(g20, "seat:100000002", "gateway:east", weight="travel_time_s")
    a25 = nx.shortest_path_length(g25, "seat:100000002", "gateway:east", weight="travel_time_s")
    assert a25 == pytest.approx(a20)


def test_one_way_links_have_one_edge():
    layers = fixture_layers()
    layers["road"]["oneway"] = [0, 0, 0, 1, 0, 0]  # C2 drawn from (113.10,22.50) northwards
    G = assemble_graph(layers, fixture_seats(), year=2025, land=LAND)
    c2 = [(u, v) for u, v, d in G.edges(data=True) if d["feature_id"] == "C2"]
    assert c2  # split where points snap to it, but every piece stays one-way, northwards
    for u, v in c2:
        assert not any(d["feature_id"] == "C2" for d in (G.get_edge_data(v, u) or {}).values())
        assert G.nodes[v]["y"] > G.nodes[u]["y"]


def test_speed_table_override_changes_times():
    slow = fixture_graph(
        speeds=SpeedTable().with_overrides(road={"national": 30}), use_layer_speed=False
    )
    fast = fixture_graph()
    a = nx.shortest_path_length(slow, "seat:100000001", "seat:100000002", weight="travel_time_s")
    b = nx.shortest_path_length(fast, "seat:100000001", "seat:100000002", weight="travel_time_s")
    assert a > b


def test_unknown_mode_is_refused():
    from jmgis.errors import DataError

    with pytest.raises(DataError, match="unknown mode"):
        fixture_graph(modes=("road", "bus"))


def test_route_modes_on_fixture():
    from jmgis.network.route import route

    G = fixture_graph()
    rail = route(G, "seat:100000001", "station:S3", mode="rail")
    # driving to 东站 and taking the urban line beats boarding the high-speed train at 西站
    assert [leg.name for leg in rail.legs if leg.mode == "rail"] == ["轨道一"]
    assert rail.legs[-1].mode == "transfer"  # alighting at 北站
    road = route(G, "seat:100000001", "station:S3", mode="road")
    assert all(leg.mode in ("road", "connector", "ferry") for leg in road.legs)
    fastest = route(G, "seat:100000001", "station:S3")
    assert fastest.seconds <= min(rail.seconds, road.seconds) + 1e-6
    assert fastest.seconds == pytest.approx(
        nx.shortest_path_length(G, "seat:100000001", "station:S3", weight="travel_time_s")
    )
    assert fastest.length_m == pytest.approx(sum(leg.length_m for leg in fastest.legs))


def test_expressway_control_points_are_grade_separated_except_at_its_ends():
    import pandas as pd

    layers = {k: exists(v, 2020) for k, v in fixture_layers().items()}
    del layers["interchange"]
    extra = lines(
        [
            # through the expressway's inner control point (113.06, 22.55): no junction
            dict(
                road_id="T1",
                name="穿越路",
                road_class="county",
                coords=[(113.04, 22.55), (113.06, 22.55), (113.08, 22.55)],
            ),
            # to its northern end (113.06, 22.70): the expressway runs into this road
            dict(
                road_id="T2",
                name="终点路",
                road_class="county",
                coords=[(113.06, 22.70), (113.09, 22.70)],
            ),
        ]
    )
    layers["road"] = gpd.GeoDataFrame(pd.concat([layers["road"], extra]), crs=CRS)
    G = assemble_graph(layers, fixture_seats(), year=2020, land=LAND)

    def features_at(node):
        return {d["feature_id"] for *_, d in G.edges(node, data=True)}

    assert not [n for n in G if {"E1", "T1"} <= features_at(n)]
    ends = [n for n in G if {"E1", "T2"} <= features_at(n)]
    assert len(ends) == 1
