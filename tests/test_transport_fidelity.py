"""The bundled transport data held to real geometry and to the plans (issue 14)."""

from __future__ import annotations

import importlib
import importlib.util
import shutil

import pandas as pd
import pytest
import yaml

from jmgis.errors import DataError
from jmgis.paths import transport_dir
from jmgis.transport.scenario import as_of, exists_in, upgraded_in

tload = importlib.import_module("jmgis.transport.load")

DATA = transport_dir()
BAISHA_PENGJIANG = "seat_440703002"  # 蓬江区白沙街道
BAISHA_TAISHAN = "seat_440781103"  # 台山市白沙镇


def _copy(tmp_path):
    target = tmp_path / "transport"
    shutil.copytree(DATA, target)
    return target


def _edit(directory, file, id_field, fid, change):
    path = directory / file
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rec in records:
        if rec[id_field] == fid:
            change(rec)
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _load(directory):
    tload._load_all.cache_clear()
    try:
        return tload._load_all(str(directory))
    finally:
        tload._load_all.cache_clear()


def _swap(old, new):
    def change(rec):
        rec["via"] = [new if v == old else v for v in rec["via"]]

    return change


@pytest.mark.parametrize("road_id", ["u_jiangmen_dadao_n", "u_jiangqiao"])
def test_the_baisha_roads_run_through_pengjiang(road_id):
    road = tload.load("road").set_index("road_id").loc[road_id]
    via = road["via"].split(",")
    assert BAISHA_PENGJIANG in via and BAISHA_TAISHAN not in via
    assert {v.removeprefix("seat_")[:6] for v in via if v.startswith("seat_")} <= {
        "440703",
        "440704",
        "440705",
    }


@pytest.mark.parametrize("road_id", ["u_jiangmen_dadao_n", "u_jiangqiao"])
def test_a_road_through_the_wrong_baisha_is_refused(tmp_path, road_id):
    data = _copy(tmp_path)
    _edit(data, "roads.yaml", "road_id", road_id, _swap(BAISHA_PENGJIANG, BAISHA_TAISHAN))
    with pytest.raises(DataError) as info:
        _load(data)
    assert info.value.feature == road_id and info.value.field == "via"


def test_a_taishan_road_through_pengjiang_baisha_is_refused(tmp_path):
    data = _copy(tmp_path)
    swap = _swap(BAISHA_TAISHAN, BAISHA_PENGJIANG)
    _edit(data, "roads.yaml", "road_id", "s26_zhongkai_west", swap)
    with pytest.raises(DataError) as info:
        _load(data)
    assert info.value.feature == "s26_zhongkai_west" and info.value.field == "via"


def test_a_long_detour_is_refused(tmp_path):
    data = _copy(tmp_path)

    def detour(rec):
        rec["via"] = [rec["via"][0], "seat_440785001", rec["via"][-1]]  # 恩平 恩城

    _edit(data, "roads.yaml", "road_id", "u_jiangqiao", detour)
    with pytest.raises(DataError, match="times") as info:
        _load(data)
    assert info.value.feature == "u_jiangqiao"


# ------------------------------------------------------------------ upgrades (issue 14.2)
UPGRADES = ["u_huasheng", "u_jiangqiao", "u_yingbin"]


@pytest.mark.parametrize("year", [2020, 2025, 2030, 2035])
def test_upgraded_roads_exist_in_every_year(year):
    roads = tload.load("road")
    present = set(roads.loc[exists_in(roads, year), "road_id"])
    assert set(UPGRADES) <= present


def test_an_upgrade_changes_class_and_speed_from_its_year():
    roads = tload.load("road")
    before = as_of(roads, 2020).set_index("road_id")
    after = as_of(roads, 2035).set_index("road_id")
    for rid in UPGRADES:
        assert before.loc[rid, "road_class"] != after.loc[rid, "road_class"]
        assert after.loc[rid, "road_class"] == after.loc[rid, "upgrade_class"]
        assert after.loc[rid, "speed_kph"] > before.loc[rid, "speed_kph"]
    untouched = roads.loc[roads["status"] != "upgrade", "road_id"]
    assert (before.loc[untouched, "road_class"] == after.loc[untouched, "road_class"]).all()


def test_an_upgrade_year_moves_the_change(tmp_path):
    data = _copy(tmp_path)
    _edit(data, "roads.yaml", "road_id", "u_yingbin", lambda r: r.update(upgrade_year=2025))
    roads = _load(data)["road"]
    mid = as_of(roads, 2025).set_index("road_id").loc["u_yingbin"]
    early = as_of(roads, 2024).set_index("road_id").loc["u_yingbin"]
    assert mid["road_class"] == "urban_expressway" and early["road_class"] == "arterial"
    assert list(upgraded_in(roads, 2025)[roads["road_id"] == "u_yingbin"]) == [True]


def test_upgrade_fields_on_a_new_road_are_refused(tmp_path):
    data = _copy(tmp_path)
    _edit(
        data,
        "roads.yaml",
        "road_id",
        "u_west_side_road",
        lambda r: r.update(upgrade_class="urban_expressway"),
    )
    with pytest.raises(DataError) as info:
        _load(data)
    assert info.value.feature == "u_west_side_road" and info.value.field == "upgrade_class"


@pytest.mark.slow
def test_the_network_uses_the_upgraded_speed():
    from jmgis.network import build_graph

    speeds = {}
    for year in (2020, 2035):
        G = build_graph(year, modes=("road",))
        speeds[year] = {
            d["speed_kph"] for _, _, d in G.edges(data=True) if d.get("feature_id") == "u_yingbin"
        }
    assert speeds[2020] and speeds[2035]
    assert max(speeds[2035]) > max(speeds[2020])


# ------------------------------------------------------------------ 江门北站 (issue 14.1)
NORTH = "stn_jiangmen_north"


def _check(directory, fid):
    from jmgis.catalog.transport_check import check_transport_sources

    return [p for p in check_transport_sources(directory) if p.id == fid]


def test_jiangmen_north_is_the_freight_end_of_the_nansha_port_railway():
    stations = tload.load("station").set_index("station_id")
    north = stations.loc[NORTH]
    assert north["kind"] == "freight" and north["status"] == "existing"
    assert north["lines"] == "nanshagang_freight"
    assert north["township_code"].startswith("440784")  # 鹤山市 (珠西国际物流中心)
    rail = tload.load("rail").set_index("line_id")
    assert rail.loc["nanshagang_freight", "via"].split(",")[0] == north["point_id"]
    assert NORTH not in rail.loc["nanshagang", "stations"].split(",")


def test_jiangmen_north_has_no_invented_coordinate():
    points = tload.load("control_point").set_index("point_id")
    point = points.loc[NORTH]
    # placed by a stated rule (no published coordinate), unless the OSM build moved it
    assert point["geometry_quality"] in ("schematic", "osm_skeleton")
    assert "PLACED" in point["source"] and "no published coordinate" in point["source"]


@pytest.mark.parametrize("year", [2020, 2025, 2035])
def test_jiangmen_north_exists_in_every_year(year):
    # 000:264 (newer plan): phase 1 in use in the 13th FYP; no opening year is stated
    stations = tload.load("station")
    assert NORTH in set(stations.loc[exists_in(stations, year), "station_id"])


@pytest.mark.parametrize("status", ["under_construction", "planned", "conceptual"])
def test_a_wrong_status_of_jiangmen_north_fails_the_source_check(tmp_path, status):
    from jmgis.paths import seeds_dir

    if seeds_dir() is None:
        pytest.skip("plan documents (seeds) absent")
    assert _check(DATA, NORTH) == []
    data = _copy(tmp_path)
    _edit(data, "stations.yaml", "station_id", NORTH, lambda r: r.update(status=status))
    problems = _check(data, NORTH)
    assert [p.field for p in problems] == ["status"], problems


# ------------------------------------------------------- 004's road extensions (issue 14.1)
EXTENSIONS = {  # road id → status (004:287)
    "u_shengli_south_ext": "planned",
    "u_jiangmu_south_ext": "planned",
    "u_lianhai_south_ext": "planned",
    "u_huigang_east_ext": "planned",
    "u_yinlu_east_ext": "planned",
    "u_zhenxing_jinou": "conceptual",
}


def test_the_road_extensions_of_004_are_in_the_road_layer():
    roads = tload.load("road").set_index("road_id")
    for rid, status in EXTENSIONS.items():
        road = roads.loc[rid]
        assert road["status"] == status and road["open_year"] is pd.NA, rid
        assert "004_51a363e383b126b9.txt:287" in road["source"], rid
        assert "alignment NOT sourced" in road["source"] and road["geometry_quality"] == "schematic"
        # only control points of 江海区 and 新会区 (the 高新区 and 睦洲/三江 of 004:287)
        counties = {v.removeprefix("seat_")[:6] for v in road["via"].split(",")}
        assert counties <= {"440704", "440705"}, rid


def test_an_extension_starts_where_the_road_it_extends_ends():
    via = tload.load("road").set_index("road_id")["via"].str.split(",")
    assert via["u_huigang_east_ext"][0] == via["u_huigang"][-1]
    assert via["u_yinlu_east_ext"][0] == via["u_yinlu"][-1]
    assert via["u_lianhai_south_ext"][0] == via["u_dongdi_lianhai"][-1]


@pytest.mark.parametrize("year", [2020, 2025, 2030, 2035])
def test_the_road_extensions_exist_only_in_the_plan_horizon(year):
    # 前期工作 / 线位研究 without a target year: 2035 (the plans' horizon) only
    roads = tload.load("road")
    present = set(roads.loc[exists_in(roads, year), "road_id"]) & set(EXTENSIONS)
    assert present == (set(EXTENSIONS) if year == 2035 else set())


@pytest.mark.parametrize(
    ("rid", "status"),
    [
        ("u_shengli_south_ext", "existing"),
        ("u_yinlu_east_ext", "completed"),
        ("u_zhenxing_jinou", "under_construction"),
        ("u_zhenxing_jinou", "existing"),
    ],
)
def test_a_wrong_status_of_an_extension_fails_the_source_check(tmp_path, rid, status):
    from jmgis.paths import seeds_dir

    if seeds_dir() is None:
        pytest.skip("plan documents (seeds) absent")
    assert _check(DATA, rid) == []
    data = _copy(tmp_path)
    _edit(data, "roads.yaml", "road_id", rid, lambda r: r.update(status=status))
    assert [p.field for p in _check(data, rid)] == ["status"]


# ------------------------------------------------------- counts in the README and docs (14.6)
def _counts_script():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "transport_counts", root / "scripts" / "transport_counts.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, root


@pytest.mark.parametrize("name", ["README.md", "docs/transport_data.md"])
def test_the_transport_counts_in_the_docs_are_current(name):
    counts, root = _counts_script()
    text = (root / name).read_text(encoding="utf-8")
    assert counts.block() in text, f"run: python scripts/transport_counts.py --write ({name})"


def test_the_counts_count_the_layers_as_loaded():
    counts, _ = _counts_script()
    table = counts.table()
    stations = tload.load("station")
    row = next(line for line in table.splitlines() if line.startswith("| `station` |"))
    assert f"| {len(stations)} |" in row
    assert f"osm_skeleton {(stations['geometry_quality'] == 'osm_skeleton').sum()}" in row


def test_jiangmen_north_is_no_rail_station_target_of_the_township_profile():
    # a freight station: the nearest *passenger* station is what a township's rail time means
    from jmgis.jiangmen.township_access import targets
    from jmgis.network import build_graph

    G = build_graph(2020)
    node = f"station:{NORTH}"
    assert node in G  # drawn and joined to the roads like every station
    found = {t.name: set(t.nodes) for t in targets(G)}
    assert found["rail_station"] and node not in found["rail_station"]
    assert "station:stn_jiangmen" in found["rail_station"]
