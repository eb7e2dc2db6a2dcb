"""Load and validate the whole plan catalog (``data/projects/*.yaml``).

:func:`load_catalog` reads the catalog files, checks every row (and the links between rows:
unique ids across the catalog, ``related``, ``pattern``, ``supersedes``, ``scheme_member``,
``parent``) and returns a :class:`Catalog` of GeoDataFrames/DataFrames in EPSG:4490.
The result is cached per directory until one of the files changes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from jmgis.catalog import parse
from jmgis.catalog.admin_link import AdminIndex, admin_stamp, default_admin
from jmgis.catalog.geometry import park_point, structure_geometries
from jmgis.catalog.records import read_rows
from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError, UnknownIdError
from jmgis.paths import projects_dir

FILES = {
    "park": "park.yaml",
    "structure": "structure.yaml",
    "scheme": "scheme.yaml",
    "project": "project.yaml",
    "indicator": "indicator.yaml",
    "facility": "facility.yaml",
}


@dataclass
class Catalog:
    """The loaded catalog: one frame per kind (list-valued cells stay Python lists).

    Attributes
    ----------
    parks, structure
        GeoDataFrames (EPSG:4490); a row without a place has an empty geometry.
    schemes, scheme_members, projects, indicators
        DataFrames; ``scheme_members`` has one row per member, in scheme order.
    directory
        Where the YAML files were read.
    """

    parks: gpd.GeoDataFrame
    structure: gpd.GeoDataFrame
    schemes: pd.DataFrame
    scheme_members: pd.DataFrame
    projects: pd.DataFrame
    indicators: pd.DataFrame
    directory: Path
    facilities: gpd.GeoDataFrame | None = None

    FRAMES = (
        ("park", "parks"),
        ("structure", "structure"),
        ("scheme", "schemes"),
        ("project", "projects"),
        ("indicator", "indicators"),
        ("facility", "facilities"),
    )

    def frames(self) -> dict[str, pd.DataFrame]:
        """``{kind: frame}`` for the kinds that have ids."""
        return {
            kind: getattr(self, attr)
            for kind, attr in self.FRAMES
            if getattr(self, attr) is not None
        }

    def find(self, rid: str) -> tuple[str, dict[str, Any]]:
        """``(kind, record)`` of an id, or of a scheme member ``scheme_id:code``.

        Raises
        ------
        KeyError
            With the closest ids when ``rid`` is unknown.
        """
        for kind, frame in self.frames().items():
            hit = frame[frame["id"] == rid]
            if len(hit):
                return kind, hit.iloc[0].to_dict()
        hit = self.scheme_members[self.scheme_members["member_id"] == rid]
        if len(hit):
            return "scheme_member", hit.iloc[0].to_dict()
        raise UnknownIdError(_unknown_id_message(rid, self.all_ids()))

    def all_ids(self) -> list[str]:
        """Every record id of the catalog, scheme members last."""
        ids = [i for frame in self.frames().values() for i in frame["id"]]
        return ids + list(self.scheme_members["member_id"])

    def file_of(self, kind: str) -> Path:
        """The YAML file that holds the records of ``kind``."""
        return self.directory / FILES[kind]


def _unknown_id_message(rid: str, ids: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(rid, ids, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown catalog id {rid!r}{hint}"


_CACHE: dict[tuple, Catalog] = {}


def _stamp(directory: Path) -> tuple:
    out = []
    for name in FILES.values():
        path = directory / name
        out.append((name, path.stat().st_mtime_ns if path.exists() else None))
    return tuple(out)


def load_catalog(
    directory: str | Path | None = None, *, admin: AdminIndex | None = None
) -> Catalog:
    """Read and validate the catalog.

    Parameters
    ----------
    directory
        Directory of the YAML files (default ``jmgis.paths.projects_dir()``).  A missing
        file means zero rows of that kind.
    admin
        The administrative index to resolve townships against (default: the bundled
        boundaries of :mod:`jmgis.admin`).

    Raises
    ------
    DataError
        Naming the file, the row id and the field of the first problem found.

    Returns
    -------
    Catalog
        The catalog's frames, one per kind, and the scheme members.
    """
    directory = Path(directory) if directory is not None else projects_dir()
    key = (str(directory.resolve()), _stamp(directory), admin_stamp())
    if admin is None and key in _CACHE:
        return copy.deepcopy(_CACHE[key])
    catalog = _load(directory, admin or default_admin())
    if admin is None:
        _CACHE.clear()
        _CACHE[key] = copy.deepcopy(catalog)
    return catalog


def _load(directory: Path, admin: AdminIndex) -> Catalog:
    rows = {kind: read_rows(directory / name) for kind, name in FILES.items()}
    parks = [parse.parse_park(r, admin) for r in rows["park"]]
    structure = [parse.parse_structure(r, admin) for r in rows["structure"]]
    projects = [parse.parse_project(r, admin) for r in rows["project"]]
    indicators = [parse.parse_indicator(r) for r in rows["indicator"]]
    facilities = [parse.parse_facility(r, admin) for r in rows["facility"]]
    schemes, members = [], []
    for r in rows["scheme"]:
        scheme, its_members = parse.parse_scheme(r)
        schemes.append(scheme)
        members.extend(its_members)
    records = {
        "park": parks,
        "structure": structure,
        "scheme": schemes,
        "project": projects,
        "indicator": indicators,
        "facility": facilities,
    }
    _check_links(directory, records, members)

    park_points = {p["id"]: park_point(p) for p in parks}
    park_frame = gpd.GeoDataFrame(
        pd.DataFrame(parks, columns=_columns(parks, "park")),
        geometry=gpd.GeoSeries([park_points[p["id"]] for p in parks], crs=STORAGE_CRS),
        crs=STORAGE_CRS,
    )
    struct_geoms = structure_geometries(
        structure, admin, park_points, str(directory / FILES["structure"])
    )
    struct_frame = gpd.GeoDataFrame(
        pd.DataFrame(structure, columns=_columns(structure, "structure")),
        geometry=gpd.GeoSeries(struct_geoms, crs=STORAGE_CRS),
        crs=STORAGE_CRS,
    )
    projects_frame = pd.DataFrame(projects, columns=_columns(projects, "project"))
    projects_frame["target_year"] = pd.array(projects_frame["target_year"], dtype="Int64")
    indicator_frame = pd.DataFrame(indicators, columns=_columns(indicators, "indicator"))
    indicator_frame["row"] = pd.array(indicator_frame["row"], dtype="Int64")
    facility_frame = gpd.GeoDataFrame(
        pd.DataFrame(facilities, columns=_columns(facilities, "facility")),
        geometry=gpd.GeoSeries([park_point(f) for f in facilities], crs=STORAGE_CRS),
        crs=STORAGE_CRS,
    )
    facility_frame["target_year"] = pd.array(facility_frame["target_year"], dtype="Int64")
    return Catalog(
        parks=park_frame,
        structure=struct_frame,
        schemes=pd.DataFrame(schemes, columns=_columns(schemes, "scheme")),
        scheme_members=pd.DataFrame(members, columns=_columns(members, "scheme_member")),
        projects=projects_frame,
        indicators=indicator_frame,
        directory=directory,
        facilities=facility_frame,
    )


#: the columns every catalog row has
_COMMON_COLUMNS = [
    "id",
    "name",
    "aliases",
    "plan",
    "sources",
    "quotes",
    "row_quotes",
    "notes",
    "related",
]

#: columns of an empty frame of each kind (so that an absent file still has its columns)
_EMPTY_COLUMNS = {
    "park": [
        *_COMMON_COLUMNS,
        "kind",
        "level",
        "county_code",
        "county_codes",
        "township_codes",
        "zone_codes",
        "zone_code",
        "industries",
        "status",
        "status_text",
        "groups",
        "parent",
        "area_value",
        "area_unit",
        "area_source",
        "area_quote",
        "lon",
        "lat",
        "geometry_quality",
        "placed_by",
        "placement",
    ],
    "structure": [
        *_COMMON_COLUMNS,
        "kind",
        "pattern",
        "method",
        "township_codes",
        "county_codes",
        "zone_codes",
        "through",
        "geometry_quality",
        "positioning",
        "placed_by",
        "zone_code",
    ],
    "scheme": [
        *_COMMON_COLUMNS,
        "level",
        "version_note",
        "supersedes",
        "superseded_by",
        "members_listed",
        "readings",
        "member_count",
    ],
    "scheme_member": [
        "scheme_id",
        "code",
        "member_id",
        "order",
        "label",
        "text",
        "name",
        "notes",
        "quote",
        "group",
        "roads",
        "sources",
        "quotes",
        "readings",
    ],
    "project": [
        *_COMMON_COLUMNS,
        "category",
        "status",
        "status_text",
        "target_year",
        "county_codes",
        "feature_ids",
        "scheme_member",
        "milestones",
    ],
    "facility": [
        *_COMMON_COLUMNS,
        "sector",
        "facility_type",
        "county_code",
        "county_codes",
        "township_codes",
        "zone_codes",
        "zone_code",
        "status",
        "status_text",
        "target_year",
        "capacity_value",
        "capacity_unit",
        "capacity_quote",
        "capacity_source",
        "lon",
        "lat",
        "geometry_quality",
        "placed_by",
        "placement",
    ],
    "indicator": [
        *_COMMON_COLUMNS,
        "table",
        "row",
        "category",
        "unit",
        "growth",
        "target_2035",
        "nature",
        "zone_code",
        "value_2020",
        "value_2020_num",
        "target_2025",
        "target_2025_num",
    ],
}


def _columns(records: list[dict], kind: str) -> list[str]:
    return list(records[0]) if records else _EMPTY_COLUMNS[kind]


def _check_links(directory: Path, records: dict[str, list[dict]], members: list[dict]) -> None:
    seen: dict[str, str] = {}
    for kind, recs in records.items():
        for rec in recs:
            if rec["id"] in seen:
                raise DataError(
                    f"duplicate id (already used in {seen[rec['id']]})",
                    file=directory / FILES[kind],
                    feature=rec["id"],
                    field="id",
                )
            seen[rec["id"]] = FILES[kind]
    kinds = {rec["id"]: kind for kind, recs in records.items() for rec in recs}
    member_ids = {m["member_id"] for m in members}

    def fail(kind: str, rec: dict, field: str, message: str) -> None:
        raise DataError(message, file=directory / FILES[kind], feature=rec["id"], field=field)

    for kind, recs in records.items():
        for rec in recs:
            for rel in rec["related"]:
                if rel["id"] not in kinds and rel["id"] not in member_ids:
                    fail(kind, rec, "related", f"unknown id {rel['id']!r}")
                if rel["id"] == rec["id"]:
                    fail(kind, rec, "related", "a row cannot be related to itself")
    for rec in records["structure"]:
        if rec["pattern"] and kinds.get(rec["pattern"]) != "structure":
            fail("structure", rec, "pattern", f"{rec['pattern']!r} is not a structure id")
        for place in rec["through"]:
            if "park" in place and kinds.get(place["park"]) != "park":
                fail("structure", rec, "defined_by", f"{place['park']!r} is not a park id")
            if "structure" in place and kinds.get(place["structure"]) != "structure":
                fail(
                    "structure", rec, "defined_by", f"{place['structure']!r} is not a structure id"
                )
    for rec in records["park"]:
        if rec["parent"] and kinds.get(rec["parent"]) != "park":
            fail("park", rec, "parent", f"{rec['parent']!r} is not a park id")
    for rec in records["scheme"]:
        for field in ("supersedes", "superseded_by"):
            for other in rec[field]:
                if kinds.get(other) != "scheme":
                    fail("scheme", rec, field, f"{other!r} is not a scheme id")
    for rec in records["project"]:
        if rec["scheme_member"] and rec["scheme_member"] not in member_ids:
            fail("project", rec, "scheme_member", f"unknown scheme member {rec['scheme_member']!r}")
