"""A user's points (QGIS OD matrix, facility access) are trip ends like the seats: on a
door-to-door graph :func:`jmgis.routing.snap.points_travel_time_matrix` gives them the
access leg of the speed table, never the seats' own leg on top (issue 15 leftover)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from jmgis.routing.snap import (
    DEFAULT_OFFNET_SPEED_KPH,
    offnet_seconds,
    point_access_kinds,
    points_travel_time_matrix,
    trip_end_nodes,
)
from jmgis.speeds import SpeedTable


def _door_graph(door: bool = True) -> nx.MultiDiGraph:
    """a —road 3 km, 60 s— b; a trip end ``seat:s`` at a's position with its access leg."""
    G = nx.MultiDiGraph(crs="EPSG:4547")
    G.add_node("a", x=0.0, y=0.0, kind="junction")
    G.add_node("b", x=3000.0, y=0.0, kind="junction")
    G.add_node("seat:s", x=0.0, y=0.0, kind="seat", name="s")
    for u, v in (("a", "b"), ("b", "a")):
        G.add_edge(u, v, travel_time_s=60.0, length_m=3000.0, mode="road", road_class="county")
    for u, v in (("seat:s", "a"), ("a", "seat:s")):
        G.add_edge(u, v, travel_time_s=500.0, length_m=0.0, mode="connector", access=True)
    if door:
        G.graph["door_to_door"] = {"access_legs": 1}
    return G


def test_points_on_a_door_to_door_graph_get_the_access_leg_of_their_kind():
    G = _door_graph()
    assert trip_end_nodes(G) == {"seat:s"}
    speeds = SpeedTable()
    origins = np.array([[0.0, 40.0]])  # 40 m from a (and from seat:s)
    dests = np.array([[3000.0, 300.0]])  # 300 m from b
    got = points_travel_time_matrix(
        G, origins, dests, origin_access="urban", destination_access="rural", speeds=speeds
    )
    # never through the seat's 500 s leg: the point snaps to a, and pays its own leg
    want = 60.0 + speeds.access_leg_s("urban", 40.0) + speeds.access_leg_s("rural", 300.0)
    assert got[0, 0] == pytest.approx(want)
    # the leg is the seats' one: terminal time plus at least access_m at the access speed
    assert speeds.access_leg_s("rural", 300.0) > speeds.terminal_s
    # without a speed table, the graph's, else the default one
    G.graph["door_speeds"] = speeds
    assert points_travel_time_matrix(
        G, origins, dests, origin_access="urban", destination_access="rural"
    )[0, 0] == pytest.approx(want)


def test_points_on_another_graph_keep_the_off_network_leg():
    G = _door_graph(door=False)
    origins, dests = np.array([[0.0, 40.0]]), np.array([[3000.0, 300.0]])
    got = points_travel_time_matrix(G, origins, dests)
    leg = offnet_seconds(np.array([40.0, 300.0]), DEFAULT_OFFNET_SPEED_KPH)
    assert got[0, 0] == pytest.approx(60.0 + leg.sum())
    # and the door-to-door leg on request
    door = points_travel_time_matrix(G, origins, dests, door_to_door=True,
                                     origin_access="other", destination_access="other")
    table = SpeedTable()
    assert door[0, 0] == pytest.approx(
        60.0 + table.access_leg_s("other", 40.0) + table.access_leg_s("other", 300.0)
    )


def test_access_kinds_of_points_are_those_of_their_township():
    from jmgis import admin

    townships = admin.load_townships()
    inside = townships.geometry.representative_point()
    kinds = point_access_kinds(gpd.GeoSeries(inside, crs=townships.crs), "EPSG:4547")
    want = ["urban" if k == "街道" else "rural" for k in townships["kind"]]
    assert kinds == want
    far = gpd.GeoSeries([shapely.Point(120.0, 30.0)], crs="EPSG:4490")
    assert point_access_kinds(far, "EPSG:4547") == ["other"]


def test_points_at_the_seats_take_exactly_the_seat_to_seat_times():
    """The bundled graph: an OD matrix of points placed on township seats equals the
    graph's seat-to-seat times (both ends' access legs), which the profile uses."""
    from jmgis import admin
    from jmgis.network.build import shared_graph
    from jmgis.routing.engine import travel_time_matrix

    G = shared_graph(2025)
    seats = admin.load_seats().iloc[::6]
    got = points_travel_time_matrix(G, seats.geometry, seats.geometry)
    nodes = [f"seat:{c}" for c in seats["code"]]
    want = travel_time_matrix(G, nodes, nodes)
    off = ~np.eye(len(nodes), dtype=bool)
    np.testing.assert_allclose(got[off], want[off], rtol=1e-9)
    # a trip from a point to itself pays its two trip ends, as a facility at a seat does
    table = G.graph.get("door_speeds") or SpeedTable()
    kinds = point_access_kinds(seats.geometry, G.graph["crs"])
    np.testing.assert_allclose(
        np.diag(got), [2 * table.access_leg_s(k, 0.0) for k in kinds], atol=1e-6
    )


def test_qgis_route_od_matrix_and_facility_access_agree_on_the_same_points():
    """The three QGIS algorithms give a pair of points the same minutes: one leg rule."""
    from jmgis import admin
    from jmgis.io.qgis import algorithms as algs

    seats = admin.load_seats()
    a, b = seats.iloc[[20]], seats.iloc[[60]]
    route = algs.route(a, b, 2025)
    od = algs.od_matrix(a, b, 2025)
    fca = algs.facility_access(a, b.assign(cap=1.0), 2025, capacity_field="cap")
    minutes = float(route["minutes"].iloc[0])
    assert float(od["minutes"].iloc[0]) == pytest.approx(minutes, rel=1e-9)
    assert float(fca["nearest_min"].iloc[0]) == pytest.approx(minutes, rel=1e-9)


def test_enterable_nodes_of_a_subgraph_view_are_those_of_its_copy():
    """The fast path for induced views (city hall, hubs) reads the same edges."""
    from jmgis.routing.snap import enterable_nodes

    G = _door_graph()
    G.add_node("e1", x=0.0, y=500.0, kind="junction")
    G.add_node("e2", x=900.0, y=500.0, kind="junction")
    for u, v in (("e1", "e2"), ("e2", "e1")):
        G.add_edge(u, v, travel_time_s=30.0, length_m=900.0, mode="road",
                   road_class="expressway")
    G.add_edge("e1", "a", travel_time_s=0.0, length_m=0.0, mode="connector")
    view = G.subgraph(["a", "b", "e1", "e2"])
    assert enterable_nodes(view) == enterable_nodes(nx.MultiDiGraph(view)) == {"a", "b"}
    # an expressway node is not opened by its connector (entered at the junction)
    assert "e1" not in enterable_nodes(G)
