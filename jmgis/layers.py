"""The layer registry: every layer jmgis writes, its fields, types and Chinese aliases.

The registry is read from ``jmgis/resources/layers/*.yaml`` (one file per subsystem), so
the GeoPackage writer, the QGIS styles (field aliases), the Shapefile exporter and the
planning-database profile all agree on one definition.  A file looks like::

    township:                      # layer name (ASCII snake_case) — contract
      title: 乡镇（街道）            # Chinese display name (QGIS layer tree, map legends)
      group: 行政区划                # QGIS layer-tree group
      geometry: MultiPolygon        # or Point, LineString, MultiLineString, None (table)
      fields:                       # in output order
        code: {type: str, alias: 乡镇代码}
        area_km2: {type: float, alias: 面积（平方千米）, unit: km²}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from jmgis.errors import DataError
from jmgis.paths import RESOURCES_DIR

FIELD_TYPES = ("str", "int", "float", "bool", "date")


@dataclass(frozen=True)
class FieldSpec:
    """One column of a layer."""

    name: str
    type: str
    alias: str
    unit: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the GeoPackage."""

    name: str
    title: str
    group: str
    geometry: str | None
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)

    @property
    def field_names(self) -> list[str]:
        """The registered column names, in registry order."""
        return [f.name for f in self.fields]

    @property
    def aliases(self) -> dict[str, str]:
        """Column name to its Chinese alias."""
        return {f.name: f.alias for f in self.fields}


def _parse(path: Path) -> dict[str, LayerSpec]:
    # the C loader when PyYAML has it: the registry is read by every command (5× faster)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    specs: dict[str, LayerSpec] = {}
    for name, body in raw.items():
        fields = []
        for fname, fbody in (body.get("fields") or {}).items():
            ftype = fbody.get("type", "str")
            if ftype not in FIELD_TYPES:
                raise DataError(
                    f"unknown type {ftype!r}", file=path, feature=f"layer {name}", field=fname
                )
            fields.append(
                FieldSpec(
                    fname,
                    ftype,
                    fbody.get("alias", fname),
                    fbody.get("unit"),
                    fbody.get("description"),
                )
            )
        geometry = body.get("geometry")
        specs[name] = LayerSpec(
            name=name,
            title=body.get("title", name),
            group=body.get("group", ""),
            geometry=None if geometry in (None, "None") else geometry,
            fields=tuple(fields),
        )
    return specs


@cache
def registry() -> dict[str, LayerSpec]:
    """All registered layers, by name."""
    specs: dict[str, LayerSpec] = {}
    for path in sorted((RESOURCES_DIR / "layers").glob("*.yaml")):
        for name, spec in _parse(path).items():
            if name in specs:
                raise DataError(f"layer {name!r} is defined twice", file=path, feature=name)
            specs[name] = spec
    return specs


def spec_from_frame(
    name: str, frame: object, *, title: str | None = None, group: str = ""
) -> LayerSpec:
    """A spec for a layer of the user's own (not in the registry), from its columns.

    Pass it to :func:`jmgis.io.gpkg.write_layer` (``spec=``) to write the layer on
    purpose; :func:`jmgis.io.gpkg.write_gpkg` writes registered layers only.

    Parameters
    ----------
    name
        The layer name (ASCII snake_case).
    frame
        A DataFrame or GeoDataFrame.
    title
        Display name (default ``name``).
    group
        QGIS layer-tree group.

    Returns
    -------
    LayerSpec
        Fields typed ``int``, ``float``, ``bool`` or ``str`` from the column dtypes.
    """
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    geometry_name = getattr(frame, "_geometry_column_name", None)
    fields = []
    for col in frame.columns:
        if col == geometry_name:
            continue
        dtype = frame[col].dtype
        kind = (
            "bool"
            if pd.api.types.is_bool_dtype(dtype)
            else "int"
            if pd.api.types.is_integer_dtype(dtype)
            else "float"
            if pd.api.types.is_float_dtype(dtype)
            else "str"
        )
        fields.append(FieldSpec(str(col), kind, str(col)))
    geometry = None
    if geometry_name is not None and len(frame):
        types = frame.geometry.geom_type.dropna().unique()
        geometry = str(types[0]) if len(types) == 1 else "Geometry"
    return LayerSpec(name, title or name, group, geometry, tuple(fields))


def columns(name: str) -> list[str]:
    """The registered columns of layer ``name``, in output order (geometry not included).

    Loaders select their columns with it, so a column exists in one place: the registry.
    """
    return layer_spec(name).field_names


def layer_spec(name: str) -> LayerSpec:
    """The spec of one layer; ``KeyError`` names the known layers."""
    specs = registry()
    if name not in specs:
        raise KeyError(f"unknown layer {name!r}; known: {', '.join(sorted(specs))}")
    return specs[name]
