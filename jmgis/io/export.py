"""Exports of the built layers: a GeoPackage (optionally in a profile) or Shapefiles.

The layers come from the built GeoPackage (``out/jiangmen.gpkg`` by default, as written
by ``jmgis build``); without one the caller may pass a function that builds them in memory
(the command line passes :func:`jmgis.pipeline.build_layers`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from jmgis.atomic import staged_files
from jmgis.errors import DataError
from jmgis.io.gpkg import read_layer, write_layer
from jmgis.io.profiles import apply_profile
from jmgis.io.qgis import INTERNAL_TABLES, list_views, write_qgis
from jmgis.io.shapefile import write_shapefiles
from jmgis.readers import check_file, layer_names

log = logging.getLogger(__name__)

DEFAULT_SOURCE = Path("out") / "jiangmen.gpkg"


def read_gpkg_layers(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every data layer of a jmgis GeoPackage (styles and projects left out)."""
    path = check_file(path)
    names = layer_names(path)  # a clear DataError for a file that is not a GeoPackage
    views = list_views(path)  # maps jmgis derives from tables; rebuilt on export
    names = [n for n in names if n not in INTERNAL_TABLES | views]
    return {name: read_layer(path, name) for name in names}


def load_layers(
    source: str | Path | None = None,
    only: Sequence[str] | None = None,
    *,
    build: Callable[[], dict[str, pd.DataFrame]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The layers to export, optionally only some.

    Parameters
    ----------
    source
        A jmgis GeoPackage (default ``out/jiangmen.gpkg``).
    only
        Layer names to keep.
    build
        Called to build the layers in memory when ``source`` is not given and the default
        GeoPackage does not exist (the command line passes
        :func:`jmgis.pipeline.build_layers`).

    Returns
    -------
    dict
        Layer name → frame.
    """
    path = Path(source) if source else DEFAULT_SOURCE
    if path.exists():
        layers = read_gpkg_layers(path)
    elif source or build is None:
        raise FileNotFoundError(path)
    else:
        log.info("%s not found: building the layers in memory", path)
        layers = build()
    if only:
        unknown = [n for n in only if n not in layers]
        if unknown:
            raise DataError(f"unknown layers {unknown}; present: {', '.join(layers)}")
        layers = {n: layers[n] for n in only}
    return layers


def export_gpkg(
    layers: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    profile: str = "default",
    qgz: bool = False,
) -> list[Path]:
    """Write a styled GeoPackage with its project (and a ``.qgz`` beside it if asked).

    Parameters
    ----------
    layers : Mapping of str to pandas.DataFrame
        Layers by name (registered names, EPSG:4490).
    path : str or pathlib.Path
        The GeoPackage to write.
    profile : str
        Export profile (see :mod:`jmgis.io.profiles`).
    qgz : bool
        Also write ``<name>.qgz`` beside it.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    result = apply_profile(layers, profile)
    path = Path(path)
    # The GeoPackage and its .qgz are written under their own names in a temporary
    # folder beside them (the stored project names the file) and renamed in when complete.
    with staged_files(path.parent) as tmp:
        staged = tmp / path.name
        for name, frame in result.layers.items():
            write_layer(frame, staged, name, spec=result.specs.get(name))
        written = write_qgis(
            staged,
            result.layers,
            qgz=staged.with_suffix(".qgz") if qgz else None,
            specs=result.specs,
            style_as=result.style_as,
        )
    return [path.parent / p.name for p in written]


def export_shapefiles(
    layers: Mapping[str, pd.DataFrame],
    out_dir: str | Path,
    *,
    profile: str = "default",
    long_text: str = "split",
) -> list[Path]:
    """One Shapefile set per layer plus ``fields.csv`` (see :mod:`jmgis.io.shapefile`).

    Each ``.shp`` comes with ``.qml``/``.sld`` sidecars styled like its jmgis layer.

    Parameters
    ----------
    layers : Mapping of str to pandas.DataFrame
        Layers by name (registered names, EPSG:4490).
    out_dir : str or pathlib.Path
        The output folder.
    profile : str
        Export profile (see :mod:`jmgis.io.profiles`).
    long_text : str
        ``split`` or ``error`` for text over 254 bytes (see :mod:`jmgis.io.shapefile`).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    result = apply_profile(layers, profile)
    return write_shapefiles(
        result.layers,
        out_dir,
        specs=result.specs,
        long_text=long_text,
        style_as=result.style_as,
        widths=result.widths,
    )
