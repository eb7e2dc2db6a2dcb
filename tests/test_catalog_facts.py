"""The source check checks facts (issue 14.3): a wrong status, year, industry, township,
county or a one-character quote fails it, although the name is still on the cited line."""

from __future__ import annotations

import shutil

import pytest
import yaml

from jmgis.catalog import check_sources, load_catalog
from jmgis.catalog.facts import industry_named, window
from jmgis.catalog.transport_check import check_transport_sources
from jmgis.paths import projects_dir, seeds_dir, transport_dir

pytestmark = pytest.mark.skipif(seeds_dir() is None, reason="plan documents (seeds) absent")


def _mutated(tmp_path, file, rid, change):
    target = tmp_path / "projects"
    shutil.copytree(projects_dir(), target)
    path = target / file
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    hit = [r for r in rows if r.get("id") == rid]
    assert len(hit) == 1
    change(hit[0])
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return check_sources(load_catalog(target))


def _fields(problems, rid):
    return {getattr(p, "field", "sources") for p in problems if p.id == rid}


def test_the_bundled_catalog_passes_the_fact_check():
    problems = check_sources()
    assert problems == [], "\n".join(map(str, problems[:20]))


def test_a_road_set_to_completed_fails(tmp_path):
    # 000:3360 has 迎宾路 under 推进…建设和改造提升: nothing says it is built
    problems = _mutated(
        tmp_path, "project.yaml", "prj_yingbin_road", lambda r: r.update(status="completed")
    )
    assert _fields(problems, "prj_yingbin_road") == {"status"}


def test_industries_the_line_does_not_give_fail(tmp_path):
    def add(rec):
        rec["industries"] = [*rec["industries"], "船舶", "核电"]

    problems = _mutated(tmp_path, "park.yaml", "heshan_industrial_city", add)
    mine = [p for p in problems if p.id == "heshan_industrial_city"]
    assert {p.field for p in mine} == {"industries"}
    assert sorted("船舶" in p.reason or "核电" in p.reason for p in mine) == [True, True]


def test_a_target_year_the_lines_do_not_give_fails(tmp_path):
    problems = _mutated(
        tmp_path,
        "project.yaml",
        "prj_zhuxi_dry_port_core_002",
        lambda r: r.update(target_year=2023),
    )
    assert _fields(problems, "prj_zhuxi_dry_port_core_002") == {"target_year"}


def test_a_township_the_lines_do_not_name_fails(tmp_path):
    problems = _mutated(
        tmp_path,
        "park.yaml",
        "hetang_port_economic_zone",
        lambda r: r.update(township_codes=["杜阮镇"]),
    )
    assert "township_codes" in _fields(problems, "hetang_port_economic_zone")


def test_a_county_the_lines_do_not_name_fails(tmp_path):
    def move(rec):
        rec["county_code"] = "440785"  # 恩平市
        rec["location"] = {"in_county": "440785", "placed_by": "test"}

    problems = _mutated(tmp_path, "park.yaml", "binjiang_new_town", move)
    assert "county_codes" in _fields(problems, "binjiang_new_town")


def test_a_one_character_quote_fails(tmp_path):
    def shorten(rec):
        rec["sources"] = [{"ref": "000:5039", "quote": "东"}]

    problems = _mutated(tmp_path, "structure.yaml", "axis_east_industry_city", shorten)
    assert "sources" in _fields(problems, "axis_east_industry_city")


def test_the_window_reaches_back_to_the_verb_of_a_list():
    # 000:3342 continues the list that 建成 opens on 000:3338
    assert "建成" in window("000:3342", None)
    assert "国道G240台山大江至那金段" in window("000:3342", None)


def test_an_industry_is_named_whole_or_by_its_parts():
    assert industry_named("摩托车及零部件", "重点发展摩托车、零部件等产业")
    assert not industry_named("船舶与海洋装备", "重点发展海洋装备")


# ------------------------------------------------------------------ transport files
def _transport(tmp_path, file, id_field, fid, change):
    target = tmp_path / "transport"
    shutil.copytree(transport_dir(), target)
    path = target / file
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rec in rows:
        if rec[id_field] == fid:
            change(rec)
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [p for p in check_transport_sources(target) if p.id == fid]


def test_the_transport_files_cite_lines_that_name_their_features():
    problems = check_transport_sources(transport_dir())
    assert problems == [], "\n".join(map(str, problems[:20]))


def test_a_transport_reference_to_an_unrelated_line_fails(tmp_path):
    def cite(rec):
        rec["source"] = "000:2372; alignment: test"  # 江门滨江新城, not a road

    problems = _transport(tmp_path, "roads.yaml", "road_id", "u_jiangqiao", cite)
    assert [p.ref for p in problems] == ["000_6d1849548a3b7443.txt:2372"]


def test_a_transport_quote_not_on_its_line_fails(tmp_path):
    def misquote(rec):
        rec["source"] = "000:3370 (重点推进恩平冯如通用机场竣工通航)"

    problems = _transport(tmp_path, "airports.yaml", "airport_id", "enping_fengru_ga", misquote)
    assert len(problems) == 1 and "竣工通航" in problems[0].reason
