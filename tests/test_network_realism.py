"""Short-trip realism as a failing rule of ``network check`` (issue 15.2): door-to-door
seat trips under 15 km stay under 60 km/h as the crow flies."""

from __future__ import annotations

import networkx as nx
import pytest

from jmgis.network.check import check_network
from jmgis.network.realism import DEFAULT_CROWFLY_BOUND_KPH, DEFAULT_SHORT_TRIP_KM


def _two_seats(kph: float, km: float = 5.0) -> nx.MultiDiGraph:
    """Two seats ``km`` apart joined by one road at ``kph`` (no access legs)."""
    G = nx.MultiDiGraph(crs="EPSG:4547", year=2025)
    G.add_node("seat:a", x=0.0, y=0.0, kind="seat", name="a", ref="a")
    G.add_node("seat:b", x=km * 1000, y=0.0, kind="seat", name="b", ref="b")
    for u, v in (("seat:a", "seat:b"), ("seat:b", "seat:a")):
        G.add_edge(
            u,
            v,
            travel_time_s=km * 1000 / (kph / 3.6),
            length_m=km * 1000,
            mode="road",
            feature_id="r",
            name="r",
        )
    return G


def test_a_short_trip_above_the_bound_fails_the_check():
    report = check_network(2025, G=_two_seats(90), layers={})
    assert len(report.too_fast) == 2 and not report.ok
    assert "faster than 60 km/h" in report.text()
    ok = check_network(2025, G=_two_seats(45), layers={})
    assert ok.too_fast == [] and ok.ok
    # a long trip is not held to the bound
    assert check_network(2025, G=_two_seats(90, km=20), layers={}).ok


def test_the_bound_is_stated_and_can_be_tightened():
    assert DEFAULT_CROWFLY_BOUND_KPH == 60 and DEFAULT_SHORT_TRIP_KM == 15
    report = check_network(2025, G=_two_seats(45), layers={}, crowfly_bound_kph=40)
    assert report.too_fast and not report.ok


@pytest.mark.slow
@pytest.mark.parametrize("year", [2020, 2025, 2035])
def test_bundled_data_holds_the_door_to_door_bound_every_year(year):
    from jmgis.network.build import shared_graph

    G = shared_graph(year)
    report = check_network(year, G=G, layers={})
    st = report.short_trips
    assert st["trips"] > 300  # the rule looks at the seat pairs (384 in the bundled data)
    assert report.too_fast == [], report.too_fast[:5]
    assert st["max_kph"] <= DEFAULT_CROWFLY_BOUND_KPH
    # and it bites: the fastest bundled short trips exceed a bound 20 % tighter
    tight = check_network(year, G=G, layers={}, crowfly_bound_kph=0.8 * st["max_kph"])
    assert tight.too_fast and not tight.ok


def test_cli_network_check_exits_1_on_a_too_fast_short_trip(monkeypatch, capsys):
    import jmgis.network.build as build
    from jmgis.cli import main

    G = _two_seats(90)
    monkeypatch.setattr(build, "shared_graph", lambda year, modes=None: G)
    monkeypatch.setattr("jmgis.network.check.bundled_layers", lambda: {})
    assert main(["network", "check", "--year", "2025"]) == 1
    assert "faster than 60 km/h" in capsys.readouterr().out


def test_cli_crowfly_bound_sets_the_bound_of_the_check(monkeypatch, capsys):
    import json

    import jmgis.network.build as build
    from jmgis.cli import main

    G = _two_seats(45)  # 5 km in 6.7 min: 45 km/h as the crow flies
    monkeypatch.setattr(build, "shared_graph", lambda year, modes=None: G)
    monkeypatch.setattr("jmgis.network.check.bundled_layers", lambda: {})
    # the default is the module constant, and the trip passes it
    assert main(["network", "check", "--year", "2025", "--json"]) == 0
    default = json.loads(capsys.readouterr().out)["short_trips"]
    assert default["bound_kph"] == DEFAULT_CROWFLY_BOUND_KPH
    assert default["max_km"] == DEFAULT_SHORT_TRIP_KM
    # a tighter bound fails it, and the report states the bound it held
    assert main(["network", "check", "--year", "2025", "--crowfly-bound", "40"]) == 1
    assert "faster than 40 km/h" in capsys.readouterr().out
    # a short-trip distance below the trip's 5 km leaves it unchecked
    assert main(["network", "check", "--year", "2025", "--crowfly-bound", "40",
                 "--short-trip-km", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["short_trips"]["trips"] == 0


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_cli_crowfly_bound_must_be_positive(value, capsys):
    from jmgis.cli import main

    assert main(["network", "check", "--crowfly-bound", value]) == 2
    assert "--crowfly-bound" in capsys.readouterr().err
