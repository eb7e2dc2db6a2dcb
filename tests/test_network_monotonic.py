"""Monotonic scenarios (issue 15.3): slower pairs are listed with the features
responsible; the model keeps every listed expressway of an interchange."""

from __future__ import annotations

import networkx as nx
import pytest

from jmgis.network.check import check_network
from jmgis.network.monotonic import slower_pairs


def _net(with_fast: bool = True, seat_b_on: str = "y") -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4547", year=2025)
    for n, x, kind in (
        ("seat:a", 0, "seat"),
        ("x", 0, "junction"),
        ("y", 10_000, "junction"),
        ("z", 10_100, "junction"),
        ("seat:b", 10_000, "seat"),
    ):
        G.add_node(n, x=float(x), y=0.0, kind=kind, name=n)

    def link(u, v, t, fid, mode="road"):
        for a, b in ((u, v), (v, u)):
            G.add_edge(a, b, travel_time_s=t, length_m=1.0, mode=mode, feature_id=fid, name=fid)

    link("seat:a", "x", 0.0, "a", "connector")
    link("x", "y", 1200.0, "slow_road")
    if with_fast:
        link("x", "y", 400.0, "fast_road")
    link("y", "z", 600.0, "lane")
    link("seat:b", seat_b_on, 0.0, "b", "connector")
    return G


def test_a_removed_road_is_named_as_the_cause():
    rows = slower_pairs(_net(), _net(with_fast=False))
    assert {(r["origin"], r["destination"]) for r in rows} == {
        ("seat:a", "seat:b"),
        ("seat:b", "seat:a"),
    }
    for r in rows:
        assert r["delta_min"] == pytest.approx(800 / 60, abs=0.01)
        assert [f["feature_id"] for f in r["responsible"]] == ["fast_road"]
        assert r["responsible"][0]["change"] == "removed"


def test_a_reconnected_seat_is_slower_without_a_cause():
    """The model artefact of the issue: the seat joins another road, nothing closed."""
    rows = slower_pairs(_net(), _net(seat_b_on="z"))
    assert rows and all(r["responsible"] == [] for r in rows)
    report = check_network(2025, G=_net(seat_b_on="z"), layers={}, since=2020, G_since=_net())
    assert report.unexplained_slower and not report.ok
    assert "without a cause" in report.text()


def test_faster_or_equal_networks_have_no_slower_pairs():
    assert slower_pairs(_net(with_fast=False), _net()) == []
    assert slower_pairs(_net(), _net()) == []


@pytest.mark.slow
def test_bundled_interchanges_keep_every_listed_expressway_and_liangxi_is_not_slower():
    from jmgis import transport
    from jmgis.network.build import shared_graph

    G = shared_graph(2035)
    ic = transport.load("interchange")
    roads_by_node: dict[str, set] = {}
    for u, _v, d in G.edges(data=True):
        if d.get("road_class") == "expressway":
            roads_by_node.setdefault(u, set()).add(d.get("feature_id"))
    present = {d.get("feature_id") for _, _, d in G.edges(data=True)}
    for _, row in ic.iterrows():
        node = f"interchange:{row['interchange_id']}"
        if node not in G or not isinstance(row.get("road_ids"), list):
            continue
        joined = set().union(*(roads_by_node.get(v, set()) for v in G.successors(node)))
        for road in row["road_ids"]:
            if road in present:
                assert road in joined, (row["interchange_id"], road)
    rows = slower_pairs(shared_graph(2025), G)
    assert not [r for r in rows if "良西镇" in (r["origin_name"], r["destination_name"])]
    assert len(rows) < 101  # the count before the fix


def test_compare_years_names_the_lost_access():
    from jmgis.jiangmen.scenario import _lost_accesses

    before, after = _net(), _net(seat_b_on="z")
    assert _lost_accesses(before, after, "seat:a", "seat:b") == {"access:b"}
    assert _lost_accesses(before, before, "seat:a", "seat:b") == set()


def test_short_trips_faster_than_the_crowfly_bound_are_listed():
    from jmgis.network.realism import short_trip_speeds

    def two_seats(kph: float) -> nx.MultiDiGraph:
        G = nx.MultiDiGraph(crs="EPSG:4547")
        G.add_node("seat:a", x=0.0, y=0.0, kind="seat", name="a")
        G.add_node("seat:b", x=3000.0, y=0.0, kind="seat", name="b")
        for u, v in (("seat:a", "seat:b"), ("seat:b", "seat:a")):
            G.add_edge(u, v, travel_time_s=3000 / (kph / 3.6), length_m=3000.0, mode="road")
        return G

    fast = short_trip_speeds(two_seats(90), bound_kph=60)
    assert fast["trips"] == 2 and len(fast["too_fast"]) == 2
    assert fast["too_fast"][0]["kph"] == pytest.approx(90, abs=0.1)
    assert short_trip_speeds(two_seats(40), bound_kph=60)["too_fast"] == []
    assert short_trip_speeds(two_seats(90), max_km=2)["trips"] == 0  # 3 km is not short


@pytest.mark.slow
@pytest.mark.parametrize(("before", "after"), [(2020, 2025), (2020, 2035), (2025, 2035)])
def test_bundled_scenarios_are_monotonic(before, after):
    """No seat pair is slower in a later year (issue 15.3), at any tolerance."""
    from jmgis.network.build import shared_graph

    assert slower_pairs(shared_graph(before), shared_graph(after), tolerance_s=0.01) == []


@pytest.mark.slow
def test_network_check_since_2020_lists_no_slower_pair(capsys):
    from jmgis.cli import main

    for year in (2025, 2035):
        assert main(["network", "check", "--year", str(year), "--since", "2020"]) == 0
        out = capsys.readouterr().out
        assert "slower than in 2020 without a cause in the data: 0" in out
        assert "slower than in 2020 with a cause (information): 0" in out
