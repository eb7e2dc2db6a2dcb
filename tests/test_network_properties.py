"""Property tests of the door-to-door model (issue 15.6, hypothesis): adding a road never
makes a trip slower, and no trip beats the straight line at the top speed plus its two
terminal times."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jmgis.network.door import door_to_door
from jmgis.routing.engine import travel_time_matrix
from jmgis.speeds import SpeedTable

CLASSES = ("arterial", "county", "national", "expressway", "local")
SPEEDS = SpeedTable()
TOP_KPH = max(SPEEDS.road_speed(c) for c in CLASSES)


def _add_road(G: nx.MultiDiGraph, u: str, v: str, cls: str, circuity: float) -> None:
    straight = float(np.hypot(G.nodes[u]["x"] - G.nodes[v]["x"], G.nodes[u]["y"] - G.nodes[v]["y"]))
    length = straight * circuity
    for a, b in ((u, v), (v, u)):
        G.add_edge(
            a,
            b,
            length_m=length,
            travel_time_s=length / (SPEEDS.road_speed(cls) / 3.6),
            mode="road",
            road_class=cls,
            feature_id=f"{u}-{v}",
            name="",
        )


def _connector(G: nx.MultiDiGraph, u: str, v: str, **extra) -> None:
    dist = float(np.hypot(G.nodes[u]["x"] - G.nodes[v]["x"], G.nodes[u]["y"] - G.nodes[v]["y"]))
    for a, b in ((u, v), (v, u)):
        G.add_edge(
            a,
            b,
            length_m=dist,
            travel_time_s=dist / (SPEEDS.connector_speed_kph / 3.6),
            mode="connector",
            feature_id=u,
            name="",
            snap_m=dist,
            **extra,
        )


@st.composite
def networks(draw):
    """A random road network with seats and an interchange, before the door-to-door model,
    and one more road to add."""
    n = draw(st.integers(4, 9))
    xy = draw(
        st.lists(
            st.tuples(st.floats(0, 20_000), st.floats(0, 20_000)),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    G = nx.MultiDiGraph(crs="EPSG:4547")
    for i, (x, y) in enumerate(xy):
        G.add_node(f"j{i}", x=x, y=y, kind="junction", ref=str(i), name="")
    # a spanning chain plus random extra roads
    for i in range(1, n):
        j = draw(st.integers(0, i - 1))
        _add_road(G, f"j{i}", f"j{j}", draw(st.sampled_from(CLASSES)), draw(st.floats(1, 1.5)))
    for _ in range(draw(st.integers(0, n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b:
            _add_road(G, f"j{a}", f"j{b}", draw(st.sampled_from(CLASSES)), draw(st.floats(1, 1.5)))
    # seats beside junctions, urban and rural
    seats = []
    for s in range(draw(st.integers(2, 4))):
        at = draw(st.integers(0, n - 1))
        dx, dy = draw(st.floats(-1500, 1500)), draw(st.floats(-1500, 1500))
        name = draw(st.sampled_from(("甲街道", "乙镇")))
        node = f"seat:{s}"
        G.add_node(node, x=xy[at][0] + dx, y=xy[at][1] + dy, kind="seat", ref=str(s), name=name)
        _connector(G, node, f"j{at}")
        seats.append(node)
    # an interchange between two junctions (its ramps)
    a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
    G.add_node("interchange:i", x=xy[a][0], y=xy[a][1], kind="interchange", ref="i", name="")
    _connector(G, "interchange:i", f"j{a}", road_class="ramp")
    _connector(G, "interchange:i", f"j{b}", road_class="ramp")
    extra = (
        draw(st.integers(0, n - 1)),
        draw(st.integers(0, n - 1)),
        draw(st.sampled_from(CLASSES)),
        draw(st.floats(1, 1.5)),
    )
    return G, seats, extra


def _model(R: nx.MultiDiGraph, seats: list[str]) -> nx.MultiDiGraph:
    G = R.copy()
    door_to_door(G, SPEEDS, nodes=seats)
    return G


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_adding_a_road_never_makes_a_trip_slower(case):
    R, seats, (a, b, cls, circuity) = case
    before = travel_time_matrix(_model(R, seats), seats, seats)
    if a != b:
        _add_road(R, f"j{a}", f"j{b}", cls, circuity)
    after = travel_time_matrix(_model(R, seats), seats, seats)
    finite = np.isfinite(before)
    assert np.all(np.isfinite(after[finite]))
    assert np.all(after[finite] <= before[finite] + 1e-6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_no_trip_beats_the_straight_line_at_top_speed_plus_terminal_times(case):
    R, seats, _ = case
    G = _model(R, seats)
    t = travel_time_matrix(G, seats, seats)
    xy = np.array([(G.nodes[s]["x"], G.nodes[s]["y"]) for s in seats])
    crow_m = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    floor = crow_m / (TOP_KPH / 3.6) + 2 * SPEEDS.terminal_s
    off = ~np.eye(len(seats), dtype=bool) & np.isfinite(t)
    assert np.all(t[off] >= floor[off] - 1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("year", [2020, 2035])
def test_bundled_seat_trips_respect_the_straight_line_floor(year):
    from jmgis.network.build import shared_graph

    G = shared_graph(year, ("road",))
    seats = [n for n, d in G.nodes(data=True) if d["kind"] == "seat"]
    top = max(d["speed_kph"] for _, _, d in G.edges(data=True) if d.get("speed_kph"))
    t = travel_time_matrix(G, seats, seats)
    xy = np.array([(G.nodes[s]["x"], G.nodes[s]["y"]) for s in seats])
    crow_m = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    floor = crow_m / (top / 3.6) + 2 * SpeedTable().terminal_s
    off = ~np.eye(len(seats), dtype=bool) & np.isfinite(t)
    assert off.sum() > 70 * 70
    assert np.all(t[off] >= floor[off] - 1e-6)
