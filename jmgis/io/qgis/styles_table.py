"""The ``layer_styles`` table of a GeoPackage, written exactly as QGIS writes it.

QGIS (``QgsOgrProviderUtils`` / ``saveStyle``) creates the table through OGR; opening a
layer, it loads the style with ``f_table_schema = ''`` (the empty string, not NULL),
``f_table_name`` = the layer and ``f_geometry_column`` = the geometry column, preferring
``useAsDefault`` and then the newest ``update_time``.  The DDL below is the one QGIS 3.22
produced in a GeoPackage (read back with ``sqlite3``), and the table is registered in
``gpkg_contents`` as an ``attributes`` table like OGR does, so GDAL lists it and QGIS
users can keep saving their own styles into it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jmgis.buildtime import iso_utc
from jmgis.errors import DataError

TABLE = "layer_styles"

DDL = (
    'CREATE TABLE IF NOT EXISTS "layer_styles" ( '
    '"id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)

_COUNT_TRIGGERS = (
    'CREATE TRIGGER IF NOT EXISTS "trigger_insert_feature_count_layer_styles" AFTER INSERT '
    'ON "layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END",
    'CREATE TRIGGER IF NOT EXISTS "trigger_delete_feature_count_layer_styles" AFTER DELETE '
    'ON "layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END",
)


@dataclass(frozen=True)
class StyleRow:
    """One row of ``layer_styles``."""

    table: str
    geometry_column: str
    name: str
    qml: str
    sld: str
    default: bool
    description: str


def geometry_columns(conn: sqlite3.Connection) -> dict[str, str]:
    """Geometry column of each feature table, from ``gpkg_geometry_columns``."""
    rows = conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
    return {table: column for table, column in rows}


def _now() -> str:
    return iso_utc(millis=True)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _create(conn: sqlite3.Connection) -> None:
    conn.execute(DDL)
    stamp = _now()
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
        "last_change, srs_id) VALUES (?, 'attributes', ?, '', ?, 0)",
        (TABLE, TABLE, stamp),
    )
    if _has_table(conn, "gpkg_ogr_contents"):
        conn.execute(
            "INSERT OR IGNORE INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, 0)",
            (TABLE,),
        )
        for trigger in _COUNT_TRIGGERS:
            conn.execute(trigger)


def write_layer_styles(gpkg: str | Path, rows: Iterable[StyleRow]) -> int:
    """Insert (or replace, by layer and style name) style rows; returns how many.

    A style for a table that is not in the GeoPackage, or with the wrong geometry column,
    raises :class:`~jmgis.errors.DataError`: QGIS would silently never load it.

    Parameters
    ----------
    gpkg : str or pathlib.Path
        The GeoPackage file.
    rows : Iterable of StyleRow
        The style rows.

    Returns
    -------
    int
        Rows written.
    """
    gpkg = Path(gpkg)
    if not gpkg.exists():
        raise FileNotFoundError(gpkg)
    conn = sqlite3.connect(gpkg)
    try:
        known = {name for (name,) in conn.execute("SELECT table_name FROM gpkg_contents")}
        geometry = geometry_columns(conn)
        with conn:
            _create(conn)
            count = 0
            stamp = _now()
            for row in rows:
                if row.table not in known:
                    raise DataError(
                        "style for a layer that is not there", file=str(gpkg), feature=row.table
                    )
                expected = geometry.get(row.table, "")
                if row.geometry_column != expected:
                    raise DataError(
                        f"geometry column {row.geometry_column!r}, the layer has {expected!r}",
                        file=str(gpkg),
                        feature=row.table,
                        field="f_geometry_column",
                    )
                conn.execute(
                    "DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                    (row.table, row.name),
                )
                if row.default:
                    conn.execute(
                        "UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ?",
                        (row.table,),
                    )
                conn.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                    "description, owner, ui, update_time) "
                    "VALUES ('', '', ?, ?, ?, ?, ?, ?, ?, '', NULL, ?)",
                    (
                        row.table,
                        row.geometry_column,
                        row.name,
                        row.qml,
                        row.sld,
                        1 if row.default else 0,
                        row.description,
                        stamp,
                    ),
                )
                count += 1
    finally:
        conn.close()
    return count
