"""The door-to-door model (issue 15.1): access legs by township kind, terminal times,
junction delays on urban arterials, ramp times at interchanges, no point on a
grade-separated road."""

from __future__ import annotations

import networkx as nx
import pytest

from jmgis.network.door import (
    NET_SUFFIX,
    access_kind,
    add_access_legs,
    add_junction_delays,
    add_ramp_times,
)
from jmgis.routing.engine import travel_time_matrix
from jmgis.speeds import SpeedTable
from tests.network_fixtures import fixture_graph


def _line_graph() -> nx.MultiDiGraph:
    """a — s — b along an arterial, s a seat node the arterial passes through."""
    G = nx.MultiDiGraph(crs="EPSG:4547")
    for n, x, kind, name in (
        ("a", 0, "junction", ""),
        ("seat:1", 1000, "seat", "甲街道"),
        ("b", 2000, "junction", ""),
    ):
        G.add_node(n, x=float(x), y=0.0, kind=kind, ref=n, name=name)
    for u, v in (("a", "seat:1"), ("seat:1", "b")):
        for s, t in ((u, v), (v, u)):
            G.add_edge(
                s,
                t,
                length_m=1000.0,
                travel_time_s=100.0,
                mode="road",
                road_class="arterial",
                feature_id="r",
                name="r",
            )
    return G


def test_access_kind_follows_the_township_kind():
    assert access_kind("街道") == "urban"
    assert access_kind("镇") == "rural"
    assert access_kind(None, "荷塘镇") == "rural"
    assert access_kind(None, "潮连街道") == "urban"
    assert access_kind(None, "somewhere") == "other"


def test_a_trip_to_a_seat_pays_its_access_leg_a_trip_through_it_does_not():
    speeds = SpeedTable()
    G = _line_graph()
    add_access_legs(G, speeds, nodes=["seat:1"])
    t = travel_time_matrix(G, ["a", "seat:1"], ["b", "seat:1"])
    assert t[0, 0] == pytest.approx(200.0)  # through the town: the road only
    leg = speeds.access_leg_s("urban")
    assert leg == pytest.approx(speeds.terminal_s + 500 / (20 / 3.6))
    assert t[0, 1] == pytest.approx(100.0 + leg)
    assert t[1, 1] == 0.0
    # the seat keeps its id and has one edge: the access leg to its network node
    assert list(G.successors("seat:1")) == [f"seat:1{NET_SUFFIX}"]


def test_rural_access_is_slower_per_metre_but_longer():
    speeds = SpeedTable()
    assert speeds.access_leg_s("rural") == pytest.approx(speeds.terminal_s + 1000 / (30 / 3.6))
    # a long connector counts with its own length
    assert speeds.access_leg_s("rural", 3000.0) == pytest.approx(
        speeds.terminal_s + 3000 / (30 / 3.6)
    )
    override = speeds.with_overrides(terminal_s=0, access_m={"rural": 0})
    assert override.access_leg_s("rural") == 0.0


def test_junction_delay_is_per_km_of_urban_classes_and_applied_once():
    speeds = SpeedTable()
    G = _line_graph()
    G.add_node("c", x=1000.0, y=1000.0, kind="junction", ref="c", name="")
    for s, t in (("seat:1", "c"), ("c", "seat:1")):
        G.add_edge(
            s,
            t,
            length_m=1000.0,
            travel_time_s=60.0,
            mode="road",
            road_class="county",
            feature_id="k",
            name="k",
        )
    assert add_junction_delays(G, speeds) == 4  # the arterial both ways, not the county road
    per_km = speeds.junction_delay_s * speeds.junctions_per_km
    assert G.edges["a", "seat:1", 0]["travel_time_s"] == pytest.approx(100 + per_km)
    assert G.edges["c", "seat:1", 0]["travel_time_s"] == 60.0
    assert add_junction_delays(G, speeds) == 0  # applied once
    # a split edge keeps its share: the delay does not depend on the graph's nodes
    H = _line_graph()
    H.remove_edges_from([("a", "seat:1"), ("seat:1", "a")])
    H.add_node("m", x=500.0, y=0.0, kind="junction", ref="m", name="")
    for u, v in (("a", "m"), ("m", "seat:1")):
        for s, t in ((u, v), (v, u)):
            H.add_edge(
                s,
                t,
                length_m=500.0,
                travel_time_s=50.0,
                mode="road",
                road_class="arterial",
                feature_id="r",
                name="r",
            )
    add_junction_delays(H, speeds)
    t = travel_time_matrix(H, ["a"], ["seat:1"])[0, 0]
    assert t == pytest.approx(100 + per_km)


def test_ramp_time_on_entering_and_leaving_an_expressway():
    speeds = SpeedTable()
    G = nx.MultiDiGraph(crs="EPSG:4547")
    for n, kind in (
        ("i", "interchange"),
        ("e1", "junction"),
        ("e2", "junction"),
        ("l", "junction"),
    ):
        G.add_node(n, x=0.0, y=0.0, kind=kind, ref=n, name=n)
    for u, v, mode, cls in (
        ("e1", "e2", "road", "expressway"),
        ("i", "e1", "connector", "ramp"),
        ("i", "l", "connector", "ramp"),
        ("l", "e2", "road", "national"),
    ):
        for s, t in ((u, v), (v, u)):
            G.add_edge(
                s,
                t,
                length_m=0.0,
                travel_time_s=0.0,
                mode=mode,
                road_class=cls,
                feature_id=u + v,
                name="",
            )
    assert add_ramp_times(G, speeds) == 2  # i → e1 and e1 → i; not i ↔ l, not e2 (at grade)
    assert G.edges["i", "e1", 0]["travel_time_s"] == speeds.ramp_s
    assert G.edges["e1", "i", 0]["travel_time_s"] == speeds.ramp_s
    assert G.edges["i", "l", 0]["travel_time_s"] == 0.0


def test_fixture_seats_reach_the_network_over_their_access_leg():
    G = fixture_graph()
    seats = [n for n, d in G.nodes(data=True) if d["kind"] == "seat"]
    assert seats
    for n in seats:
        (edge,) = G.out_edges(n, data=True)
        assert edge[1] == f"{n}{NET_SUFFIX}" and edge[2]["access"]
        kind, snap = G.nodes[n]["access"], edge[2]["snap_m"]
        # the leg and the seat's own connector: terminal + max(snap, access_m) at its speed
        conn = min(
            d["travel_time_s"]
            for _, _, d in G.out_edges(edge[1], data=True)
            if d["mode"] == "connector" and d.get("snap_m") == snap and not d.get("access")
        )
        total = edge[2]["travel_time_s"] + conn
        assert total == pytest.approx(SpeedTable().access_leg_s(kind, snap))


@pytest.mark.slow
def test_bundled_seats_never_join_a_grade_separated_road_and_pay_ramps():
    from jmgis.network.build import shared_graph
    from jmgis.network.connectors import GRADE_SEPARATED_CLASSES

    G = shared_graph(2025)
    classes: dict[str, set] = {}
    for u, v, d in G.edges(data=True):
        if d["mode"] == "road":
            for n in (u, v):
                classes.setdefault(n, set()).add(d.get("road_class"))
    kinds = {}
    for n, d in G.nodes(data=True):
        if d["kind"] not in ("seat", "park", "station", "port"):
            continue
        net = f"{n}{NET_SUFFIX}" if f"{n}{NET_SUFFIX}" in G else n
        for _, target, e in G.out_edges(net, data=True):
            if e["mode"] == "connector" and target in classes:
                # the road node reached has an ordinary road at it
                assert classes[target] - GRADE_SEPARATED_CLASSES, (n, target, classes[target])
        if d["kind"] == "seat":
            kinds[d["name"]] = d["access"]
    assert kinds["潮连街道"] == "urban" and kinds["荷塘镇"] == "rural"
    ramps = [d for _, _, d in G.edges(data=True) if d.get("ramp_s")]
    assert len(ramps) >= 2 * 40  # both ways at most interchanges


def test_points_never_snap_onto_an_expressway_or_a_platform():
    import numpy as np

    from jmgis.routing.snap import enterable_nodes, snap_points

    G = nx.MultiDiGraph(crs="EPSG:4547")
    for n, x, kind in (
        ("e1", 0, "junction"),
        ("e2", 5000, "junction"),
        ("j", 1000, "junction"),
        ("p", 100, "platform"),
        ("p2", 9000, "platform"),
    ):
        G.add_node(n, x=float(x), y=0.0, kind=kind, ref=n, name=n)
    for u, v, mode, cls in (
        ("e1", "e2", "road", "expressway"),
        ("e2", "j", "road", "county"),
        ("p", "p2", "rail", None),
    ):
        for s, t in ((u, v), (v, u)):
            G.add_edge(
                s,
                t,
                length_m=1.0,
                travel_time_s=1.0,
                mode=mode,
                road_class=cls,
                feature_id=u,
                name="",
            )
    assert enterable_nodes(G) == {"e2", "j"}
    snapped = snap_points(G, np.array([[10.0, 0.0]]), max_distance_m=5000)
    assert snapped.nodes == ["j"] and snapped.distance_m[0] == pytest.approx(990)
    legacy = snap_points(G, np.array([[10.0, 0.0]]), max_distance_m=5000, enterable_only=False)
    assert legacy.nodes == ["e1"]
