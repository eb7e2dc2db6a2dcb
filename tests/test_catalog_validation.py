"""Bad catalog files fail with a DataError naming the file, the row and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from jmgis.catalog import expand_ref, load_catalog, parse_ref
from jmgis.errors import DataError

PARK = {
    "id": "test_park",
    "name": "测试园区",
    "aliases": [],
    "kind": "industrial_park",
    "level": "unknown",
    "county_code": "440705",
    "township_codes": ["大泽镇"],
    "industries": ["新材料"],
    "status": "existing",
    "groups": [],
    "sources": ["000:2402"],
    "location": {"seat_of": "大泽镇", "placed_by": "seat of 大泽镇"},
}
PROJECT = {
    "id": "test_project",
    "name": "测试项目",
    "category": "expressway",
    "status": "planned",
    "target_year": None,
    "county_codes": [],
    "feature_ids": [],
    "sources": ["000:1386"],
}


def write(directory: Path, **files: list[dict]) -> Path:
    for kind, rows in files.items():
        text = yaml.safe_dump(rows, allow_unicode=True, sort_keys=False)
        (directory / f"{kind}.yaml").write_text(text, encoding="utf-8")
    return directory


def park(**changes) -> dict:
    row = copy.deepcopy(PARK)
    row.update(changes)
    return row


def expect_error(directory: Path, file: str, feature: str, field: str) -> DataError:
    with pytest.raises(DataError) as info:
        load_catalog(directory)
    err = info.value
    assert err.file is not None and Path(err.file).name == file
    assert str(err.feature) == feature
    assert err.field == field
    assert file in str(err) and field in str(err)
    return err


def test_a_valid_minimal_catalog_loads(tmp_path):
    cat = load_catalog(write(tmp_path, park=[park()], project=[PROJECT]))
    assert list(cat.parks["id"]) == ["test_park"]
    assert cat.parks.iloc[0]["township_codes"] == ["440705101"]  # 大泽镇 resolved to its code
    assert cat.parks.iloc[0]["zone_code"] == "core"  # derived, never typed in
    assert cat.parks.iloc[0]["sources"] == ["000_6d1849548a3b7443.txt:2402"]


def test_missing_files_mean_zero_rows_with_the_usual_columns(tmp_path):
    empty = load_catalog(tmp_path)
    full = load_catalog()
    for kind, frame in empty.frames().items():
        assert len(frame) == 0
        assert list(frame.columns) == list(full.frames()[kind].columns), kind
    assert list(empty.scheme_members.columns) == list(full.scheme_members.columns)


def test_bad_status(tmp_path):
    write(tmp_path, park=[park(status="finished")])
    err = expect_error(tmp_path, "park.yaml", "test_park", "status")
    assert "existing" in str(err)  # the message lists the allowed values


def test_bad_project_status(tmp_path):
    write(tmp_path, project=[dict(PROJECT, status="done")])
    expect_error(tmp_path, "project.yaml", "test_project", "status")


def test_unknown_township(tmp_path):
    write(tmp_path, park=[park(township_codes=["不存在镇"])])
    err = expect_error(tmp_path, "park.yaml", "test_park", "township_codes")
    assert "不存在镇" in str(err)


def test_unknown_township_code(tmp_path):
    write(tmp_path, park=[park(township_codes=["440705999"])])
    expect_error(tmp_path, "park.yaml", "test_park", "township_codes")


def test_township_outside_the_declared_county(tmp_path):
    write(tmp_path, park=[park(county_code="台山市")])
    expect_error(tmp_path, "park.yaml", "test_park", "county_code")


def test_broken_source_reference(tmp_path):
    write(tmp_path, park=[park(sources=["009:12"])])
    err = expect_error(tmp_path, "park.yaml", "test_park", "sources")
    assert "broken source reference" in str(err)
    write(tmp_path, park=[park(sources=["000-2402"])])
    expect_error(tmp_path, "park.yaml", "test_park", "sources")
    write(tmp_path, park=[park(sources=[])])
    expect_error(tmp_path, "park.yaml", "test_park", "sources")


def test_duplicate_id_across_files(tmp_path):
    write(tmp_path, park=[park()], project=[dict(PROJECT, id="test_park")])
    err = expect_error(tmp_path, "project.yaml", "test_park", "id")
    assert "park.yaml" in str(err)


def test_non_ascii_id_and_missing_name(tmp_path):
    write(tmp_path, park=[park(id="测试")])
    expect_error(tmp_path, "park.yaml", "测试", "id")
    write(tmp_path, park=[park(name="")])
    expect_error(tmp_path, "park.yaml", "test_park", "name")


def test_unknown_key_is_not_dropped_silently(tmp_path):
    write(tmp_path, park=[park(stauts="existing")])
    expect_error(tmp_path, "park.yaml", "test_park", "stauts")


def test_location_outside_jiangmen_or_unexplained(tmp_path):
    write(tmp_path, park=[park(location={"lon": 116.4, "lat": 39.9, "placed_by": "x"})])
    expect_error(tmp_path, "park.yaml", "test_park", "location")
    write(tmp_path, park=[park(location={"seat_of": "大泽镇"})])
    expect_error(tmp_path, "park.yaml", "test_park", "location")


def test_links_must_point_to_existing_rows(tmp_path):
    write(tmp_path, park=[park(related=[{"id": "nowhere", "relation": "同一园区"}])])
    expect_error(tmp_path, "park.yaml", "test_park", "related")
    write(tmp_path, park=[park(parent="nowhere")])
    expect_error(tmp_path, "park.yaml", "test_park", "parent")
    write(tmp_path, park=[park()], project=[dict(PROJECT, scheme_member="no_scheme:zong1")])
    expect_error(tmp_path, "project.yaml", "test_project", "scheme_member")


def test_scheme_members_are_never_invented(tmp_path):
    scheme = {
        "id": "test_scheme",
        "name": "五横五纵两联",
        "level": "expressway",
        "members_listed": False,
        "sources": ["002:254"],
        "members": [
            {"code": "zong1", "label": "纵1", "group": "纵", "roads": ["x"], "sources": ["002:254"]}
        ],
    }
    write(tmp_path, scheme=[scheme])
    expect_error(tmp_path, "scheme.yaml", "test_scheme", "members")


def test_structure_needs_a_known_pattern(tmp_path):
    row = {
        "id": "test_axis",
        "name": "测试轴线",
        "kind": "axis",
        "pattern": "missing_pattern",
        "sources": ["000:5039"],
    }
    write(tmp_path, structure=[row])
    expect_error(tmp_path, "structure.yaml", "test_axis", "pattern")


def test_not_a_list_of_mappings(tmp_path):
    (tmp_path / "park.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(DataError, match="list of mappings"):
        load_catalog(tmp_path)


def test_short_references_expand_to_the_seed_file():
    assert expand_ref("000:1386") == "000_6d1849548a3b7443.txt:1386"
    assert expand_ref("004_51a363e383b126b9.txt:3") == "004_51a363e383b126b9.txt:3"
    ref = parse_ref("002:84")
    assert (ref.file, ref.line, ref.plan) == ("002_9394dce41a311811.txt", 84, "002")
    for bad in ("009:1", "000:0", "000", "abc:12"):
        with pytest.raises(ValueError):
            parse_ref(bad)
