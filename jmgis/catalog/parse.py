"""Kind-specific parsing of catalog rows: park, structure, scheme, project, indicator.

Each ``parse_<kind>`` turns one :class:`~jmgis.catalog.records.Row` into a flat record
(lists stay Python lists) or raises :class:`jmgis.errors.DataError` naming file, row and
field.  Cross-row checks (unique ids, ``related`` and ``pattern`` targets) are done by
:mod:`jmgis.catalog.loader` once every file is read.
"""

from __future__ import annotations

import math
from typing import Any

from jmgis.catalog import vocab
from jmgis.catalog.admin_link import AdminIndex
from jmgis.catalog.records import ID_PATTERN, Row, parse_common, parse_sources
from jmgis.errors import ResolveError

#: A generous box around Jiangmen (incl. 上川/下川 islands), degrees: a typo guard.
LON_RANGE = (111.8, 113.4)
LAT_RANGE = (21.4, 23.0)

AREA_UNITS = ("亩", "公顷", "平方千米", "km²", "万平方米", "平方米")


def _townships(row: Row, admin: AdminIndex, key: str, county: str | None) -> list[str]:
    codes = []
    for value in row.text_list(key):
        try:
            code = admin.resolve_township(value, county)
        except ResolveError as exc:
            if county is not None:
                try:  # the township exists, but in another county?
                    elsewhere = admin.resolve_township(value)
                except ResolveError:
                    pass
                else:
                    other = admin.township(elsewhere)["county_name"]
                    raise row.error(
                        f"township {value!r} is in {other}, not in county {county}",
                        "county_code",
                    ) from exc
            raise row.error(f"unknown township {value!r}: {exc}", key) from exc
        if code not in codes:
            codes.append(code)
    return codes


def _county_and_townships(row: Row, admin: AdminIndex) -> dict[str, Any]:
    """The ``county_code``/``township_codes`` of a row, resolved and consistent.

    Returns the columns ``county_code`` (the row's, else the townships' only county),
    ``county_codes``, ``township_codes``, ``zone_codes`` and ``zone_code``; a county that
    does not contain the row's townships is an error naming the field.
    """
    county = row.get("county_code")
    county = _county(row, admin, county, "county_code") if county else None
    townships = _townships(row, admin, "township_codes", county)
    counties = admin.counties_of(townships)
    if county and counties and county not in counties:
        raise row.error(
            f"county {county} does not contain townships {townships} (they are in {counties})",
            "county_code",
        )
    zones = admin.zones_of(townships)
    return {
        "county_code": county or (counties[0] if len(counties) == 1 else ""),
        "county_codes": [county] if county and not counties else counties,
        "township_codes": townships,
        "zone_codes": zones,
        "zone_code": ";".join(zones),
    }


def _county(row: Row, admin: AdminIndex, value: Any, key: str) -> str:
    try:
        return admin.resolve_county(str(value))
    except ResolveError as exc:
        raise row.error(str(exc), key) from exc


def _location(row: Row, admin: AdminIndex) -> dict[str, Any]:
    loc = row.get("location")
    empty = {
        "lon": math.nan,
        "lat": math.nan,
        "geometry_quality": "",
        "placed_by": "",
        "placement": "",
    }
    if loc is None:
        return empty
    if not isinstance(loc, dict):
        raise row.error("must be a mapping {lon, lat, geometry_quality, placed_by}", "location")
    allowed = {"lon", "lat", "seat_of", "in_county", "geometry_quality", "placed_by", "source"}
    extra = sorted(set(loc) - allowed)
    if extra:
        raise row.error(f"unknown key(s) {extra}; allowed: {sorted(allowed)}", "location")
    placed_by = loc.get("placed_by")
    if not isinstance(placed_by, str) or not placed_by.strip():
        raise row.error("'placed_by' must say how the point was placed", "location")
    quality = loc.get("geometry_quality", "schematic")
    if quality not in vocab.GEOMETRY_QUALITIES:
        raise row.error(
            f"geometry_quality {quality!r} is not one of {vocab.GEOMETRY_QUALITIES}", "location"
        )
    methods = [k for k in ("seat_of", "in_county", "lon") if k in loc]
    if len(methods) != 1:
        raise row.error("give exactly one of 'seat_of', 'in_county' or 'lon'/'lat'", "location")
    if "in_county" in loc:
        lon, lat = admin.county_point(_county(row, admin, loc["in_county"], "location"))
    elif "seat_of" in loc:
        try:
            code = admin.resolve_township(str(loc["seat_of"]))
        except ResolveError as exc:
            raise row.error(f"unknown township {loc['seat_of']!r}: {exc}", "location") from exc
        lon, lat = admin.seat(code)
    else:
        # Checked as numbers in range just below.
        lon, lat = loc.get("lon"), loc.get("lat")  # type: ignore[assignment]
        for name, value, (lo, hi) in (("lon", lon, LON_RANGE), ("lat", lat, LAT_RANGE)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise row.error(f"'{name}' must be a number (degrees), got {value!r}", "location")
            if not lo <= value <= hi:
                raise row.error(f"{name}={value} is outside Jiangmen ({lo}–{hi}°)", "location")
    return {
        "lon": float(lon),
        "lat": float(lat),
        "geometry_quality": quality,
        "placed_by": placed_by.strip(),
        "placement": methods[0].replace("lon", "coordinate"),
    }


def _area(row: Row) -> dict[str, Any]:
    area = row.get("area")
    if area is None:
        return {"area_value": math.nan, "area_unit": "", "area_source": "", "area_quote": ""}
    if not isinstance(area, dict):
        raise row.error("must be a mapping {value, unit, source}", "area")
    value, unit = area.get("value"), area.get("unit")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise row.error(f"'value' must be a positive number, got {value!r}", "area")
    if unit not in AREA_UNITS:
        raise row.error(f"'unit' {unit!r} is not one of {AREA_UNITS}", "area")
    extra = sorted(set(area) - {"value", "unit", "source", "quote"})
    if extra:
        raise row.error(f"unknown key(s) {extra}; allowed: value, unit, source, quote", "area")
    source = Row({"sources": area.get("source"), "id": row.label}, row.file, row.position)
    refs, _ = parse_sources(source)
    quote = area.get("quote")
    if quote is not None and (not isinstance(quote, str) or not quote.strip()):
        raise row.error("'quote' must be the text of the area on the cited line", "area")
    return {
        "area_value": float(value),
        "area_unit": unit,
        "area_source": refs[0],
        "area_quote": quote or "",
    }


def parse_park(row: Row, admin: AdminIndex) -> dict[str, Any]:
    """A park record from one YAML row, validated.

    Parameters
    ----------
    row : Row
        The row of ``park.yaml``.
    admin : AdminIndex
        Resolves the township and county names of the row.

    Returns
    -------
    dict
        The park's columns.
    """
    row.check_keys(
        (
            "kind",
            "level",
            "county_code",
            "township_codes",
            "industries",
            "status",
            "status_text",
            "area",
            "groups",
            "location",
            "parent",
        )
    )
    rec = parse_common(row)
    place = _county_and_townships(row, admin)
    parent = row.text("parent")
    if parent is not None and not ID_PATTERN.match(parent):
        raise row.error(f"{parent!r} is not an id", "parent")
    rec.update(
        kind=row.choice("kind", vocab.PARK_KINDS),
        level=row.choice("level", vocab.LEVELS),
        **place,
        industries=row.text_list("industries"),
        status=row.choice("status", vocab.PARK_STATUSES),
        status_text=row.text("status_text") or "",
        groups=row.text_list("groups"),
        parent=parent or "",
        **_area(row),
        **_location(row, admin),
    )
    return rec


def _defined_by(row: Row, admin: AdminIndex) -> dict[str, Any]:
    spec = row.get("defined_by")
    if spec is None:
        return {"method": "", "township_codes": [], "county_codes": [], "zones": [], "through": []}
    if not isinstance(spec, dict) or len(spec) != 1:
        raise row.error(
            "must be one of {townships: [...]}, {counties: [...]}, {zones: [...]}, "
            "{through: [...]}",
            "defined_by",
        )
    ((method, values),) = spec.items()
    out: dict[str, Any] = {
        "method": method,
        "township_codes": [],
        "county_codes": [],
        "zones": [],
        "through": [],
    }
    if not isinstance(values, list) or not values:
        raise row.error(f"'{method}' needs a non-empty list", "defined_by")
    if method == "townships":
        codes = []
        for value in values:
            if isinstance(value, dict):  # {name: 台城街道, county: 台山市}
                name, county = value.get("name"), value.get("county")
            else:
                name, county = value, None
            try:
                code = admin.resolve_township(str(name), county)
            except ResolveError as exc:
                raise row.error(f"unknown township {name!r}: {exc}", "defined_by") from exc
            codes.append(code)
        out["township_codes"] = codes
    elif method == "counties":
        out["county_codes"] = [_county(row, admin, v, "defined_by") for v in values]
    elif method == "zones":
        sub = Row({method: values, "id": row.label}, row.file, row.position)
        for z in sub.text_list("zones"):
            if z not in vocab.ZONE_CODES:
                raise row.error(f"zone {z!r} is not one of {vocab.ZONE_CODES}", "defined_by")
        out["zones"] = sub.text_list("zones")
    elif method == "through":
        if len(values) < 2:
            raise row.error("a line needs at least two places in 'through'", "defined_by")
        for value in values:
            out["through"].append(_through_place(row, admin, value))
    else:
        raise row.error(
            f"unknown method {method!r} (townships, counties, zones, through)", "defined_by"
        )
    return out


def _through_place(row: Row, admin: AdminIndex, value: Any) -> dict[str, str]:
    """A place on a schematic line.

    ``{label, township}``, ``{label, park}`` or ``{label, structure}`` (an area of the catalog,
    drawn at its representative point).
    """
    if isinstance(value, str):
        value = {"label": value, "township": value}
    if not isinstance(value, dict) or not isinstance(value.get("label"), str):
        raise row.error(
            f"places need a 'label' and a 'township', 'park' or 'structure', got {value!r}",
            "defined_by",
        )
    for key in ("park", "structure"):
        if key in value:
            return {"label": value["label"], key: str(value[key])}
    if "township" not in value:
        raise row.error(
            f"{value['label']!r} needs a 'township', a 'park' or a 'structure'", "defined_by"
        )
    try:
        code = admin.resolve_township(str(value["township"]), value.get("county"))
    except ResolveError as exc:
        raise row.error(
            f"unknown township {value['township']!r} for {value['label']!r}: {exc}", "defined_by"
        ) from exc
    return {"label": value["label"], "township": code}


def parse_structure(row: Row, admin: AdminIndex) -> dict[str, Any]:
    """A spatial-structure record from one YAML row, validated.

    Parameters
    ----------
    row : Row
        The row of ``structure.yaml``.
    admin : AdminIndex
        Resolves the township and county names of the row.

    Returns
    -------
    dict
        The record's columns.
    """
    row.check_keys(
        ("kind", "pattern", "defined_by", "geometry_quality", "positioning", "placed_by")
    )
    rec = parse_common(row)
    kind = row.choice("kind", vocab.STRUCTURE_KINDS)
    pattern = row.text("pattern")
    if kind == "pattern" and pattern:
        raise row.error("a pattern has no parent pattern", "pattern")
    if kind != "pattern" and not pattern:
        raise row.error("the id of the pattern this part belongs to is required", "pattern")
    defined = _defined_by(row, admin)
    quality = row.choice("geometry_quality", vocab.GEOMETRY_QUALITIES, required=False)
    if defined["method"] and not quality:
        raise row.error("required when 'defined_by' gives a geometry", "geometry_quality")
    if defined["method"] == "through" and kind not in ("axis", "belt"):
        raise row.error(f"'through' draws a line; a {kind} is drawn as an area", "defined_by")
    # a line is in the townships of the places it is drawn through
    codes = defined["township_codes"] or [
        p["township"] for p in defined["through"] if "township" in p
    ]
    rec.update(
        kind=kind,
        pattern=pattern or "",
        method=defined["method"],
        township_codes=codes,
        county_codes=defined["county_codes"] or admin.counties_of(codes),
        zone_codes=defined["zones"] or admin.zones_of(codes),
        through=defined["through"],
        geometry_quality=quality or "",
        positioning=row.text("positioning") or "",
        placed_by=row.text("placed_by") or "",
    )
    rec["zone_code"] = ";".join(rec["zone_codes"])
    return rec


def parse_indicator(row: Row) -> dict[str, Any]:
    """An indicator record from one YAML row, validated."""
    row.check_keys(
        (
            "table",
            "row",
            "unit",
            "value_2020",
            "target_2025",
            "target_2035",
            "growth",
            "nature",
            "zone_code",
            "category",
        )
    )
    rec = parse_common(row)
    number = row.get("row")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
        raise row.error(f"must be the row number (integer), got {number!r}", "row")
    zone = row.choice("zone_code", vocab.ZONE_CODES, required=False)
    values: dict[str, str | float] = {}
    for key in ("value_2020", "target_2025"):
        value = row.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float, str))
        ):
            raise row.error(f"must be a number, a text or null, got {value!r}", key)
        values[key] = "" if value is None else str(value)
        values[f"{key}_num"] = float(value) if isinstance(value, (int, float)) else math.nan
    rec.update(
        table=row.text("table", required=True),
        row=number,
        category=row.text("category") or "",
        unit=row.text("unit") or "",
        growth=_cell(row, "growth"),
        target_2035=_cell(row, "target_2035"),
        nature=row.choice("nature", vocab.INDICATOR_NATURES, required=False) or "",
        zone_code=zone or "",
        **values,
    )
    return rec


def _cell(row: Row, key: str) -> str:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float, str, type(None))):
        raise row.error(f"must be a number, a text or null, got {value!r}", key)
    return "" if value is None else str(value)


def _capacity(row: Row) -> dict[str, Any]:
    """``capacity: {value, unit, quote, source}``: a stated size (2×1750MW, 500MWp, 360公里)."""
    cap = row.get("capacity")
    empty = {
        "capacity_value": math.nan,
        "capacity_unit": "",
        "capacity_quote": "",
        "capacity_source": "",
    }
    if cap is None:
        return empty
    if not isinstance(cap, dict):
        raise row.error("must be a mapping {value, unit, quote, source}", "capacity")
    extra = sorted(set(cap) - {"value", "unit", "quote", "source"})
    if extra:
        raise row.error(f"unknown key(s) {extra}; allowed: value, unit, quote, source", "capacity")
    value, unit, quote = cap.get("value"), cap.get("unit"), cap.get("quote")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise row.error(f"'value' must be a positive number, got {value!r}", "capacity")
    if not isinstance(unit, str) or not unit.strip():
        raise row.error("'unit' must be the unit the plan prints (MW, 公里 …)", "capacity")
    if not isinstance(quote, str) or not quote.strip():
        raise row.error("'quote' must be the text of the figure on the cited line", "capacity")
    source = Row({"sources": cap.get("source"), "id": row.label}, row.file, row.position)
    refs, _ = parse_sources(source)
    return {
        "capacity_value": float(value),
        "capacity_unit": unit.strip(),
        "capacity_quote": quote.strip(),
        "capacity_source": refs[0],
    }


def parse_facility(row: Row, admin: AdminIndex) -> dict[str, Any]:
    """A plan facility or site (energy, water, agriculture, tourism, ecology, pilot).

    Placed like a park (``location: {seat_of | in_county, placed_by}``) only where its
    lines name a place; without ``location`` it is a table row with an empty geometry.

    Parameters
    ----------
    row : Row
        The row of ``facility.yaml``.
    admin : AdminIndex
        Resolves the township and county names of the row.

    Returns
    -------
    dict
        The facility's columns.
    """
    row.check_keys(
        (
            "sector",
            "facility_type",
            "county_code",
            "township_codes",
            "status",
            "status_text",
            "target_year",
            "capacity",
            "location",
        )
    )
    rec = parse_common(row)
    place = _county_and_townships(row, admin)
    rec.update(
        sector=row.choice("sector", vocab.FACILITY_SECTORS),
        facility_type=row.text("facility_type", required=True),
        **place,
        status=row.choice("status", vocab.FACILITY_STATUSES),
        status_text=row.text("status_text") or "",
        target_year=row.year("target_year"),
        **_capacity(row),
        **_location(row, admin),
    )
    return rec


def parse_project(row: Row, admin: AdminIndex) -> dict[str, Any]:
    """A planned-project record from one YAML row, validated.

    Parameters
    ----------
    row : Row
        The row of ``project.yaml``.
    admin : AdminIndex
        Resolves the township and county names of the row.

    Returns
    -------
    dict
        The project's columns.
    """
    row.check_keys(
        (
            "category",
            "status",
            "status_text",
            "target_year",
            "county_codes",
            "feature_ids",
            "scheme_member",
            "milestones",
        )
    )
    rec = parse_common(row)
    counties = [_county(row, admin, c, "county_codes") for c in row.text_list("county_codes")]
    member = row.text("scheme_member")
    if member is not None and (member.count(":") != 1 or not all(member.split(":"))):
        raise row.error(f"{member!r} is not 'scheme_id:code'", "scheme_member")
    rec.update(
        category=row.choice("category", vocab.PROJECT_CATEGORIES),
        status=row.choice("status", vocab.PROJECT_STATUSES),
        status_text=row.text("status_text") or "",
        target_year=row.year("target_year"),
        county_codes=counties,
        feature_ids=row.text_list("feature_ids"),
        scheme_member=member or "",
        milestones=_milestones(row),
    )
    return rec


def _milestones(row: Row) -> list[dict[str, Any]]:
    """Dated steps of a project: ``[{year, text, sources}]`` (text as the plan words it)."""
    raw = row.get("milestones")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise row.error("must be a list of {year, text, sources}", "milestones")
    out = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise row.error(f"milestone {i} must be a mapping", "milestones")
        step = Row(dict(item, id=f"{row.label} milestone {i}"), row.file, row.position)
        step.check_keys(("year", "text"))
        year = step.year("year")
        if year is None:
            raise step.error("a milestone needs its year", "year")
        refs, _ = parse_sources(step)
        out.append({"year": year, "text": step.text("text", required=True), "sources": refs})
    return out


def parse_scheme(row: Row) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A scheme and its members (in order)."""
    row.check_keys(
        (
            "level",
            "version_note",
            "supersedes",
            "superseded_by",
            "members_listed",
            "members",
            "readings",
        )
    )
    rec = parse_common(row)
    listed = row.flag("members_listed", default=True)
    members_raw = row.get("members") or []
    if not isinstance(members_raw, list):
        raise row.error("must be a list of members", "members")
    if not listed and members_raw:
        raise row.error("members_listed is false but members are given", "members")
    if listed and not members_raw:
        raise row.error("members_listed is true but no members are given", "members")
    rec.update(
        level=row.choice("level", vocab.SCHEME_LEVELS),
        version_note=row.text("version_note") or "",
        supersedes=row.text_list("supersedes"),
        superseded_by=row.text_list("superseded_by"),
        members_listed=listed,
        readings=_parse_readings(row, rec["id"], row.get("readings"), extra_keys=("group",)),
    )
    members = []
    codes: set[str] = set()
    for order, raw in enumerate(members_raw, start=1):
        members.append(_parse_member(row, rec["id"], order, raw, codes))
    rec["member_count"] = len(members)
    return rec, members


def _parse_member(
    row: Row, scheme_id: str, order: int, raw: Any, codes: set[str]
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise row.error(f"member {order} must be a mapping, got {raw!r}", "members")
    code = raw.get("code")
    label = f"{scheme_id}:{code}" if isinstance(code, str) else f"{scheme_id} member {order}"
    member = Row(dict(raw, id=label), row.file, row.position)
    member.check_keys(("code", "label", "group", "roads", "readings", "text"))
    if not isinstance(code, str) or not ID_PATTERN.match(code):
        raise member.error(f"{code!r} is not an ASCII code like 'zong1'", "code")
    if code in codes:
        raise member.error(f"member code {code!r} is used twice in {scheme_id}", "code")
    codes.add(code)
    refs, quotes = parse_sources(member)
    readings = _parse_readings(member, label, raw.get("readings"))
    return {
        "scheme_id": scheme_id,
        "code": code,
        "member_id": label,
        "order": order,
        "label": member.text("label", required=True),
        "text": member.text("text") or "",
        "name": member.text("name") or "",
        "notes": member.text("notes") or "",
        "quote": member.text_list("quote"),
        "group": member.choice("group", vocab.MEMBER_GROUPS),
        "roads": member.text_list("roads", required=True),
        "sources": refs,
        "quotes": quotes,
        "readings": readings,
    }


def _parse_readings(
    row: Row, owner: str, raw: Any, extra_keys: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Alternative readings: ``[{roads, note, sources}]`` (a scheme's may name a ``group``)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise row.error("must be a list of {roads, note, sources}", "readings")
    readings = []
    for i, reading in enumerate(raw, start=1):
        if not isinstance(reading, dict):
            raise row.error(f"reading {i} must be a mapping", "readings")
        rrow = Row(dict(reading, id=f"{owner} reading {i}"), row.file, row.position)
        rrow.check_keys(("roads", "note", *extra_keys))
        rrefs, _ = parse_sources(rrow)
        group = rrow.choice("group", vocab.MEMBER_GROUPS, required=False) if extra_keys else None
        readings.append(
            {
                "roads": rrow.text_list("roads", required=True),
                "note": rrow.text("note") or "",
                "group": group or "",
                "sources": rrefs,
            }
        )
    return readings
