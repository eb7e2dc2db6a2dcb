"""QGIS deliverable: default styles in ``layer_styles`` and the ``jiangmen`` project.

:func:`write_qgis` is the one entry point: after the ``gpkg`` build step it styles every
layer of the GeoPackage from the layer registry and :mod:`jmgis.style`, and stores the
project in the GeoPackage (and optionally as a ``.qgz`` beside it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyogrio

from jmgis.io.qgis.project import (
    PROJECT_NAME,
    gpkg_extent,
    project_xml,
    qgz_bytes,
    write_project_to_gpkg,
)
from jmgis.io.qgis.qml import qml
from jmgis.io.qgis.sld import sld
from jmgis.io.qgis.styledef import StyledLayer, geometry_kind, styled_layers
from jmgis.io.qgis.styles_table import StyleRow, write_layer_styles
from jmgis.layers import FieldSpec, LayerSpec, registry

__all__ = ["PROJECT_NAME", "gpkg_layer_specs", "write_qgis"]

INTERNAL_TABLES = frozenset({"layer_styles", "qgis_projects"})

_OGR_TYPES = {"int": "int", "float": "float", "bool": "bool", "date": "date"}


def _spec_from_file(path: Path, layer: str) -> LayerSpec:
    """A stand-in spec for a layer the registry does not know (styled, never dropped)."""
    info = pyogrio.read_info(path, layer=layer)
    fields = []
    for name, dtype in zip(info["fields"], info["dtypes"], strict=True):
        kind = next((v for k, v in _OGR_TYPES.items() if k in str(dtype)), "str")
        fields.append(FieldSpec(name, kind, name))
    geometry = info.get("geometry_type")
    return LayerSpec(
        layer, layer, "其他", geometry if geometry not in (None, "Unknown") else None, tuple(fields)
    )


def gpkg_layer_specs(gpkg: str | Path) -> list[LayerSpec]:
    """Specs of the GeoPackage's layers, in registry order, then unknown layers."""
    gpkg = Path(gpkg)
    present = [name for name, _ in pyogrio.list_layers(gpkg) if name not in INTERNAL_TABLES]
    specs = registry()
    known = [specs[name] for name in specs if name in present]
    return known + [_spec_from_file(gpkg, n) for n in present if n not in specs]


def _read_attributes(gpkg: Path, specs: list[LayerSpec]) -> dict[str, pd.DataFrame]:
    return {s.name: pyogrio.read_dataframe(gpkg, layer=s.name, read_geometry=False) for s in specs}


def style_rows(layers: list[StyledLayer], gpkg: Path) -> list[StyleRow]:
    """``layer_styles`` rows: the default style and the named alternatives of each layer."""
    import sqlite3

    from jmgis.io.qgis.styles_table import geometry_columns

    conn = sqlite3.connect(gpkg)
    try:
        columns = geometry_columns(conn)
    finally:
        conn.close()
    rows = []
    for layer in layers:
        geometry_column = columns.get(layer.spec.name, "") if geometry_kind(layer.spec) else ""
        for style in [layer.default, *layer.alternatives]:
            rows.append(
                StyleRow(
                    table=layer.spec.name,
                    geometry_column=geometry_column,
                    name=style.name,
                    qml=qml(style, layer.spec),
                    sld=sld(style, layer.spec),
                    default=style is layer.default,
                    description=style.description,
                )
            )
    return rows


def write_qgis(
    gpkg: str | Path,
    frames: Mapping[str, pd.DataFrame] | None = None,
    *,
    qgz: str | Path | None = None,
) -> list[Path]:
    """Write default styles and the project into ``gpkg``; returns the files written.

    Parameters
    ----------
    gpkg
        A GeoPackage written by :func:`jmgis.io.gpkg.write_gpkg`.
    frames
        The layers' data by name (the build context's layers); read from ``gpkg`` when
        omitted.  Category lists follow the values present in the data.
    qgz
        Also write the project as this ``.qgz`` file; it must sit in the GeoPackage's
        folder because the data sources are relative.
    """
    gpkg = Path(gpkg)
    specs = gpkg_layer_specs(gpkg)
    if frames is None or not all(s.name in frames for s in specs):
        frames = {**_read_attributes(gpkg, specs), **(frames or {})}
    layers = styled_layers(specs, frames)
    write_layer_styles(gpkg, style_rows(layers, gpkg))
    extent = gpkg_extent(gpkg, [s.name for s in specs])
    archive = qgz_bytes(project_xml(layers, gpkg.name, extent))
    write_project_to_gpkg(gpkg, archive)
    written = [gpkg]
    if qgz is not None:
        qgz = Path(qgz)
        if qgz.resolve().parent != gpkg.resolve().parent:
            raise ValueError(f"{qgz} must be in the GeoPackage's folder {gpkg.parent}")
        qgz.write_bytes(archive)
        written.append(qgz)
    return written
