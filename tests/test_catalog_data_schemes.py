"""The road-scheme and project data files agree with the plan documents they cite.

These tests read ``data/projects/scheme.yaml`` and ``project.yaml`` directly (independent
of the catalog loader) and, where the seed files are present, open the cited lines.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from jmgis.paths import projects_dir, seeds_dir

SCHEME_FILE = projects_dir() / "scheme.yaml"
PROJECT_FILE = projects_dir() / "project.yaml"

STATUSES = {
    "completed",
    "to_complete_by_2025",
    "under_construction",
    "pre_construction",
    "conceptual",
    "planned",
}
CATEGORIES = {
    "rail",
    "expressway",
    "national_road",
    "provincial_road",
    "urban_road",
    "industry_road",
    "aviation",
    "port",
    "channel",
    "hub",
    "park",
    "crossing",
    # not in the record contract's list, but in jmgis.catalog.vocab: used where no
    # contract category fits (a rural-road programme, a bridge, tourism roads)
    "rural_road",
    "bridge",
    "other",
}


def _load(path: Path) -> list[dict]:
    assert path.exists(), f"{path} is missing"
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def schemes() -> dict[str, dict]:
    return {rec["id"]: rec for rec in _load(SCHEME_FILE)}


@pytest.fixture(scope="module")
def projects() -> list[dict]:
    return _load(PROJECT_FILE)


@pytest.fixture(scope="module")
def seed_lines() -> dict[str, list[str]]:
    root = seeds_dir()
    if root is None:
        pytest.skip("plan documents (../shared/seeds) not present")
    return {
        path.name[:3]: path.read_text(encoding="utf-8").split("\n")
        for path in sorted(root.glob("0*.txt"))
    }


def _line(seed_lines: dict[str, list[str]], ref: str) -> str:
    file_part, line_no = ref.split(":")
    lines = seed_lines[file_part[:3]]
    number = int(line_no)
    assert 1 <= number <= len(lines), f"{ref} is outside the seed file"
    return lines[number - 1]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _mentions(seed_lines: dict[str, list[str]], ref: str, needles: list[str]) -> bool:
    """A needle starts on the cited line (it may run on to the next non-blank line).

    The seeds hard-wrap their text, so names break over lines; PDF spaces are ignored.
    """
    here = _squeeze(_line(seed_lines, ref))
    file_part, line_no = ref.split(":")
    following = next(
        (
            _squeeze(t)
            for t in seed_lines[file_part[:3]][int(line_no) : int(line_no) + 4]
            if t.strip()
        ),
        "",
    )
    joined = here + following
    return any(0 <= joined.find(_squeeze(n)) < len(here) for n in needles if _squeeze(n))


def _refs(entries: list) -> list[tuple[str, str | None]]:
    """``sources`` entries: ``"000:1386"`` or ``{ref: "000:1386", quote: "…"}``."""
    return [(e["ref"], e.get("quote")) if isinstance(e, dict) else (e, None) for e in entries]


def _needles(rec: dict, *keys: str) -> list[str]:
    found: list[str] = []
    for key in keys:
        value = rec.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, str))
    return found


def _group_counts(scheme: dict) -> Counter:
    return Counter(member["group"] for member in scheme["members"])


def test_scheme_ids_unique_and_ascii(schemes):
    ids = [rec["id"] for rec in _load(SCHEME_FILE)]
    assert len(ids) == len(set(ids))
    for rid in ids:
        assert re.fullmatch(r"scheme_[a-z0-9_]+", rid), rid


@pytest.mark.parametrize(
    ("name", "plan", "expected"),
    [
        ("六纵六横两联一展望", "000", {"纵": 6, "横": 6, "联": 2, "展望": 1}),
        ("七纵八横", "000", {"纵": 7, "横": 8}),
        ("五纵五横两环两铁", "001", {"纵": 5, "横": 5, "环": 2, "铁": 2}),
    ],
)
def test_listed_schemes_have_the_members_their_name_counts(schemes, name, plan, expected):
    (scheme,) = [s for s in schemes.values() if s["name"] == name and s["plan"] == plan]
    assert scheme["members_listed"] is True
    assert dict(_group_counts(scheme)) == expected
    for member in scheme["members"]:
        assert member["roads"], f"{scheme['id']}/{member['code']} has no roads"
        assert member["label"].startswith(member["group"])
    codes = [m["code"] for m in scheme["members"]]
    assert len(codes) == len(set(codes))


def test_labels_number_members_in_plan_order(schemes):
    for scheme in schemes.values():
        seen: Counter = Counter()
        for member in scheme["members"]:
            seen[member["group"]] += 1
            if member["group"] == "展望":
                assert member["label"] == "展望"
            else:
                assert member["label"] == f"{member['group']}{seen[member['group']]}"


def test_unlisted_schemes_invent_no_members(schemes):
    unlisted = [s for s in schemes.values() if not s["members_listed"]]
    assert {s["name"] for s in unlisted} >= {"五横五纵两联"}
    for scheme in unlisted:
        assert scheme["members"] == []


def test_versions_link_both_ways(schemes):
    for scheme in schemes.values():
        newer = scheme.get("superseded_by")
        if newer:
            assert schemes[newer].get("supersedes") == scheme["id"]
        older = scheme.get("supersedes")
        if older:
            assert schemes[older].get("superseded_by") == scheme["id"]
    assert (
        schemes["scheme_wuheng_wuzong_lianglian"]["superseded_by"]
        == "scheme_liuzong_liuheng_lianglian_yizhanwang"
    )


def test_scheme_sources_name_the_scheme_or_member(schemes, seed_lines):
    for scheme in schemes.values():
        names = _needles(scheme, "name", "aliases", "quote")
        for ref, quote in _refs(scheme["sources"]):
            assert _mentions(seed_lines, ref, [quote] if quote else names), f"{scheme['id']}: {ref}"
        for member in scheme["members"]:
            refs = [ref for ref, _ in _refs(member["sources"])]
            for road in member["roads"]:
                assert any(_mentions(seed_lines, ref, [road]) for ref in refs), (
                    f"{scheme['id']}/{member['code']}: no cited line names {road}"
                )
            for ref in refs:
                assert _mentions(seed_lines, ref, member["roads"]), f"{member['code']}: {ref}"
        for reading in scheme.get("readings", []):
            refs = [ref for ref, _ in _refs(reading["sources"])]
            for road in reading["roads"]:
                assert any(_mentions(seed_lines, ref, [road]) for ref in refs), road


def test_members_and_roads_follow_the_plan_text_order(schemes, seed_lines):
    """Joined over the wrapped lines, the roads occur in the seed in the order listed."""
    for scheme in schemes.values():
        if not scheme["members"]:
            continue
        first_refs = [m["sources"][0] for m in scheme["members"]]
        seed = first_refs[0].split(":")[0]
        numbers = [int(ref.split(":")[1]) for ref in first_refs]
        lines = seed_lines[seed[:3]][min(numbers) - 1 : max(numbers) + 1]
        text = "".join(re.sub(r"\s+", "", line) for line in lines)
        cursor = 0
        for member in scheme["members"]:
            for road in member["roads"]:
                position = text.find(road, cursor)
                assert position >= 0, f"{scheme['id']}/{member['code']}: {road} out of order"
                cursor = position + len(road)


def test_project_rows_are_well_formed(projects, schemes):
    ids = [p["id"] for p in projects]
    duplicated = [rid for rid, n in Counter(ids).items() if n > 1]
    assert not duplicated
    members = {f"{s['id']}:{m['code']}" for s in schemes.values() for m in s["members"]}
    for project in projects:
        assert re.fullmatch(r"prj_[a-z0-9_]+", project["id"]), project["id"]
        assert project["status"] in STATUSES, project["id"]
        assert project["category"] in CATEGORIES, project["id"]
        assert project["status_text"], project["id"]
        year = project["target_year"]
        assert year is None or 2000 <= year <= 2035, project["id"]
        for code in project.get("county_codes", []):
            assert re.fullmatch(r"4407\d\d", code), project["id"]
        if project.get("scheme_member"):
            assert project["scheme_member"] in members, project["id"]
        for link in project.get("related", []):
            assert link["id"] in ids or link["id"] in schemes, (project["id"], link["id"])


def test_project_sources_name_the_project(projects, seed_lines):
    for project in projects:
        names = _needles(project, "name", "aliases", "quote")
        for ref, quote in _refs(project["sources"]):
            assert _mentions(seed_lines, ref, [quote] if quote else names), (
                f"{project['id']}: {ref}"
            )
        for milestone in project.get("milestones", []):
            for ref, quote in _refs(milestone["sources"]):
                assert str(milestone["year"]) in _line(seed_lines, ref), (project["id"], ref)
                assert _mentions(seed_lines, ref, [quote] if quote else names), (
                    f"{project['id']} milestone {milestone['year']}: {ref}"
                )


def test_expressways_reported_done_in_the_13th_fyp_are_completed(projects):
    done = {p["name"] for p in projects if p["plan"] == "000" and p["status"] == "completed"}
    assert {"江罗高速", "高恩高速", "佛开南扩建", "广中江高速", "开春高速"} <= done


def test_work_plan_milestones_fall_in_its_years_and_set_the_target(projects):
    """002 schedules 2020–2022; a completion target is the year of its last milestone."""
    for project in (p for p in projects if p["plan"] == "002"):
        years = [m["year"] for m in project.get("milestones", [])]
        assert all(2020 <= y <= 2022 for y in years), project["id"]
        if project["status"] == "to_complete_by_2025":
            assert project["target_year"] == max(years), project["id"]


def test_projects_of_two_plans_link_both_ways(projects):
    by_id = {p["id"]: p for p in projects}
    for project in projects:
        for link in project.get("related", []):
            other = by_id.get(link["id"])
            if other is not None:
                assert any(r["id"] == project["id"] for r in other.get("related", [])), (
                    project["id"],
                    link["id"],
                )
