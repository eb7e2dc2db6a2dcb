"""The network as GeoPackage layers: nodes and links with travel times per year."""

from __future__ import annotations

import networkx as nx
import pytest

from jmgis.io.qgis.network_layers import graph_layers, network_layers
from jmgis.layers import layer_spec


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4547")
    for node, x in (("a", 400_000.0), ("b", 410_000.0), ("c", 420_000.0)):
        G.add_node(node, x=x, y=2_500_000.0, kind="junction", ref=node, name=node.upper())
    common = {"mode": "road", "name": "路", "road_class": "primary", "speed_kph": 60.0}
    G.add_edge("a", "b", length_m=10_000.0, travel_time_s=600.0, feature_id="r1", **common)
    G.add_edge("b", "a", length_m=10_000.0, travel_time_s=660.0, feature_id="r1", **common)
    G.add_edge("b", "c", length_m=10_000.0, travel_time_s=600.0, feature_id="r2", **common)
    return G


def test_links_carry_both_directions_travel_times_on_one_row():
    layers = graph_layers(_graph(), 2030)
    edges = layers["network_edge"].set_index("feature_id")
    assert len(edges) == 2
    assert edges.loc["r1", "two_way"] and not edges.loc["r2", "two_way"]
    assert edges.loc["r1", "travel_min"] == pytest.approx(10.0)
    assert edges.loc["r1", "travel_min_back"] == pytest.approx(11.0)
    assert edges.loc["r2", "travel_min_back"] != edges.loc["r2", "travel_min_back"]  # NaN
    assert (edges["geometry_quality"] == "schematic").all()
    assert layers["network_edge"].crs.to_epsg() == 4490
    nodes = layers["network_node"]
    assert nodes["node_id"].tolist() == ["a", "b", "c"] and (nodes["year"] == 2030).all()
    for name, frame in layers.items():
        assert [c for c in frame.columns if c != "geometry"] == layer_spec(name).field_names


@pytest.mark.slow
def test_every_year_of_the_bundled_network_is_a_layer_set():
    from jmgis.network.build import shared_graph

    layers = network_layers([2020, 2035])
    nodes, edges = layers["network_node"], layers["network_edge"]
    for year in (2020, 2035):
        G = shared_graph(year)
        assert (nodes["year"] == year).sum() == G.number_of_nodes()
        mine = edges[edges["year"] == year]
        assert mine["two_way"].sum() * 2 + (~mine["two_way"]).sum() <= G.number_of_edges()
    assert edges["source"].notna().all() and (edges["travel_min"] >= 0).all()


def test_links_are_drawn_by_class_roads_like_the_road_layer_other_links_by_mode():
    from jmgis import style
    from jmgis.io.qgis.styledef import layer_style

    G = _graph()
    G.add_node("s", x=430_000.0, y=2_500_000.0, kind="station")
    G.add_edge("c", "s", length_m=500.0, travel_time_s=120.0, mode="connector", feature_id="c1")
    G.add_edge("s", "a", length_m=9_000.0, travel_time_s=300.0, mode="rail", feature_id="l1")
    edges = graph_layers(G, 2030)["network_edge"]
    got = layer_style(layer_spec("network_edge"), edges)
    assert got.renderer == "categorizedSymbol" and got.attr == "link_class"
    by_value = {c.value: c for c in got.categories}
    # every class present has a category (nothing drawn in a fallback grey unannounced)
    assert set(by_value) == set(edges["link_class"])
    assert by_value["rail"].symbol.color == style.RAIL_DEFAULT_STYLE["color"]
    assert by_value["connector"].symbol.dash  # derived links are dashed
    assert by_value["connector"].label == style.LINK_CLASS_STYLES["connector"]["label"]


def test_the_users_network_gives_the_network_layers(tmp_path):
    from jmgis.settings import Settings
    from tests.owndata_fixtures import grid_layer

    grid_layer(tmp_path / "grid.gpkg")
    (tmp_path / "classes.yaml").write_text(
        "省道: provincial\n县道: county\n乡道: township\n", encoding="utf-8"
    )
    settings = Settings.load().replace(
        network=tmp_path / "grid.gpkg",
        network_class_field="DLDJ",
        network_class_map=tmp_path / "classes.yaml",
    )
    edges = network_layers([2025], settings)["network_edge"]
    roads = edges[edges["mode"] == "road"]
    grid_classes = {"provincial", "county", "township"}
    assert grid_classes <= set(roads["link_class"])
    # the user's roads keep their mapped classes; the plan's projects missing from the grid
    # are added as links citing their plan line, never as the bundled schematic network
    from_grid = roads["source"] == "jmgis.network.build_graph"
    assert set(roads.loc[from_grid, "link_class"]) <= grid_classes
    assert roads.loc[~from_grid, "source"].str.contains(r"\.txt:\d+").all()
    assert len(roads) > 1000  # the 0.04° grid, not the bundled 56 roads
