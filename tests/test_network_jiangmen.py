"""The bundled Jiangmen network: connectivity by scenario year and project effects."""

from __future__ import annotations

import numpy as np
import pytest

from jmgis.errors import ScenarioYearError
from jmgis.network.build import build_graph, shared_graph
from jmgis.network.route import route

YEARS = (2020, 2025, 2035)


def test_every_seat_reaches_every_seat_and_gateway(year_graph):
    from jmgis.routing.engine import travel_time_matrix

    _, G = year_graph  # one graph per default scenario year, built once (conftest)
    seats = [n for n, d in G.nodes(data=True) if d["kind"] == "seat"]
    gateways = [n for n, d in G.nodes(data=True) if d["kind"] == "gateway"]
    assert len(seats) == 73 and len(gateways) == 8
    to = travel_time_matrix(G, seats, seats + gateways)
    back = travel_time_matrix(G, gateways, seats)
    assert np.isfinite(to).all(), "some seat cannot reach a seat or gateway"
    assert np.isfinite(back).all(), "some gateway cannot reach a seat"
    # nothing in the city is more than 5 h from anything else (川岛 with its ferry included)
    assert to.max() < 5 * 3600


def test_scenario_filtering_follows_open_years():
    from jmgis import transport

    roads = transport.load("road")
    for year in YEARS:
        G = shared_graph(year)
        in_graph = {d["feature_id"] for *_, d in G.edges(data=True) if d["mode"] == "road"}
        expected = set(roads.loc[transport.exists_in(roads, year), "road_id"])
        absent = set(roads["road_id"]) - expected
        assert expected <= in_graph
        assert not (absent & in_graph)
    conceptual = set(roads.loc[roads["status"] == "conceptual", "road_id"])
    assert conceptual and not conceptual & {
        d["feature_id"] for *_, d in shared_graph(2025).edges(data=True)
    }


def test_year_outside_range_is_refused():
    with pytest.raises(ScenarioYearError, match="2020"):
        build_graph(2050)


def test_huangmaohai_link_shortens_trips_to_zhuhai_from_2025():
    g20, g25 = shared_graph(2020), shared_graph(2025)
    assert not any(d["feature_id"] == "huangmaohai" for *_, d in g20.edges(data=True))
    r20 = route(g20, "赤溪镇", "zhuhai")
    r25 = route(g25, "赤溪镇", "zhuhai")
    assert "黄茅海跨海通道" in r25.via
    assert r25.minutes < r20.minutes - 15
    # the saving is the link's: without it the 2025 trip is as slow as before
    without = g25.copy()
    without.remove_edges_from(
        [
            (u, v, k)
            for u, v, k, d in g25.edges(keys=True, data=True)
            if d["feature_id"] == "huangmaohai"
        ]
    )
    assert route(without, "赤溪镇", "zhuhai").minutes > r25.minutes + 15
    # a trip on the other side of the city does not use it
    assert "黄茅海跨海通道" not in route(g25, "沙坪街道", "guangzhou").via


def test_chuandao_depends_on_the_ferry():
    G = shared_graph(2025)
    r = route(G, "川岛镇", "台城街道")
    assert any(leg.mode == "ferry" for leg in r.legs)
    # the same network without its ferry links (a copy: the shared graph stays whole)
    no_ferry = G.copy()
    no_ferry.remove_edges_from(
        [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["mode"] == "ferry"]
    )
    from jmgis.errors import DataError

    with pytest.raises(DataError, match="no route from 川岛镇"):
        route(no_ferry, "川岛镇", "台城街道")


@pytest.mark.parametrize("year", [2020, 2025])
def test_travel_times_are_plausible(year):
    from jmgis.jiangmen.plausibility import plausibility_table

    table = plausibility_table(year)
    bad = table[~table["plausible"]]
    assert bad.empty, bad[["from", "to", "model_km", "model_min", "expected_km", "expected_min"]]
    # the published figure for 中山 → 江门 (≈ 61 km, ≈ 58 min) within 25 %
    zs = table[table["to"] == "中山"].iloc[0]
    assert abs(zs["model_km"] - 61) / 61 < 0.25 and abs(zs["model_min"] - 58) / 58 < 0.25


def test_route_time_equals_the_engine_matrix():
    from jmgis.routing.engine import travel_time_matrix

    G = shared_graph(2025)
    pairs = [("seat:440781001", "seat:440703006"), ("seat:440781115", "gateway:macau")]
    for a, b in pairs:
        r = route(G, a, b)
        assert r.seconds == pytest.approx(travel_time_matrix(G, [a], [b])[0, 0])
        assert r.path[0] == a and r.path[-1] == b
