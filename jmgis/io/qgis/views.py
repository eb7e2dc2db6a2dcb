"""Map layers for attribute tables keyed by township: spatial views in the GeoPackage.

Accessibility results are tables (one row per township and year, :mod:`jmgis.access`);
QGIS can only draw them with a geometry.  Rather than copy geometry into the tables, the
GeoPackage gets a **view** ``<table>_map`` joining each row to its township polygon by
``code`` (a LEFT JOIN: rows without a township keep their attributes, without a
shape).  GDAL and QGIS read registered spatial views like tables (verified with QGIS
3.22 / GDAL 3.6); the view is registered in ``gpkg_contents`` and
``gpkg_geometry_columns`` as the GeoPackage specification allows.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

from jmgis.buildtime import iso_utc
from jmgis.io.qgis.styledef import CHANGE_FIELD, TRAVEL_TIME_FIELD
from jmgis.layers import LayerSpec

log = logging.getLogger(__name__)

VIEW_SUFFIX = "_map"
GEOMETRY_LAYER = "township"
KEY = "code"


def wants_view(spec: LayerSpec) -> bool:
    """A table keyed by township ``code`` holding travel times or their change."""
    if spec.geometry is not None or KEY not in spec.field_names:
        return False
    return any(TRAVEL_TIME_FIELD.match(f) or f == CHANGE_FIELD for f in spec.field_names)


def list_views(gpkg: str | Path) -> set[str]:
    """Names of the views in a GeoPackage."""
    conn = sqlite3.connect(gpkg)
    try:
        return {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    finally:
        conn.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_township_view(conn: sqlite3.Connection, spec: LayerSpec) -> LayerSpec:
    """Create (or replace) the view ``<table>_map`` and return its layer spec.

    Parameters
    ----------
    conn : sqlite3.Connection
        An open connection to the GeoPackage.
    spec : LayerSpec
        The layer's registry entry.

    Returns
    -------
    LayerSpec
        The view's spec.
    """
    view = spec.name + VIEW_SUFFIX
    row = conn.execute(
        "SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns "
        "WHERE table_name = ?",
        (GEOMETRY_LAYER,),
    ).fetchone()
    if row is None:
        raise ValueError(f"no {GEOMETRY_LAYER} layer to draw {spec.name} on")
    geom, geometry_type, srs_id = row
    columns = ", ".join(f"a.{_quote(f)}" for f in spec.field_names)
    conn.execute(f"DROP VIEW IF EXISTS {_quote(view)}")
    conn.execute(
        f"CREATE VIEW {_quote(view)} AS SELECT a.fid AS fid, t.{_quote(geom)} AS geom, "
        f"{columns} FROM {_quote(spec.name)} a "
        f"LEFT JOIN {_quote(GEOMETRY_LAYER)} t ON t.{KEY} = a.{KEY}"
    )
    conn.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (view,))
    conn.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (view,))
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
        "last_change, min_x, min_y, max_x, max_y, srs_id) "
        "SELECT ?, 'features', ?, ?, ?, "
        "min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents WHERE table_name = ?",
        (view, view, f"{spec.title}（按乡镇绘制的视图）", iso_utc(millis=True), GEOMETRY_LAYER),
    )
    conn.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, "
        "srs_id, z, m) VALUES (?, 'geom', ?, ?, 0, 0)",
        (view, geometry_type, srs_id),
    )
    unmatched = conn.execute(
        f"SELECT count(*) FROM {_quote(spec.name)} a WHERE NOT EXISTS "
        f"(SELECT 1 FROM {_quote(GEOMETRY_LAYER)} t WHERE t.{KEY} = a.{KEY})"
    ).fetchone()[0]
    if unmatched:
        log.warning("%s: %d rows have no township %s and no shape", spec.name, unmatched, KEY)
    return replace(
        spec,
        name=view,
        title=f"{spec.title}（分布图）",
        geometry="MultiPolygon" if geometry_type.upper().startswith("MULTI") else "Polygon",
    )


def create_township_views(gpkg: str | Path, specs: list[LayerSpec]) -> list[LayerSpec]:
    """Views for every table :func:`wants_view` in the GeoPackage; their specs.

    Parameters
    ----------
    gpkg : str or pathlib.Path
        The GeoPackage file.
    specs : list of LayerSpec
        The GeoPackage's layers.

    Returns
    -------
    list of LayerSpec
        The views' specs.
    """
    conn = sqlite3.connect(gpkg)
    try:
        has_townships = conn.execute(
            "SELECT 1 FROM gpkg_geometry_columns WHERE table_name = ?", (GEOMETRY_LAYER,)
        ).fetchone()
        if not has_townships:
            return []
        with conn:
            return [create_township_view(conn, s) for s in specs if wants_view(s)]
    finally:
        conn.close()
