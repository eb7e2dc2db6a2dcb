"""Write and read the jmgis GeoPackage.

Layers are written in the registry's column order (:mod:`jmgis.layers`), in EPSG:4490,
as GeoPackage 1.2 so that QGIS 3.22 (GDAL 3.6) opens them without warnings.  Tables
without geometry (catalog rows, accessibility tables) are written as attribute tables.
Writing then reading is lossless: :func:`read_layer` restores the registry's dtypes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from jmgis.buildtime import iso_utc, reproducible
from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError
from jmgis.layers import LayerSpec, registry

GPKG_VERSION = "1.2"

_DTYPES = {"str": "string", "int": "Int64", "float": "float64", "bool": "boolean"}


def _ordered(frame: pd.DataFrame, spec: LayerSpec | None, layer: str) -> pd.DataFrame:
    """The frame's registered columns in registry order.

    Unregistered layers and columns are errors (the registry is the contract every output is written
    from).
    """
    if spec is None:
        raise DataError(
            "is not a registered layer (add it to jmgis/resources/layers/*.yaml)",
            file=f"layer {layer}",
        )
    missing = [f for f in spec.field_names if f not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=f"layer {layer}")
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    extra = [c for c in frame.columns if c not in spec.field_names and c != geometry]
    if extra:
        raise DataError(
            f"unregistered columns {extra} (register them in jmgis/resources/layers/*.yaml)",
            file=f"layer {layer}",
            field=str(extra[0]),
        )
    cols = list(spec.field_names)
    if isinstance(frame, gpd.GeoDataFrame):
        cols = [*cols, frame.geometry.name]
    return frame[cols]


def _pin_gdal_clock() -> None:
    """Pin the GeoPackage timestamps to the build time.

    With ``SOURCE_DATE_EPOCH`` set, GDAL stamps ``gpkg_contents.last_change`` with the build
    time (its ``OGR_CURRENT_DATE``
    config option) instead of the clock; unset, the option is cleared so that the clock is used
    again.
    """
    stamp = iso_utc(millis=True) if reproducible() else None
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})


def write_layer(
    frame: pd.DataFrame, path: str | Path, layer: str, *, spec: LayerSpec | None = None
) -> None:
    """Write one layer (GeoDataFrame → spatial layer, DataFrame → attribute table).

    Parameters
    ----------
    frame : pandas.DataFrame
        The layer (registered columns only).
    path : str or pathlib.Path
        The GeoPackage.
    layer : str
        The registered layer name.
    spec : LayerSpec or None
        The registry entry (looked up by ``layer`` when ``None``).
    """
    spec = spec or registry().get(layer)
    frame = _ordered(frame, spec, layer)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"VERSION": GPKG_VERSION} if not path.exists() else {}
    _pin_gdal_clock()
    if isinstance(frame, gpd.GeoDataFrame):
        if frame.crs is None:
            raise DataError("layer has no CRS", file=f"layer {layer}")
        frame = frame.to_crs(STORAGE_CRS)
        if frame.geometry.name != "geom":
            frame = frame.rename_geometry("geom")
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer,
            driver="GPKG",
            dataset_options=options,
            promote_to_multi=spec is not None and (spec.geometry or "").startswith("Multi"),
        )
    else:
        pyogrio.write_dataframe(
            pd.DataFrame(frame), path, layer=layer, driver="GPKG", dataset_options=options
        )


#: The layer that lists the data sources and licences of a GeoPackage.
SOURCES_LAYER = "data_source"


def data_sources(layers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The data sources the layers' ``source`` values name, with licence and attribution.

    One row per source of :data:`jmgis.attribution.DATA_SOURCES` that at least one layer
    carries, with those layers; "© OpenStreetMap contributors, ODbL" is a row exactly
    when an OpenStreetMap-derived layer is among ``layers``.

    Parameters
    ----------
    layers
        Frames by layer name.

    Returns
    -------
    pandas.DataFrame
        The ``data_source`` table (columns of its registry entry).
    """
    from jmgis.attribution import DATA_SOURCES, source_values

    named: dict[str, list[str]] = {}
    for name, frame in layers.items():
        if name == SOURCES_LAYER or frame is None:
            continue
        for column in ("source", "sources"):
            if column not in frame.columns:
                continue
            values = source_values(frame[column])
            for source in DATA_SOURCES:
                if any(source.pattern.search(v) for v in values):
                    named.setdefault(source.key, [])
                    if name not in named[source.key]:
                        named[source.key].append(name)
    rows = [
        {
            "source_key": s.key,
            "title": s.title,
            "licence": s.licence,
            "attribution": s.footer,
            "layers": "; ".join(named[s.key]),
        }
        for s in DATA_SOURCES
        if s.key in named
    ]
    columns = registry()[SOURCES_LAYER].field_names
    return pd.DataFrame(rows, columns=columns).astype("string")


def write_gpkg(
    layers: Mapping[str, pd.DataFrame], path: str | Path, *, atomic: bool = True
) -> Path:
    """Write every layer to a fresh GeoPackage at ``path`` (replacing an old file).

    The ``data_source`` table (:func:`data_sources`: sources, licences, the ODbL
    attribution where OpenStreetMap-derived data are) is added unless ``layers`` has one.

    Parameters
    ----------
    layers
        Frames by layer name.
    path
        The GeoPackage.
    atomic
        Write a temporary file beside ``path`` and rename it into place when every layer
        is in (:func:`jmgis.atomic.atomic_path`), so ``path`` is never partial.  ``False``
        writes ``path`` directly: for a file in a build's staging folder that later steps
        complete before it is published.

    Returns
    -------
    Path
        ``path``.
    """
    from jmgis.atomic import atomic_path, output_errors

    path = Path(path)
    if SOURCES_LAYER not in layers:
        table = data_sources(layers)
        if len(table):
            layers = {**layers, SOURCES_LAYER: table}
    if not atomic:
        with output_errors(path):
            if path.exists():
                path.unlink()
            for name, frame in layers.items():
                write_layer(frame, path, name)
        return path
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            write_layer(frame, tmp, name)
    return path


def read_layer(path: str | Path, layer: str) -> pd.DataFrame:
    """Read a layer back with the registry's column types (strings stay strings).

    Parameters
    ----------
    path : str or pathlib.Path
        The GeoPackage.
    layer : str
        The layer name.

    Returns
    -------
    pandas.DataFrame
        The layer (a GeoDataFrame when it has geometry).
    """
    frame = pyogrio.read_dataframe(path, layer=layer)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    spec = registry().get(layer)
    if spec is not None:
        for f in spec.fields:
            if f.name in frame.columns and f.type in _DTYPES:
                frame[f.name] = frame[f.name].astype(_DTYPES[f.type])
    return frame


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers in a GeoPackage."""
    return [name for name, _ in pyogrio.list_layers(path)]
