"""``explain(id)``: what the plans say about a catalog row, with the lines themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jmgis.catalog.loader import Catalog, load_catalog
from jmgis.catalog.sources import PLAN_TITLES, context, parse_ref

_SHOWN = {
    "facility": (
        "sector",
        "facility_type",
        "county_code",
        "township_codes",
        "zone_code",
        "status",
        "status_text",
        "target_year",
        "capacity_quote",
        "capacity_source",
        "placement",
        "placed_by",
        "geometry_quality",
    ),
    "park": (
        "kind",
        "level",
        "county_code",
        "township_codes",
        "zone_code",
        "industries",
        "status",
        "status_text",
        "groups",
        "parent",
        "area_value",
        "area_unit",
        "placement",
        "placed_by",
        "geometry_quality",
    ),
    "structure": (
        "kind",
        "pattern",
        "method",
        "township_codes",
        "county_codes",
        "zone_code",
        "positioning",
        "geometry_quality",
        "placed_by",
    ),
    "scheme": (
        "level",
        "members_listed",
        "member_count",
        "version_note",
        "supersedes",
        "superseded_by",
    ),
    "scheme_member": ("scheme_id", "label", "group", "roads"),
    "project": (
        "category",
        "status",
        "status_text",
        "target_year",
        "county_codes",
        "scheme_member",
        "feature_ids",
    ),
    "indicator": (
        "table",
        "row",
        "unit",
        "value_2020",
        "target_2025",
        "target_2035",
        "nature",
        "zone_code",
    ),
}


def _fmt(value: object) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value) if value else "—"
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return "—"
    return str(value)


def _with_names(key: str, value: object) -> object:
    """Township and county codes shown with their names (``白沙街道 440703002``)."""
    if key not in ("township_codes", "county_codes", "county_code") or not value:
        return value
    from jmgis.catalog.admin_link import default_admin

    admin = default_admin()
    codes: list[Any] = value if isinstance(value, list) else [value]
    named = []
    for code in codes:
        if key == "township_codes" and admin.has_township(code):
            named.append(f"{admin.township(code)['name']} {code}")
        else:
            named.append(f"{admin.county_names.get(code, '')} {code}".strip())
    return named if isinstance(value, list) else named[0]


def explain(
    rid: str, catalog: Catalog | None = None, *, seeds: str | Path | None = None, span: int = 1
) -> str:
    """A text report: the row's fields, then each cited plan line with its neighbours.

    Parameters
    ----------
    rid
        A catalog id, or a scheme member ``scheme_id:code``.
    span
        Non-blank lines of context shown before and after each cited line.
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).
    seeds : str, pathlib.Path or None
        The folder of plan documents (``jmgis.paths.seeds_dir()`` when ``None``).

    Raises
    ------
    KeyError
        When the id is unknown (the message suggests close ids).

    Returns
    -------
    str
        The report, several lines.
    """
    catalog = catalog or load_catalog()
    kind, rec = catalog.find(rid)
    title = rec.get("name") or rec.get("label")
    lines = [f"{rid} [{kind}] {title}"]
    if rec.get("aliases"):
        lines.append(f"  aliases: {_fmt(rec['aliases'])}")
    for key in _SHOWN[kind]:
        if key in rec and _fmt(rec[key]) != "—":
            value = _with_names(key, rec[key])
            lines.append(f"  {key}: {_fmt(value)}")
    for rel in rec.get("related") or []:
        lines.append(f"  related: {rel['id']} ({rel['relation'] or 'related'})")
    if rec.get("notes"):
        lines.append(f"  notes: {rec['notes']}")
    refs = list(rec["sources"])
    for reading in rec.get("readings") or []:
        lines.append(f"  other reading: {_fmt(reading['roads'])} — {reading['note']}")
        refs.extend(r for r in reading["sources"] if r not in refs)
    lines.append("  sources:")
    for ref in refs:
        sref = parse_ref(ref)
        lines.append(f"  ── {ref} ({PLAN_TITLES[sref.plan]})")
        try:
            shown = context(sref, seeds, span=span)
        except FileNotFoundError as exc:
            lines.append(f"     ({exc})")
            continue
        for number, text in shown:
            marker = "▶" if number == sref.line else " "
            lines.append(f"   {marker}{number:>5} │ {text.strip()}")
    return "\n".join(lines)
