"""The catalog as GeoPackage layers: lists become ``'a; b'`` text, sources ``file:line; …``."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from jmgis.catalog.loader import Catalog, load_catalog
from jmgis.catalog.records import join
from jmgis.crs import STORAGE_CRS


def _related(cells: pd.Series) -> pd.Series:
    return cells.map(
        lambda rels: join(
            f"{r['id']}（{r['relation']}）" if r["relation"] else r["id"] for r in rels
        )
    )


def _flatten(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        if col == "source":
            out[col] = frame["sources"].map(join)
        elif col == "related":
            out[col] = _related(frame["related"])
        else:
            values = frame[col]
            if len(values) and values.map(lambda v: isinstance(v, list)).any():
                values = values.map(join)
            out[col] = values
    return out


PARK_COLUMNS = [
    "id",
    "name",
    "aliases",
    "kind",
    "level",
    "county_code",
    "township_codes",
    "township_names",
    "zone_code",
    "industries",
    "status",
    "status_text",
    "groups",
    "parent",
    "area_value",
    "area_unit",
    "area_source",
    "lon",
    "lat",
    "geometry_quality",
    "placed_by",
    "placement",
    "plan",
    "source",
    "related",
    "notes",
]
STRUCTURE_COLUMNS = [
    "id",
    "name",
    "aliases",
    "kind",
    "pattern",
    "method",
    "through",
    "township_codes",
    "county_codes",
    "zone_code",
    "positioning",
    "geometry_quality",
    "placed_by",
    "plan",
    "source",
    "related",
    "notes",
]
PROJECT_COLUMNS = [
    "id",
    "name",
    "aliases",
    "category",
    "status",
    "status_text",
    "target_year",
    "county_codes",
    "feature_ids",
    "scheme_member",
    "milestones",
    "plan",
    "source",
    "related",
    "notes",
]
INDICATOR_COLUMNS = [
    "id",
    "name",
    "plan",
    "table",
    "row",
    "category",
    "unit",
    "value_2020",
    "target_2025",
    "value_2020_num",
    "target_2025_num",
    "growth",
    "nature",
    "zone_code",
    "source",
    "notes",
]
SCHEME_COLUMNS = [
    "id",
    "name",
    "aliases",
    "plan",
    "level",
    "members_listed",
    "member_count",
    "version_note",
    "supersedes",
    "superseded_by",
    "source",
    "related",
    "notes",
]
SCHEME_MEMBER_COLUMNS = [
    "member_id",
    "scheme_id",
    "code",
    "seq",
    "label",
    "member_group",
    "text",
    "roads",
    "readings",
    "source",
    "notes",
]


def _township_names(frame: pd.DataFrame) -> pd.Series:
    from jmgis.catalog.admin_link import default_admin

    admin = default_admin()
    return frame["township_codes"].map(lambda codes: [admin.township(c)["name"] for c in codes])


def link_transport_features(projects: pd.DataFrame) -> pd.DataFrame:
    """Fill each project's ``feature_ids`` with the transport features that name it in
    their ``project_ids`` (``jmgis.transport.project_features``), keeping ids already
    listed in ``project.yaml``."""
    from jmgis import transport

    linked = transport.project_features()
    projects = projects.copy()
    projects["feature_ids"] = [
        list(dict.fromkeys([*own, *linked.get(pid, [])]))
        for pid, own in zip(projects["id"], projects["feature_ids"], strict=True)
    ]
    return projects


def layers(catalog: Catalog | None = None) -> dict[str, pd.DataFrame]:
    """``{"park", "structure", "project", "indicator", "scheme", "scheme_member"}``.

    ``park`` and ``structure`` are GeoDataFrames in EPSG:4490 (structure mixes areas and
    schematic lines; pattern rows have no geometry); the others are attribute tables.
    """
    catalog = catalog or load_catalog()
    parks = catalog.parks.copy()
    parks["township_names"] = _township_names(parks) if len(parks) else []
    park = gpd.GeoDataFrame(_flatten(parks, PARK_COLUMNS), geometry=parks.geometry, crs=STORAGE_CRS)
    struct = catalog.structure.copy()
    struct["through"] = struct["through"].map(lambda places: " → ".join(p["label"] for p in places))
    structure = gpd.GeoDataFrame(
        _flatten(struct, STRUCTURE_COLUMNS),
        geometry=catalog.structure.geometry,
        crs=STORAGE_CRS,
    )
    projects = link_transport_features(catalog.projects)
    projects["milestones"] = projects["milestones"].map(
        lambda steps: join(f"{s['year']} {s['text']}（{'、'.join(s['sources'])}）" for s in steps)
    )
    projects = _flatten(projects, PROJECT_COLUMNS)
    projects["target_year"] = pd.array(catalog.projects["target_year"], dtype="Int64")
    indicators = _flatten(catalog.indicators, INDICATOR_COLUMNS)
    indicators["row"] = pd.array(catalog.indicators["row"], dtype="Int64")
    members = catalog.scheme_members.rename(columns={"order": "seq", "group": "member_group"})
    members["readings"] = members["readings"].map(
        lambda rs: join(
            f"{'、'.join(r['roads'])}（{r['note']}，{'、'.join(r['sources'])}）" for r in rs
        )
    )
    return {
        "park": park,
        "structure": structure,
        "project": projects,
        "indicator": indicators,
        "scheme": _flatten(catalog.schemes, SCHEME_COLUMNS),
        "scheme_member": _flatten(members, SCHEME_MEMBER_COLUMNS),
    }
