"""The Jiangmen profile, zone summary, hub isochrones, scenario comparison and CLI."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from jmgis.errors import DataError
from jmgis.jiangmen.scenario import changed_features
from jmgis.jiangmen.township_access import (
    TIME_COLUMNS,
    jiangmen_graph,
    profile,
    targets,
    zone_summary,
)


@pytest.fixture(scope="module")
def prof2025():
    return profile(2025)


def test_profile_has_73_townships_and_every_target(prof2025):
    assert len(prof2025) == 73 and prof2025.code.is_unique
    assert list(prof2025.columns[:3]) == ["code", "name", "year"]
    assert set(TIME_COLUMNS) <= set(prof2025.columns)
    assert (prof2025.year == 2025).all()
    times = prof2025[list(TIME_COLUMNS)].to_numpy()
    assert not np.isnan(times).any() and (times >= 0).all()


def test_profile_times_equal_networkx_on_the_same_graph(prof2025):
    G = jiangmen_graph(2025)
    by_name = {t.name: t for t in targets(G)}
    hsr = by_name["hsr_station"].nodes
    assert hsr, "the 2025 network has HSR stations"
    for code in ("440703002", "440781110", "440785001"):
        lengths = nx.single_source_dijkstra_path_length(G, f"seat:{code}", weight="travel_time_s")
        expected = min(lengths.get(n, math.inf) for n in hsr) / 60
        got = prof2025.set_index("code").at[code, "t_hsr_station_min"]
        assert got == pytest.approx(expected, rel=1e-9)
        gw = lengths.get("gateway:macau", math.inf) / 60
        assert prof2025.set_index("code").at[code, "t_macau_min"] == pytest.approx(gw, rel=1e-9)


def test_stations_outside_the_city_are_not_nearest_station_targets():
    G = jiangmen_graph(2025)
    rail = next(t for t in targets(G) if t.name == "rail_station")
    assert rail.nodes and all("（对外）" not in G.nodes[n]["name"] for n in rail.nodes)


def test_zone_summary_weights_by_population(prof2025):
    pop = pd.DataFrame({"code": prof2025.code, "population": 1.0})
    pop.loc[pop.code == "440703002", "population"] = 1000.0  # 白沙街道, core zone
    z = zone_summary(prof2025, pop)
    core = z[(z.group_code == "core") & (z.target == "city_gov")].iloc[0]
    row = prof2025.set_index("code")
    assert core.mean_min < row.loc[row.index != "440703002", "t_city_gov_min"].mean()
    assert set(z.group_code) == {"core", "bay", "eco"}
    county = zone_summary(prof2025, pop, by="county")
    assert county.groupby(["year", "target"]).units.sum().eq(73).all()
    bad = pop.copy()
    bad.loc[3, "population"] = np.nan
    with pytest.raises(DataError, match="population"):
        zone_summary(prof2025, bad)


def test_changed_features_ignores_resplitting_but_sees_new_and_faster_roads():
    def graph(split: bool, fast: bool, new: bool):
        G = nx.MultiDiGraph()
        if split:
            G.add_edge("a", "m", travel_time_s=50.0, length_m=500.0, feature_id="r1", mode="road")
            G.add_edge("m", "b", travel_time_s=50.0, length_m=500.0, feature_id="r1", mode="road")
        else:
            G.add_edge("a", "b", travel_time_s=100.0, length_m=1000.0, feature_id="r1", mode="road")
        t2 = 30.0 if fast else 60.0
        G.add_edge("b", "c", travel_time_s=t2, length_m=900.0, feature_id="r2", mode="road")
        if new:
            G.add_edge("a", "c", travel_time_s=70.0, length_m=1500.0, feature_id="r3", mode="road")
        return G

    diff = changed_features(graph(False, False, False), graph(True, True, True))
    assert dict(zip(diff.feature_id, diff.change, strict=True)) == {"r2": "changed", "r3": "new"}


@pytest.mark.slow
def test_scenario_changes_are_attributed_to_changed_features_on_the_paths():
    from jmgis.access import shortest_path
    from jmgis.jiangmen.scenario import compare_years

    result = compare_years(2020, 2025)
    tw = result.township
    assert len(tw) == 73 * len(TIME_COLUMNS)
    changed = tw[tw.change_min.abs() > 0.05]
    assert len(changed) > 0
    assert changed.projects.map(len).gt(0).all()
    new_ids = set(result.features.feature_id)
    G = jiangmen_graph(2025)
    gains = changed[changed.change_min < 0].head(5)
    for _, row in gains.iterrows():
        assert set(row.features) <= new_ids
        target = next(t for t in targets(G) if t.name == row.target)
        lengths = nx.single_source_dijkstra_path_length(
            G, f"seat:{row.code}", weight="travel_time_s"
        )
        best = min(target.nodes, key=lambda n: lengths.get(n, math.inf) + 0)
        path = shortest_path(G, f"seat:{row.code}", best)
        on_path = {
            G.edges[u, v, k].get("feature_id") for u, v in itertools.pairwise(path) for k in G[u][v]
        }
        assert set(row.features) & on_path
    unchanged = tw[tw.change_min.abs() <= 0.05]
    assert unchanged.projects.map(len).eq(0).all()
    zone = result.zone
    assert set(zone.group_code) == {"core", "bay", "eco"}
    assert np.allclose(zone.change_mean_min, zone.mean_min_after - zone.mean_min_before)


@pytest.mark.slow
def test_cli_writes_csvs(tmp_path):
    from jmgis.cli import main

    assert main(["access", "--year", "2025", "--compare", "2020", "--out", str(tmp_path)]) == 0
    township = pd.read_csv(tmp_path / "access_township.csv", dtype={"code": str})
    assert len(township) == 146 and set(township.year) == {2020, 2025}
    change = pd.read_csv(tmp_path / "access_change.csv", dtype={"code": str})
    assert {"code", "target", "change_min", "projects"} <= set(change.columns)
    assert main(["access", "--year", "1999", "--out", str(tmp_path)]) == 2
    pop = tmp_path / "pop.csv"
    pd.DataFrame({"code": township.code.unique(), "population": 1000}).to_csv(pop, index=False)
    out2 = tmp_path / "user"
    assert main(["access", "--year", "2025", "--population", str(pop), "--out", str(out2)]) == 0
    zone = pd.read_csv(out2 / "access_zone.csv")
    assert set(zone.population) <= {1000 * n for n in zone.units}
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"code": ["440703002"], "population": ["many"]}).to_csv(bad, index=False)
    assert main(["access", "--year", "2025", "--population", str(bad), "--out", str(out2)]) == 2


@pytest.mark.slow
def test_hub_isochrones_are_nested_and_inside_the_city():
    import shapely

    from jmgis.admin import load_city
    from jmgis.jiangmen.township_access import hub_isochrones

    iso = hub_isochrones(2025)
    assert set(iso.origin_name) == {"江门站", "广海湾港区", "江门市人民政府"}
    assert iso.crs.to_epsg() == 4490
    city = shapely.union_all(load_city().to_crs(4547).geometry.to_numpy()).buffer(1)
    iso_m = iso.to_crs(4547)
    assert all(city.contains(g) for g in iso_m.geometry)
    for _, rows in iso_m.groupby("origin_name"):
        areas = rows.sort_values("band_min").geometry.area.to_numpy()
        assert (np.diff(areas) >= 0).all() and areas[-1] > 0
