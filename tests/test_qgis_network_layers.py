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
