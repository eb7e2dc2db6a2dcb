"""``.qml`` and ``.sld`` files beside exported Shapefiles, so each opens styled.

QGIS loads ``<name>.qml`` beside ``<name>.shp`` as the layer's default style (renderer,
labels and the Chinese field aliases); other GIS software reads the ``.sld``.  Shapefile
field names are at most 10 bytes (:func:`jmgis.io.shapefile.shapefile_field_names`), so
the style of the jmgis layer is made on its own column names (the style rules key on
them, e.g. ``t_city_gov_min``) and then every field reference is renamed to the short
name in the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from jmgis.atomic import atomic_write_bytes
from jmgis.io.qgis.qml import qml
from jmgis.io.qgis.sld import sld
from jmgis.io.qgis.styledef import LayerStyle, styled_layers
from jmgis.layers import LayerSpec

_QUOTED = re.compile(r'"([^"]+)"')


def renamed_style(style: LayerStyle, mapping: Mapping[str, str]) -> LayerStyle:
    """``style`` with every field it names renamed by ``mapping`` (column → short name).

    Parameters
    ----------
    style
        A style made on the jmgis column names.
    mapping
        Column name → field name in the file; names not in it are kept.

    Returns
    -------
    LayerStyle
        The same renderer, classes and labels on the file's field names.
    """

    def rename(field: str) -> str:
        return mapping.get(field, field)

    def name(field: str | None) -> str | None:
        return rename(field) if field is not None else None

    def expression(text: str) -> str:
        return _QUOTED.sub(lambda m: f'"{mapping.get(m.group(1), m.group(1))}"', text)

    rules = tuple(replace(r, filter=expression(r.filter)) for r in style.rules)
    labels = replace(style.labels, field=rename(style.labels.field)) if style.labels else None
    order_by = (rename(style.order_by[0]), style.order_by[1]) if style.order_by else None
    return replace(style, attr=name(style.attr), rules=rules, labels=labels, order_by=order_by)


def renamed_spec(spec: LayerSpec, mapping: Mapping[str, str], geometry: str) -> LayerSpec:
    """``spec`` with the fields present in the file, under their file names.

    Parameters
    ----------
    spec : LayerSpec
        The layer's spec.
    mapping : mapping of str to str
        Column → field name in the file; columns not in it are dropped.
    geometry : str
        The file's geometry type (``MultiPolygon`` …).

    Returns
    -------
    LayerSpec
        A copy of ``spec`` with the renamed fields and ``geometry``.
    """
    fields = tuple(replace(f, name=mapping[f.name]) for f in spec.fields if f.name in mapping)
    return replace(spec, fields=fields, geometry=geometry)


def write_sidecars(
    shp: str | Path,
    spec: LayerSpec,
    frame: pd.DataFrame,
    mapping: Mapping[str, str],
    geometry: str,
    *,
    style_as: str | None = None,
) -> list[Path]:
    """Write ``<shp stem>.qml`` and ``.sld`` for one Shapefile.

    Parameters
    ----------
    shp
        The ``.shp`` file.
    spec
        The jmgis layer's spec (jmgis column names).
    frame
        The rows in the file, with the jmgis column names (category lists follow them).
    mapping
        Column → field name in the file.
    geometry
        The file's geometry type (``MultiPolygon`` …).
    style_as
        The jmgis layer whose look the file takes (a profile's renamed layer); default
        ``spec.name``.

    Returns
    -------
    list of Path
        The two files written.
    """
    shp = Path(shp)
    like = style_as or spec.name
    source = replace(spec, name=like, geometry=geometry)
    (styled,) = styled_layers([source], {like: frame})
    style = renamed_style(styled.default, mapping)
    short = renamed_spec(spec, mapping, geometry)
    written = []
    for suffix, text in ((".qml", qml(style, short)), (".sld", sld(style, short))):
        path = shp.with_suffix(suffix)
        atomic_write_bytes(path, text.encode("utf-8"))
        written.append(path)
    return written
