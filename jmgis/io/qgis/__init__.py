"""QGIS deliverable: default styles in ``layer_styles`` and the ``jiangmen`` project.

:func:`write_qgis` is the one entry point: after the ``gpkg`` build step it styles every
layer of the GeoPackage from the layer registry and :mod:`jmgis.style`, and stores the
project in the GeoPackage (and optionally as a ``.qgz`` beside it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from jmgis.atomic import atomic_write_bytes
from jmgis.io.qgis.layout import LAYOUT_GROUPS
from jmgis.io.qgis.project import (
    PROJECT_NAME,
    gpkg_extent,
    project_xml,
    qgz_bytes,
    write_project_to_gpkg,
)
from jmgis.io.qgis.qml import qml
from jmgis.io.qgis.raster import raster_layer
from jmgis.io.qgis.sld import sld
from jmgis.io.qgis.styledef import StyledLayer, geometry_kind, styled_layers
from jmgis.io.qgis.styles_table import StyleRow, geometry_columns, write_layer_styles
from jmgis.io.qgis.views import VIEW_SUFFIX, create_township_views, list_views
from jmgis.layers import FieldSpec, LayerSpec, registry

__all__ = ["INTERNAL_TABLES", "PROJECT_NAME", "gpkg_layer_specs", "list_views", "write_qgis"]

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
    if geometry == "Unknown":  # a feature table of mixed geometry types
        geometry = "Geometry"
    return LayerSpec(layer, layer, "其他", geometry, tuple(fields))


def gpkg_layer_specs(
    gpkg: str | Path, specs: Mapping[str, LayerSpec] | None = None
) -> list[LayerSpec]:
    """Specs of the GeoPackage's layers, in registry order, then unknown layers.

    ``specs`` adds or overrides registry entries (e.g. an export profile's layers).

    Parameters
    ----------
    gpkg : str or pathlib.Path
        The GeoPackage file.
    specs : Mapping of str to LayerSpec or None
        Specs of layers the registry does not describe, by name.

    Returns
    -------
    list of LayerSpec
        One spec per layer.
    """
    gpkg = Path(gpkg)
    present = [name for name, _ in pyogrio.list_layers(gpkg) if name not in INTERNAL_TABLES]
    specs = {**registry(), **(specs or {})}
    known = [specs[name] for name in specs if name in present]
    return known + [_spec_from_file(gpkg, n) for n in present if n not in specs]


def _read_attributes(gpkg: Path, specs: list[LayerSpec]) -> dict[str, pd.DataFrame]:
    return {s.name: pyogrio.read_dataframe(gpkg, layer=s.name, read_geometry=False) for s in specs}


def _family(geom_type: str) -> str:
    return geom_type.replace("Multi", "")


def _variants(
    spec: LayerSpec, frame: pd.DataFrame | None, gpkg: Path
) -> list[tuple[str, LayerSpec, pd.DataFrame]] | None:
    """Per geometry family of a table holding several (largest first), else None.

    QGIS shows such a table as one layer per geometry type (``geometrytype=`` filter); a
    style applies only to its own geometry type.
    """
    if pyogrio.read_info(gpkg, layer=spec.name).get("geometry_type") not in (None, "Unknown"):
        return None
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = pyogrio.read_dataframe(gpkg, layer=spec.name)
    types = frame.geom_type.dropna()
    families = types.map(_family).value_counts()
    if families.empty:
        return None
    variants = []
    for family in families.index:
        members = types[types.map(_family) == family]
        multi = members.str.startswith("Multi").any()
        geometry = f"Multi{family}" if multi else family
        variants.append((family, replace(spec, geometry=geometry), frame.loc[members.index]))
    return variants


def _styled(spec: LayerSpec, frame: pd.DataFrame | None, style_as: str) -> StyledLayer:
    """Style ``spec`` like the jmgis layer ``style_as`` (same name unless a profile renamed)."""
    (styled,) = styled_layers([replace(spec, name=style_as)], {style_as: frame})
    styled.spec = spec
    return styled


def styled_gpkg_layers(
    gpkg: Path,
    specs: list[LayerSpec],
    frames: Mapping[str, pd.DataFrame],
    style_as: Mapping[str, str] | None = None,
) -> list[StyledLayer]:
    """Styles of every layer; a table with several geometry types is split per type.

    Parameters
    ----------
    gpkg : pathlib.Path
        The GeoPackage file.
    specs : list of LayerSpec
        The layers to style.
    frames : Mapping of str to pandas.DataFrame
        The layers' attributes, by name (for the classes present).
    style_as : Mapping of str to str or None
        Layer name → the jmgis layer whose style it takes.

    Returns
    -------
    list of StyledLayer
        The styled layers.
    """
    style_as = style_as or {}
    layers: list[StyledLayer] = []
    for spec in specs:
        frame = frames.get(spec.name)
        like = style_as.get(spec.name, spec.name)
        variants = _variants(spec, frame, gpkg) if spec.geometry else None
        if variants is None:
            layers += _per_year(_styled(spec, frame, like), frame)
            continue
        for family, variant_spec, subset in variants:
            styled = _styled(variant_spec, subset, like)
            styled.geometry_filter = family if len(variants) > 1 else None
            layers.append(styled)
    return layers


YEAR_FIELD = "year"
PAIR_FIELDS = ("year_before", "year_after")
TARGET_FIELD = "target"


def _target_title(frame: pd.DataFrame, target: str) -> str:
    """The Chinese name of a destination.

    The alias of its ``t_<target>_min`` column (至市政府（分钟） → 市政府), else the id.
    """
    column = f"t_{target}_min"
    for spec in registry().values():
        alias = spec.aliases.get(column)
        if alias and alias != column:
            return alias.removeprefix("至").split("（")[0]
    return target


HUB_FIELD = "origin_name"
"""Isochrones (``band_min`` per ``origin_name``) get one entry per hub and year."""


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _hubs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """``(subset test, title part)`` per isochrone hub, or one empty pair."""
    if HUB_FIELD not in frame.columns or "band_min" not in frame.columns:
        return [("", "")]
    names = list(dict.fromkeys(str(v) for v in frame[HUB_FIELD].dropna()))
    if len(names) < 2:
        return [("", "")]
    return [(f'"{HUB_FIELD}" = {_quoted(n)} AND ', f"：{n}") for n in names]


def _per_year(layer: StyledLayer, frame: pd.DataFrame | None) -> list[StyledLayer]:
    """One project entry per scenario year (or year pair) of a drawn layer.

    A layer with ``year`` gets one entry per year (isochrones: per hub and year, so the
    3 hubs × 4 bands do not overlap in one layer); one with ``year_before``/``year_after``
    one per pair, restricted to its first ``target`` when it has several destinations
    (the others are one filter edit away).  Only the latest year / widest pair is on.
    """
    if geometry_kind(layer.spec) is None or frame is None:
        return [layer]
    if YEAR_FIELD in frame.columns and not frame[YEAR_FIELD].dropna().empty:
        years = sorted({int(y) for y in frame[YEAR_FIELD].dropna()})
        hubs = _hubs(frame)
        return [
            replace(
                layer,
                subset=f'{hub_test}"{YEAR_FIELD}" = {year}',
                title_suffix=f"{hub_title} {year}年",
                visible=year == years[-1],
            )
            for hub_test, hub_title in hubs
            for year in years
        ]
    if not set(PAIR_FIELDS) <= set(frame.columns):
        return [layer]
    pairs = frame[list(PAIR_FIELDS)].dropna().astype(int).drop_duplicates()
    if pairs.empty:
        return [layer]
    widest = (int(pairs["year_before"].min()), int(pairs["year_after"].max()))
    target_test, target_title = "", ""
    if TARGET_FIELD in frame.columns and not frame[TARGET_FIELD].dropna().empty:
        target = str(frame[TARGET_FIELD].dropna().iloc[0])
        target_test = f"\"{TARGET_FIELD}\" = '{target.replace(chr(39), chr(39) * 2)}' AND "
        target_title = f"，至{_target_title(frame, target)}"
    entries = []
    for before, after in sorted(pairs.itertuples(index=False, name=None)):
        subset = f'{target_test}"year_before" = {before} AND "year_after" = {after}'
        entries.append(
            replace(
                layer,
                subset=subset,
                title_suffix=f"（{before}→{after}{target_title}）",
                visible=(before, after) == widest,
            )
        )
    return entries


def style_rows(layers: list[StyledLayer], gpkg: Path) -> list[StyleRow]:
    """``layer_styles`` rows: the default style and the named alternatives of each layer.

    For a table split by geometry type the largest part's style is the default and the
    others are stored as ``default_<type>`` (QGIS applies only the default automatically,
    and only to a layer of the same geometry type).

    Parameters
    ----------
    layers : list of StyledLayer
        The styled layers.
    gpkg : pathlib.Path
        The GeoPackage file.

    Returns
    -------
    list of StyleRow
        The rows.
    """
    conn = sqlite3.connect(gpkg)
    try:
        columns = geometry_columns(conn)
    finally:
        conn.close()
    rows = []
    seen: set[str] = set()
    for layer in layers:
        table = layer.spec.name
        if layer.subset is not None and table in seen:
            continue  # the same style serves every year
        geometry_column = columns.get(table, "") if geometry_kind(layer.spec) else ""
        first = table not in seen
        seen.add(table)
        for style in [layer.default, *layer.alternatives]:
            rows.append(
                StyleRow(
                    table=table,
                    geometry_column=geometry_column,
                    name=style.name if first else f"{style.name}_{layer.geometry_filter}",
                    qml=qml(style, layer.spec),
                    sld=sld(style, layer.spec),
                    default=style is layer.default and first,
                    description=style.description,
                )
            )
    return rows


def layout_sources(
    specs: Sequence[LayerSpec], frames: Mapping[str, pd.DataFrame]
) -> dict[str, list[str]]:
    """The footer's data sources of each print layout, read from the layers it shows.

    Parameters
    ----------
    specs : sequence of LayerSpec
        The project's layers (a layout shows those of its groups).
    frames : mapping of str to pandas.DataFrame
        The layers' data, by layer name.

    Returns
    -------
    dict of str to list of str
        The footer's data sources, by layout name.
    """
    from jmgis.maps.sources import footer_sources

    wanted = {
        "A3 三区图": LAYOUT_GROUPS["三区图"],
        "A3 综合交通图": LAYOUT_GROUPS["综合交通图"],
        "A3 可达性图": ("行政区划", "可达性"),
    }
    return {
        name: footer_sources(frames.get(s.name) for s in specs if s.group in groups)
        for name, groups in wanted.items()
    }


def write_qgis(
    gpkg: str | Path,
    frames: Mapping[str, pd.DataFrame] | None = None,
    *,
    qgz: str | Path | None = None,
    specs: Mapping[str, LayerSpec] | None = None,
    style_as: Mapping[str, str] | None = None,
    rasters: Sequence[str | Path] = (),
    review_no: str | None = None,
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
    specs, style_as
        Specs of layers the registry does not describe, and the jmgis layer each one
        should look like (:func:`jmgis.io.profiles.apply_profile` gives both).
    rasters
        Travel-time GeoTIFFs in the GeoPackage's folder, added to the project in the
        可达性栅格 group with a pseudocolour style (:mod:`jmgis.io.qgis.raster`).
    review_no
        The 审图号 printed on the print layouts, only when one was issued.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    gpkg = Path(gpkg)
    style_map = style_as
    old_views = list_views(gpkg)
    listed = [s for s in gpkg_layer_specs(gpkg, specs) if s.name not in old_views]
    views = {v.name[: -len(VIEW_SUFFIX)]: v for v in create_township_views(gpkg, listed)}
    with_views: list[LayerSpec] = []
    for spec in listed:
        with_views += [spec, views[spec.name]] if spec.name in views else [spec]
    frames = dict(frames or {})
    missing = [s for s in with_views if s.name not in frames]
    frames.update(_read_attributes(gpkg, missing))
    layers = styled_gpkg_layers(gpkg, with_views, frames, style_map)
    write_layer_styles(gpkg, style_rows(layers, gpkg))
    extent = gpkg_extent(gpkg, [s.name for s in with_views])
    raster_layers = []
    for path in rasters:
        path = Path(path)
        if path.resolve().parent != gpkg.resolve().parent:
            raise ValueError(f"{path} must be in the GeoPackage's folder {gpkg.parent}")
        raster_layers.append(raster_layer(path))
    xml = project_xml(
        layers,
        gpkg.name,
        extent,
        rasters=raster_layers,
        sources=layout_sources(with_views, frames),
        review_no=review_no,
    )
    archive = qgz_bytes(xml)
    write_project_to_gpkg(gpkg, archive)
    written = [gpkg]
    if qgz is not None:
        qgz = Path(qgz)
        if qgz.resolve().parent != gpkg.resolve().parent:
            raise ValueError(f"{qgz} must be in the GeoPackage's folder {gpkg.parent}")
        atomic_write_bytes(qgz, archive)
        written.append(qgz)
    return written
