"""The plan lines behind the catalog: the source check, explain and the CLI.

These tests read the plan documents (../shared/seeds or $JMGIS_SEEDS_DIR); they skip when
the documents are absent (CI has them).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from jmgis.catalog import check_sources, explain, load_catalog
from jmgis.catalog.loader import UnknownIdError
from jmgis.catalog.sources import line_mentions, line_text
from jmgis.cli import main
from jmgis.paths import seeds_dir

pytestmark = pytest.mark.skipif(seeds_dir() is None, reason="plan documents (seeds) absent")


def test_every_catalog_reference_supports_its_row():
    problems = check_sources()
    assert problems == [], "\n".join(map(str, problems[:20]))


def test_the_check_catches_a_line_that_does_not_name_the_row(tmp_path):
    rows = [
        {
            "id": "wrong_line",
            "name": "江门人才岛",
            "kind": "platform",
            "level": "municipal",
            "status": "planned",
            "sources": ["000:2366", "000:5049"],  # 2366 is about 江门国家高新区
        }
    ]
    (tmp_path / "park.yaml").write_text(yaml.safe_dump(rows, allow_unicode=True), "utf-8")
    problems = check_sources(load_catalog(tmp_path))
    assert [(p.id, p.ref) for p in problems] == [("wrong_line", "000_6d1849548a3b7443.txt:2366")]
    assert "江门人才岛" in problems[0].reason


def test_the_check_catches_a_road_missing_from_a_members_lines(tmp_path):
    scheme = {
        "id": "scheme_test",
        "name": "六纵六横两联一展望",
        "level": "expressway",
        "members_listed": True,
        "sources": ["000:1384"],
        "members": [
            {
                "code": "zong1",
                "label": "纵1",
                "group": "纵",
                "roads": ["沈海高速"],
                "sources": ["000:1384"],
            },
            {
                "code": "zong2",
                "label": "纵2",
                "group": "纵",
                "roads": ["银洲湖高速"],
                "sources": ["000:1384"],
            },  # 银洲湖高速 starts on 000:1386
        ],
    }
    (tmp_path / "scheme.yaml").write_text(yaml.safe_dump([scheme], allow_unicode=True), "utf-8")
    problems = check_sources(load_catalog(tmp_path))
    assert [p.id for p in problems] == ["scheme_test:zong2"]


def test_names_broken_over_two_lines_are_found_where_they_start():
    # 000:3293 ends “中心城区西”, the next non-blank line starts “侧路”
    assert line_text("000:3293").rstrip().endswith("中心城区西")
    assert line_mentions("000:3293", ["中心城区西侧路"]) == "中心城区西侧路"
    assert line_mentions("000:3295", ["中心城区西侧路"]) is None


def test_explain_prints_the_cited_lines():
    text = explain("kaiping_cuishanhu_park")
    assert text.startswith("kaiping_cuishanhu_park [park] 开平翠山湖科技产业园")
    assert "000_6d1849548a3b7443.txt:2384" in text
    assert line_text("000:2384").strip() in text
    assert "status: existing" in text


def test_explain_works_for_every_id():
    cat = load_catalog()
    for rid in cat.all_ids():
        assert rid in explain(rid, cat).splitlines()[0]


def test_explain_a_scheme_member_shows_its_roads():
    text = explain("scheme_qizong_baheng:zong4")
    assert "中心城区西侧路" in text and "000_6d1849548a3b7443.txt:3293" in text


def test_explain_unknown_id():
    with pytest.raises(UnknownIdError, match="did you mean"):
        explain("jiangmen_national_hitech")


def test_cli_check_sources_and_explain(capsys):
    assert main(["catalog", "check-sources"]) == 0
    assert "source check OK" in capsys.readouterr().out
    assert main(["explain", "main_core"]) == 0
    out = capsys.readouterr().out
    assert "主核心" in out and "002_9394dce41a311811.txt:84" in out
    assert main(["explain", "no_such_row"]) == 2
    assert "unknown catalog id" in capsys.readouterr().err


def test_cli_list_filters(capsys):
    assert main(["catalog", "list", "park", "--zone", "bay", "--format", "csv"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.strip().splitlines()))
    assert rows[0][:2] == ["id", "name"]
    assert any(row[0] == "agricultural_cold_chain_park" for row in rows)
    assert main(["catalog", "list", "scheme_member", "--scheme", "七纵八横"]) == 0
    assert "scheme_qizong_baheng:heng8" in capsys.readouterr().out


def test_seeds_dir_override(monkeypatch, tmp_path):
    src = seeds_dir()
    assert src is not None
    target = tmp_path / "seeds"
    target.mkdir()
    name = "000_6d1849548a3b7443.txt"
    (target / name).write_text((Path(src) / name).read_text("utf-8"), "utf-8")
    assert line_text("000:2384", target) == line_text("000:2384")


def test_the_check_catches_an_indicator_value_the_table_does_not_print(tmp_path):
    row = {
        "id": "urbanisation",
        "name": "常住人口城镇化率",
        "table": "表2",
        "row": 3,
        "unit": "%",
        "value_2020": 67.63,
        "target_2025": 70,
        "nature": "预期性",
        "sources": ["000:1248"],
    }
    good = tmp_path / "good"
    good.mkdir()
    (good / "indicator.yaml").write_text(yaml.safe_dump([row], allow_unicode=True), "utf-8")
    assert check_sources(load_catalog(good)) == []
    bad = tmp_path / "bad"
    bad.mkdir()
    wrong = dict(row, target_2025=72, nature="约束性")
    (bad / "indicator.yaml").write_text(yaml.safe_dump([wrong], allow_unicode=True), "utf-8")
    problems = check_sources(load_catalog(bad))
    assert len(problems) == 1 and "'72'" in problems[0].reason and "约束性" in problems[0].reason
