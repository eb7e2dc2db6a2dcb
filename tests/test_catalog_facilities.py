"""The plan facilities (issue 14.1): energy, water, agriculture, tourism, ecology, pilots.

The rows load and place honestly (a township seat only where the text names the township,
no point where no place is named); the source check holds each new kind's attributes to
its cited lines — a wrong status, size, township, county or year fails it.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from jmgis.catalog import check_sources, layers, load_catalog
from jmgis.catalog.vocab import FACILITY_LAYERS, FACILITY_SECTORS
from jmgis.errors import DataError
from jmgis.layers import layer_spec
from jmgis.paths import projects_dir, seeds_dir

needs_seeds = pytest.mark.skipif(seeds_dir() is None, reason="plan documents (seeds) absent")

FACILITY = {
    "id": "test_facility",
    "name": "测试电厂",
    "sector": "energy",
    "facility_type": "煤电",
    "status": "planned",
    "sources": ["000:3471"],
}


def _mutated(tmp_path: Path, rid: str, change) -> list:
    target = tmp_path / "projects"
    shutil.copytree(projects_dir(), target)
    path = target / "facility.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    hit = [r for r in rows if r.get("id") == rid]
    assert len(hit) == 1
    change(hit[0])
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [p for p in check_sources(load_catalog(target)) if p.id == rid]


def _fields(problems: list) -> set[str]:
    return {getattr(p, "field", "sources") for p in problems}


# ----------------------------------------------------------------- the bundled rows
def test_every_sector_has_rows_and_every_row_cites_a_line():
    frame = load_catalog().facilities
    assert frame is not None
    assert set(frame["sector"]) == set(FACILITY_SECTORS)
    assert frame["sources"].map(len).min() >= 1


def test_points_only_where_a_place_is_named():
    frame = load_catalog().facilities
    located = frame[frame.geometry.notna()]
    unlocated = frame[frame.geometry.isna()]
    # a township seat is 'derived', a point inside a county 'schematic'; nothing else
    assert set(located["placement"]) <= {"seat_of", "in_county"}
    seat = located[located["placement"] == "seat_of"]
    assert (seat["geometry_quality"] == "derived").all()
    assert (located[located["placement"] == "in_county"]["geometry_quality"] == "schematic").all()
    # a row placed at a township seat names that township
    assert seat["township_codes"].map(len).min() == 1
    # rows without a place are kept as table rows, with an empty placement
    assert len(unlocated) > 0 and (unlocated["placement"] == "").all()


def test_the_nuclear_phases_and_the_lng_terminal_are_there():
    frame = load_catalog().facilities.set_index("id")
    assert frame.loc["taishan_nuclear_phase1", "capacity_value"] == 3500
    assert frame.loc["taishan_nuclear_phase1", "status"] == "existing"
    assert frame.loc["taishan_nuclear_phase2", "status"] == "planned"
    assert frame.loc["guanghaiwan_lng_terminal", "county_code"] == "440781"  # 台山市
    # the contradiction inside 003 is recorded with both readings, not resolved silently
    notes = frame.loc["taishan_nuclear_phase1", "notes"]
    assert "003:217" in notes and "003:357" in notes and "Contradiction" in notes


def test_the_002_and_000_readings_of_the_tourism_projects_are_both_kept():
    frame = load_catalog().facilities.set_index("id")
    for rid in ("chikan_overseas_chinese_tourism", "gulao_water_village_resort"):
        refs = frame.loc[rid, "sources"]
        assert "002_9394dce41a311811.txt:217" in refs  # 2021: 建成并对外开放
        assert any(r.startswith("000_") for r in refs)  # 2021 FYP: still to push
        assert "newer plan" in frame.loc[rid, "notes"]
    assert frame.loc["kaiping_diaolou_5a_area", "status"] == "existing"  # 000:356, newer


def test_each_sector_is_its_own_registered_layer():
    out = layers()
    frame = load_catalog().facilities
    for sector, name in FACILITY_LAYERS.items():
        spec = layer_spec(name)
        assert spec.geometry == "Point"
        assert list(out[name].columns[:-1]) == spec.field_names
        assert len(out[name]) == int((frame["sector"] == sector).sum())
        assert str(out[name].crs) == "EPSG:4490"


# ----------------------------------------------------------------- the source check
@needs_seeds
def test_the_bundled_facilities_pass_the_source_check():
    problems = [p for p in check_sources() if "facility.yaml" in p.file]
    assert problems == [], "\n".join(map(str, problems))


@needs_seeds
def test_a_planned_facility_set_to_existing_fails(tmp_path):
    # 000:6265 lists it among the 旅游重点发展项目: nothing says it exists
    problems = _mutated(
        tmp_path, "beidou_dolphin_bay_tourism", lambda r: r.update(status="existing")
    )
    assert _fields(problems) == {"status"}


@needs_seeds
def test_a_wrong_capacity_fails(tmp_path):
    def wrong(rec):
        rec["capacity"] = {**rec["capacity"], "value": 600}

    problems = _mutated(tmp_path, "haiyan_fishery_pv", wrong)
    assert len(problems) == 1 and "000_6d1849548a3b7443.txt:3531" in problems[0].ref


@needs_seeds
def test_a_capacity_quote_without_its_number_fails(tmp_path):
    def vague(rec):
        rec["capacity"] = {**rec["capacity"], "quote": "渔业光伏发电", "source": "000:3532"}

    assert _mutated(tmp_path, "haiyan_fishery_pv", vague)


@needs_seeds
def test_a_product_of_printed_numbers_is_a_valid_capacity(tmp_path):
    # 2×1750MW is 3500 MW; 3600 is not
    def wrong(rec):
        rec["capacity"] = {**rec["capacity"], "value": 3600}

    assert _mutated(tmp_path, "taishan_nuclear_phase1", wrong)


@needs_seeds
def test_a_township_the_lines_do_not_name_fails(tmp_path):
    def move(rec):
        rec["township_codes"] = ["北陡镇"]
        rec["location"] = {"seat_of": "北陡镇", "placed_by": "test", "geometry_quality": "derived"}

    problems = _mutated(tmp_path, "haiyan_fishery_pv", move)
    assert "township_codes" in _fields(problems)


@needs_seeds
def test_a_county_the_lines_do_not_name_fails(tmp_path):
    def move(rec):
        rec["county_code"] = "440785"  # 恩平市
        rec["location"] = {"in_county": "440785", "placed_by": "test"}

    # 004:381 (龙溪湖湿地公园) is a line of 江海区's plan and names no other county
    problems = _mutated(tmp_path, "longxihu_wetland_park", move)
    assert "county_codes" in _fields(problems)


@needs_seeds
def test_a_target_year_the_lines_do_not_give_fails(tmp_path):
    problems = _mutated(tmp_path, "kangdong_reservoir", lambda r: r.update(target_year=2030))
    assert _fields(problems) == {"target_year"}


# ----------------------------------------------------------------- validation
def _write(tmp_path: Path, row: dict) -> Path:
    text = yaml.safe_dump([row], allow_unicode=True, sort_keys=False)
    (tmp_path / "facility.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sector": "mining"}, "sector"),
        ({"status": "done"}, "status"),
        ({"facility_type": ""}, "facility_type"),
        ({"capacity": {"value": -1, "unit": "MW", "quote": "x", "source": "000:1"}}, "capacity"),
        ({"capacity": {"value": 5, "unit": "MW", "source": "000:1"}}, "capacity"),
        ({"location": {"lon": 0.0, "lat": 0.0, "placed_by": "typed in"}}, "location"),
        ({"township_codes": ["不存在镇"]}, "township_codes"),
    ],
)
def test_bad_facility_rows_fail_naming_the_field(tmp_path, change, field):
    row = copy.deepcopy(FACILITY)
    row.update(change)
    with pytest.raises(DataError) as info:
        load_catalog(_write(tmp_path, row))
    assert info.value.field == field
    assert str(info.value.feature) == "test_facility"
    assert "facility.yaml" in str(info.value)


def test_a_minimal_facility_loads_as_a_table_row(tmp_path):
    frame = load_catalog(_write(tmp_path, copy.deepcopy(FACILITY))).facilities
    assert frame is not None and list(frame["id"]) == ["test_facility"]
    assert frame.geometry.isna().all()


# ----------------------------------------------------------------- new indicator rows
def test_001_column_2_and_the_running_text_targets_are_indicators():
    ind = load_catalog().indicators.set_index("id")
    column2 = ind[ind["table"].str.startswith("专栏2 蓬江区")]
    assert sorted(column2["row"].astype(int)) == list(range(1, 21))
    assert ind.loc["ind_001_c2_18", "target_2025"] == "25.5"  # 森林覆盖率
    assert ind.loc["ind_000_txt_urban_population_2035", "target_2035"] == "300万"


@needs_seeds
@pytest.mark.parametrize(
    ("rid", "change"),
    [
        ("ind_000_txt_urban_population_2035", {"target_2035": "400万"}),
        ("ind_000_txt_gps_per_10k", {"target_2025": "5人"}),
        ("ind_001_c2_05", {"value_2020": 0.56}),
        ("ind_001_c2_09", {"value_2020": 12.5}),
        # the next table line says 预期性: only the row's own line counts for its nature
        ("ind_001_c2_09", {"nature": "预期性"}),
    ],
)
def test_a_wrong_indicator_value_fails(tmp_path, rid, change):
    target = tmp_path / "projects"
    shutil.copytree(projects_dir(), target)
    path = target / "indicator.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    [hit] = [r for r in rows if r.get("id") == rid]
    hit.update(change)
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert [p for p in check_sources(load_catalog(target)) if p.id == rid]
