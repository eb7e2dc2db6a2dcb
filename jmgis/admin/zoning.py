"""The 三区 zone of every township, from 附件1 of seed 002 (``data/boundaries/zoning.yaml``).

Every township must be assigned to exactly one zone; the policy-extension column
(区域政策延伸适用范围) adds extra zones whose policies apply (恩城街道, 东成镇 and 大槐镇
get the core zone's policies).  Both are checked on load.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from jmgis.admin import tables
from jmgis.admin.resolver import resolve_county, resolve_township
from jmgis.errors import DataError, ResolveError
from jmgis.paths import boundaries_dir
from jmgis.seeds import expand_ref
from jmgis.yamlio import load_yaml

ZONES: dict[str, str] = {"core": "都市核心区", "bay": "大广海湾区", "eco": "生态发展区"}
ZONE_NAMES_EN: dict[str, str] = {
    "core": "Metropolitan Core",
    "bay": "Greater Guanghai Bay",
    "eco": "Ecological Development",
}


def _resolve_members(path, zone: str, member: dict, field: str) -> list[tuple[str, str]]:
    try:
        county = resolve_county(member["county"])
    except ResolveError as exc:
        raise DataError(
            str(exc), file=path, feature=f"{zone}/{member.get('county')}", field="county"
        ) from exc
    resolved = []
    for name in member["townships"]:
        try:
            resolved.append((resolve_township(name, county=county), name))
        except ResolveError as exc:
            raise DataError(str(exc), file=path, feature=f"{zone}/{name}", field=field) from exc
    return resolved


@cache
def assignment() -> pd.DataFrame:
    """One row per township.

    Code, zone_code, zone_name, policy_zone_codes, zone_source, name_in_plan (the name as the zoning
    table writes it).
    """
    path = boundaries_dir() / "zoning.yaml"
    raw = load_yaml(path)
    rows: dict[str, dict] = {}
    policy: dict[str, list[str]] = {}
    for zone in raw["zones"]:
        code = zone["code"]
        if code not in ZONES or zone["name"] != ZONES[code]:
            raise DataError(
                f"unknown zone {code!r}/{zone.get('name')!r}", file=path, feature=code, field="code"
            )
        for member in zone.get("members", []):
            for township, written in _resolve_members(path, code, member, "townships"):
                if township in rows:
                    raise DataError(
                        f"assigned twice (to {rows[township]['zone_code']} and {code})",
                        file=path,
                        feature=f"{township} {written}",
                        field="townships",
                    )
                rows[township] = {
                    "code": township,
                    "zone_code": code,
                    "zone_name": ZONES[code],
                    "zone_source": expand_ref(member["source"]),
                    "name_in_plan": written,
                }
        for member in zone.get("policy_extension", []):
            for township, _ in _resolve_members(path, code, member, "policy_extension"):
                policy.setdefault(township, []).append(code)
    missing = set(tables.townships()["code"]) - set(rows)
    if missing:
        raise DataError(f"townships without a zone: {sorted(missing)}", file=path, field="members")
    frame = pd.DataFrame(list(rows.values()))
    frame["policy_zone_codes"] = frame["code"].map(lambda c: ",".join(policy.get(c, [])))
    for township, zones in policy.items():
        own = rows[township]["zone_code"]
        if own in zones:
            raise DataError(
                f"policy extension repeats the township's own zone {own}",
                file=path,
                feature=township,
                field="policy_extension",
            )
    return frame.set_index("code", drop=False)
