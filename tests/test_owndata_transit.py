"""Rail and ferries from the user's own OSM extract (issue 13, item 4).

The extract is the generated grid over Jiangmen with a made-up high-speed line 测试高铁
(three ways, three named stations, a siding) and a ferry 测试轮渡 (``duration=00:25``);
without them the bundled rail and ferries are used.
"""

from __future__ import annotations

import numpy as np
import pytest

from jmgis import transport
from jmgis.network.base_network import base_road_graph, user_graph
from jmgis.network.osm import transit_layers
from jmgis.settings import Settings, use
from tests.owndata_fixtures import grid_osm


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("transit")
    out = {}
    for name, transit in (("own", True), ("plain", False)):
        grid_osm(folder / f"{name}.osm", transit=transit)
        settings = Settings.load().replace(network=folder / f"{name}.osm")
        with use(settings):
            out[name] = user_graph(2035, settings)
    return out


def _edges(G, mode):
    return [(u, v, d) for u, v, d in G.edges(data=True) if d["mode"] == mode]


def test_rail_and_stations_come_from_the_extract_when_it_has_them(graphs):
    G = graphs["own"]
    assert G.graph["transit_source"] == {"rail": "user", "station": "user", "ferry": "user"}
    rail = _edges(G, "rail")
    # the three ways of 测试高铁 are one line; the siding carries no trains
    assert {d["feature_id"] for *_, d in rail} == {"osm:测试高铁"}
    assert {d["rail_kind"] for *_, d in rail} == {"hsr"}
    # two hops between three stations, both ways; timed at the posted 250 km/h
    assert len(rail) == 4
    for _, _, d in rail:
        assert d["travel_time_s"] == pytest.approx(d["length_m"] / (250 / 3.6))
    stations = {d["name"] for _, d in G.nodes(data=True) if d["kind"] == "station"}
    assert stations == {"测试南站", "测试中站", "测试北站"}
    bundled = set(transport.load("rail")["line_id"])
    assert not bundled & {d["feature_id"] for *_, d in G.edges(data=True)}


def test_ferries_come_from_the_extract_with_its_duration(graphs):
    G = graphs["own"]
    ferry = _edges(G, "ferry")
    assert {d["name"] for *_, d in ferry} == {"测试轮渡"} and len(ferry) == 2
    assert {d["sailing_s"] for *_, d in ferry} == {25 * 60.0}
    bundled = set(transport.load("ferry")["ferry_id"])
    assert not bundled & {d["feature_id"] for *_, d in ferry}


def test_the_profile_reaches_the_extracts_stations(graphs):
    from jmgis.jiangmen.township_access import profile

    G = graphs["own"]
    table = G.graph["station_table"]
    assert set(table["kind"]) == {"hsr"}
    assert table["township_code"].str.fullmatch(r"\d{9}").all()
    prof = profile(2035, G=G)
    assert len(prof) == 73 and np.isfinite(prof["t_hsr_station_min"]).all()
    assert (prof["t_rail_station_min"] == prof["t_hsr_station_min"]).all()


def test_without_rail_in_the_extract_the_bundled_rail_and_ferries_are_used(graphs):
    G = graphs["plain"]
    assert G.graph["transit_source"] == {"rail": "bundled", "station": "bundled",
                                         "ferry": "bundled"}
    assert "station_table" not in G.graph
    bundled = set(transport.load("rail")["line_id"])
    assert {d["feature_id"] for *_, d in _edges(G, "rail")} <= bundled
    assert _edges(G, "rail") and _edges(G, "ferry")


def test_transit_layers_cut_at_the_box_and_need_named_stations():
    nodes = {1: (112.0, 22.0), 2: (112.1, 22.0), 3: (112.2, 22.0), 4: (112.1, 22.01)}
    ways = [(7, [1, 2, 3], {"railway": "rail", "name": "线"}),
            (8, [1, 3], {"route": "ferry"})]
    stations = {2: {"railway": "station", "name": "站"}, 4: {"railway": "halt"}}
    out = transit_layers(nodes, ways, stations, bbox=(111.9, 21.9, 112.15, 22.1))
    assert out["rail"].geometry.iloc[0].length == pytest.approx(0.1)
    assert list(out["station"]["name"]) == ["站"]  # the halt has no name
    assert "ferry" not in out  # its far end lies outside the box
    assert out["rail"]["speed_kph"].isna().all()  # no maxspeed: the kind's speed


def test_base_graph_keeps_what_the_reader_found(tmp_path):
    grid_osm(tmp_path / "t.osm", transit=True)
    settings = Settings.load().replace(network=tmp_path / "t.osm")
    with use(settings):
        B = base_road_graph(settings)
    assert set(B.graph["osm_transit"]) == {"rail", "station", "ferry"}
