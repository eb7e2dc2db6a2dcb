"""The plan's roads on the user's own base network (issue 13, item 2).

The base is a generated OSM grid over Jiangmen (no made-up route numbers) plus two
motorways drawn along the plan's own schematic lines: one tagged ``ref=G15`` along
沈海高速（佛开高速江门段）, one named 江门大道 along 江门大道（三江段以北）.  Nothing here
claims to be a real road; the test is of the matching.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest
import shapely

from jmgis import transport
from jmgis.network.base_network import (
    add_plan_roads,
    base_road_graph,
    match_layers,
    network_layers,
    plan_road_keys,
    user_graph,
)
from jmgis.network.graph import add_link, add_node, empty_graph
from jmgis.settings import Settings, use
from jmgis.speeds import SpeedTable
from jmgis.vocab import PLAN_MATCH_STATUSES
from tests.owndata_fixtures import BOX, grid_osm


def _inside(line) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = BOX
    return [(x, y) for x, y in line.coords if x0 < x < x1 and y0 < y < y1]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    roads = transport.load("road").set_index("road_id")
    path = tmp_path_factory.mktemp("plan") / "plan.osm"
    grid_osm(
        path,
        with_refs=False,
        plan_ways={
            "ref=G15;name=沈海高速": _inside(roads.geometry["g15_fokai"]),
            "name=江门大道": _inside(roads.geometry["u_jiangmen_dadao_n"]),
        },
    )
    settings = Settings.load().replace(network=path)
    with use(settings):
        base = base_road_graph(settings)
        graphs = {y: user_graph(y, settings) for y in (2020, 2035)}
        layer = match_layers((2020, 2035), settings)["network_match"]
    return settings, base, graphs, layer.set_index(["year", "road_id"])


def test_plan_road_keys_cut_names_at_their_road_word():
    assert plan_road_keys("沈海高速（佛开高速江门段）", "G15") == (
        {"G15"},
        {"沈海高速", "佛开高速"},
    )
    assert plan_road_keys("广台高速开平至台山段", None) == (set(), {"广台高速"})
    assert plan_road_keys("东堤路-连海路", None) == (set(), {"东堤路", "连海路"})
    # a branch is not the road it leaves
    assert plan_road_keys("中江高速外海至睦洲支线", None) == (set(), {"中江高速外海至睦洲支线"})


def test_base_roads_named_by_a_scheme_are_tagged_with_scheme_and_member(planned):
    _, base, _, table = planned
    tagged = {}
    for *_, d in base.edges(data=True):
        if d.get("plan_road_id"):
            tagged.setdefault(d["plan_road_id"], set()).add((d["scheme"], d["scheme_member"]))
    assert tagged["g15_fokai"] == {("六纵六横两联一展望", "纵1")}
    assert tagged["u_jiangmen_dadao_n"] == {("七纵八横", "纵3")}
    # only the two drawn roads (and the G15 continuing south, 开阳) are found: the grid's
    # own names (东西3路 …) are no plan road's
    assert set(tagged) <= {"g15_fokai", "g15_kaiyang", "u_jiangmen_dadao_n", "u_jiangmen_dadao_sw"}
    row = table.loc[(2020, "g15_fokai")]
    assert row["status"] == "matched" and row["edges"] > 0 and row["km"] > 20
    assert "ref G15" in row["reason"]
    assert table.loc[(2020, "u_jiangmen_dadao_n")]["status"] == "matched"
    assert "name 江门大道" in table.loc[(2020, "u_jiangmen_dadao_n")]["reason"]
    edges = network_layers(base)["base_network_edge"]
    assert set(edges.loc[edges["plan_road_id"] == "g15_fokai", "scheme_member"]) == {"纵1"}


def test_projects_the_base_lacks_are_added_as_schematic_links_in_their_years(planned):
    _, _, graphs, table = planned
    roads = transport.load("road").set_index("road_id")
    # 银洲湖高速: under construction, open 2025 — absent in 2020, added in 2035
    assert (2020, "yinzhouhu") not in table.index
    row = table.loc[(2035, "yinzhouhu")]
    assert row["status"] == "added" and row["plan_status"] == "under_construction"
    links = [d for *_, d in graphs[2035].edges(data=True) if d.get("plan_road_id") == "yinzhouhu"]
    assert links and {d["geometry_quality"] for d in links} == {"schematic"}
    assert {d["status"] for d in links} == {"under_construction"}
    assert {d["open_year"] for d in links} == {int(roads.loc["yinzhouhu", "open_year"])}
    assert {d["scheme_member"] for d in links if d["feature_id"] == "yinzhouhu"} == {"纵3"}
    assert not any(d.get("plan_road_id") == "yinzhouhu" for *_, d in graphs[2020].edges(data=True))
    # the added road is on the network: its ends are reached from a township seat
    G = graphs[2035]
    seat = next(n for n, d in G.nodes(data=True) if d["kind"] == "seat")
    reach = nx.single_source_dijkstra_path_length(G, seat, weight="travel_time_s")
    assert (
        "plan:yinzhouhu:0" in reach
        and f"plan:yinzhouhu:{len(roads.geometry['yinzhouhu'].coords) - 1}" in reach
    )


def test_existing_plan_roads_not_in_the_base_are_reported_unplaced_not_added(planned):
    _, _, graphs, table = planned
    assert set(table["status"]) <= set(PLAN_MATCH_STATUSES)
    row = table.loc[(2020, "s47_fojiang")]  # existing; the grid has no S47 and no 佛江高速
    assert row["status"] == "unplaced"
    assert "S47" in row["reason"] and "佛江高速" in row["reason"]
    assert not any(
        d.get("plan_road_id") == "s47_fojiang" for *_, d in graphs[2035].edges(data=True)
    )
    # every plan road existing in the year has exactly one row
    for year in (2020, 2035):
        roads = transport.load("road")
        want = set(roads.loc[transport.exists_in(roads, year), "road_id"])
        assert set(table.xs(year).index) == want


def test_a_project_far_from_the_base_is_unplaced_with_the_distance():
    G = empty_graph("EPSG:4547", None, ("road",))
    add_node(G, "a", 500_000.0, 2_500_000.0, kind="junction")
    add_node(G, "b", 501_000.0, 2_500_000.0, kind="junction")
    add_link(
        G,
        "a",
        "b",
        length_m=1000.0,
        speed_kph=40.0,
        mode="road",
        feature_id="r",
        road_class="local",
    )
    far = gpd.GeoDataFrame(
        {"road_id": ["far"], "name": ["远路"], "road_class": ["expressway"], "status": ["planned"]},
        geometry=[shapely.LineString([(520_000, 2_500_000), (530_000, 2_500_000)])],
        crs="EPSG:4547",
    )
    near = far.assign(
        road_id="near", geometry=[shapely.LineString([(500_200, 2_500_300), (503_000, 2_500_300)])]
    )
    said = add_plan_roads(
        G,
        gpd.GeoDataFrame([*far.to_dict("records"), *near.to_dict("records")], crs="EPSG:4547"),
        SpeedTable(),
    )
    assert "no point of its line within 5 km" in said["far"] and "19.0 km" in said["far"]
    assert said["near"].startswith("added")
    assert "plan:far:0" not in G and nx.has_path(G, "a", "plan:near:1")


@pytest.mark.slow
def test_build_writes_the_match_layer_and_prints_the_summary(planned, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    settings, *_ = planned
    out = tmp_path / "out"
    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "jmgis",
            "build",
            "--network",
            str(settings.network),
            "--years",
            "2035",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "plan roads on the base network, 2035:" in run.stderr
    layer = gpd.read_file(out / "jiangmen.gpkg", layer="network_match")
    assert {"matched", "added", "unplaced"} == set(layer["status"])
    assert layer.loc[layer["road_id"] == "g15_fokai", "scheme_member"].iloc[0] == "纵1"
