"""The plan catalog.

Parks and platforms, spatial structure, road schemes, projects and indicators of the five Jiangmen
plan documents, each row traced to its ``file:line``.

The data are YAML files in ``data/projects/`` (see ``docs/ARCHITECTURE.md``);
:func:`load_catalog` reads and validates them, the ``load_*`` functions return one kind,
:mod:`jmgis.catalog.query` answers questions, :func:`explain` prints the plan lines behind
a row and :func:`check_sources` verifies every reference against the seeds.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from jmgis.admin.places import register_source
from jmgis.catalog.build import layers
from jmgis.catalog.check import SourceProblem, check_sources
from jmgis.catalog.explain import explain
from jmgis.catalog.loader import Catalog, load_catalog
from jmgis.catalog.query import (
    by_county,
    by_scheme,
    by_status,
    by_township,
    by_year,
    by_zone,
    projects_of_scheme,
    search,
)
from jmgis.catalog.sources import expand_ref, parse_ref

__all__ = [
    "Catalog",
    "SourceProblem",
    "by_county",
    "by_scheme",
    "by_status",
    "by_township",
    "by_year",
    "by_zone",
    "check_sources",
    "expand_ref",
    "explain",
    "layers",
    "load_catalog",
    "load_indicators",
    "load_parks",
    "load_projects",
    "load_scheme_members",
    "load_schemes",
    "load_structure",
    "park_places",
    "parse_ref",
    "projects_of_scheme",
    "search",
]


def load_parks() -> gpd.GeoDataFrame:
    """Parks and platforms (points, EPSG:4490) from ``data/projects/park.yaml``."""
    return load_catalog().parks


def park_places() -> gpd.GeoDataFrame:
    """Parks that have a place to route to: a township seat or a sourced coordinate.

    Parks placed only inside their county (``placement == "in_county"``) or not placed at
    all are left out: their point says "somewhere in this county", not where the park is.
    This is the layer to register with :func:`jmgis.admin.places.register_source`.  It is
    kept in the persistent cache (:func:`jmgis.cache.memo`, keyed by the settings and the
    contents of the data files), so resolving a name does not load the whole catalog.
    """
    from jmgis import cache
    from jmgis.settings import current

    def make() -> tuple[gpd.GeoDataFrame, bool]:
        parks = load_catalog().parks
        keep = parks["placement"].isin(["seat_of", "coordinate"])
        columns = ["id", "name", "aliases", "placement", "placed_by", "geometry"]
        return parks.loc[keep, columns], True

    return cache.memo(current(), "catalog", "park_places", {}, make)


def load_structure() -> gpd.GeoDataFrame:
    """Spatial structure (areas and schematic lines, EPSG:4490) from ``structure.yaml``."""
    return load_catalog().structure


def load_schemes() -> pd.DataFrame:
    """Road schemes (one row per scheme) from ``scheme.yaml``."""
    return load_catalog().schemes


def load_scheme_members() -> pd.DataFrame:
    """Scheme members in order (``scheme_id, code, member_id, label, group, roads …``)."""
    return load_catalog().scheme_members


def load_projects() -> pd.DataFrame:
    """Planned projects from ``project.yaml``, with their transport features.

    ``feature_ids`` are linked to the transport features that carry them out.
    """
    from jmgis.catalog.build import link_transport_features

    return link_transport_features(load_catalog().projects)


def load_indicators() -> pd.DataFrame:
    """Indicator rows from ``indicator.yaml``."""
    return load_catalog().indicators


# Parks with a place are names a user can route to (``jmgis route 珠西新材料集聚区 广州``).
register_source("park", park_places, "id")
