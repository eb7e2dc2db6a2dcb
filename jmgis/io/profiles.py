"""Export profiles: the jmgis layers renamed for other databases.

``default``
    The layers as jmgis writes them (ASCII snake_case, registry order).
``planning-db``
    The administrative layers in the naming of the national territorial-planning
    databases (《市级国土空间总体规划数据库规范（试行）》, 自然资源部 2021, §6.2.1 市级/县级/
    乡镇级行政区), so the file can be loaded next to a planning database.  See
    ``docs/export_profiles.md`` for the table and the sources.

    ======== ======== =======================================================
    jmgis    profile  fields (first the standard ones, then jmgis's own)
    ======== ======== =======================================================
    city     SJXZQ    BSM, YSDM, XZQDM, XZQMC, MJ, BZ, source
    county   XJXZQ    BSM, YSDM, XZQDM, XZQMC, MJ, BZ, name_en, source
    township XZQ      BSM, YSDM, XZQDM, XZQMC, MJ, BZ, kind, county_code, …
    ======== ======== =======================================================

    * ``BSM`` 标识码 (text 18): ``440700`` + a 12-digit running number over the
      exported administrative features (unique in the file; jmgis's numbering).
    * ``YSDM`` 要素代码 (text 10): ``1000600100`` 行政区, the feature code public
      planning-database checkers require for the XZQ layer (land-use database coding).
    * ``XZQDM`` 行政区代码 (text 12): the 6-digit GB/T 2260 code for the city and
      counties; for townships the 9-digit code + ``000`` (12 digits, as in the NBS
      统计用区划代码 and the XZQ checks).  Always text: leading zeros matter.
    * ``XZQMC`` 行政区名称; ``MJ`` 面积 in **square metres** (geodesic, from ``area_km2``),
      2 decimals; ``BZ`` 备注 says when the boundary is schematic or derived.
    * The layer names ``SJXZQ``/``XJXZQ`` follow the spec's pinyin-initial pattern for
      市级/县级行政区; ``XZQ`` (乡镇级) is the name the public checkers use.  Other layers
      are exported unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd

from jmgis.errors import DataError
from jmgis.layers import FieldSpec, LayerSpec, registry

CITY_CODE = "440700"
YSDM_XZQ = "1000600100"
M2_PER_KM2 = 1_000_000.0

QUALITY_NOTES = {
    "schematic": "示意边界，非法定界线",
    "derived": "推算边界",
    "official": "",
}


@dataclass(frozen=True)
class AdminRename:
    """How one jmgis administrative layer maps to a planning-database layer."""

    source: str
    target: str
    title: str
    code_suffix: str = ""
    """Appended to ``code`` to make ``XZQDM`` (townships: ``000`` → 12 digits)."""


PLANNING_DB_LAYERS: tuple[AdminRename, ...] = (
    AdminRename("city", "SJXZQ", "市级行政区"),
    AdminRename("county", "XJXZQ", "县级行政区"),
    AdminRename("township", "XZQ", "乡镇级行政区", code_suffix="000"),
)

STANDARD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("BSM", "str", "标识码"),
    FieldSpec("YSDM", "str", "要素代码"),
    FieldSpec("XZQDM", "str", "行政区代码"),
    FieldSpec("XZQMC", "str", "行政区名称"),
    FieldSpec("MJ", "float", "面积（平方米）", unit="m²"),
    FieldSpec("BZ", "str", "备注"),
)
FIELD_WIDTHS: dict[str, int] = {"BSM": 18, "YSDM": 10, "XZQDM": 12, "XZQMC": 100, "BZ": 254}
"""Text widths (bytes) of the standard fields, as the planning-database conventions give
them (BSM Text 18, YSDM Text 10, XZQDM Text 12, XZQMC Text 100, BZ Text 255 — observed in
two independent public planning-database tools, project notes ``china_planning.md:213-220``;
not read from the 自然资源部 spec itself).  BZ is 254, the most a DBF text field holds.
``MJ`` is a double.  Applied to Shapefile exports (:func:`jmgis.io.shapefile.write_shapefiles`
``widths=``); a value longer than its width is an error, never cut."""
REPLACED = ("code", "name", "area_km2")
"""jmgis columns that become standard fields (code → XZQDM, name → XZQMC, area → MJ)."""


@dataclass
class ProfileResult:
    """Layers after a profile, their specs, and which jmgis layer each one styles like."""

    layers: dict[str, pd.DataFrame]
    specs: dict[str, LayerSpec]
    style_as: dict[str, str]
    widths: dict[str, dict[str, int]] = field(default_factory=dict)
    """Text field widths (bytes) by layer and field, where the profile fixes them."""


def _default(layers: Mapping[str, pd.DataFrame]) -> ProfileResult:
    specs = registry()
    return ProfileResult(
        dict(layers), {n: specs[n] for n in layers if n in specs}, {n: n for n in layers}
    )


def _admin_frame(rename: AdminRename, frame: pd.DataFrame, first_bsm: int) -> pd.DataFrame:
    missing = [c for c in REPLACED if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=f"layer {rename.source}")
    codes = frame["code"].astype("string")
    if codes.isna().any():
        row = codes.index[codes.isna()][0]
        raise DataError("no code", file=f"layer {rename.source}", feature=str(row), field="code")
    quality = (
        frame["geometry_quality"].map(QUALITY_NOTES).fillna("")
        if "geometry_quality" in frame.columns
        else pd.Series("", index=frame.index)
    )
    standard = pd.DataFrame(
        {
            "BSM": [f"{CITY_CODE}{first_bsm + i:012d}" for i in range(len(frame))],
            "YSDM": YSDM_XZQ,
            "XZQDM": codes + rename.code_suffix,
            "XZQMC": frame["name"].astype("string"),
            "MJ": (frame["area_km2"].astype(float) * M2_PER_KM2).round(2),
            "BZ": quality.astype("string"),
        },
        index=frame.index,
    )
    rest = frame.drop(columns=list(REPLACED))
    result = pd.concat([standard, pd.DataFrame(rest)], axis=1)
    if isinstance(frame, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(result, geometry=frame.geometry.name, crs=frame.crs)
    return result


def _admin_spec(rename: AdminRename) -> LayerSpec:
    source = registry()[rename.source]
    kept = tuple(f for f in source.fields if f.name not in REPLACED)
    return replace(source, name=rename.target, title=rename.title, fields=STANDARD_FIELDS + kept)


def _planning_db(layers: Mapping[str, pd.DataFrame]) -> ProfileResult:
    result = _default(layers)
    renames = {r.source: r for r in PLANNING_DB_LAYERS}
    out_layers: dict[str, pd.DataFrame] = {}
    out_specs: dict[str, LayerSpec] = {}
    style_as: dict[str, str] = {}
    next_bsm = 1
    for name, frame in layers.items():
        rename = renames.get(name)
        if rename is None:
            out_layers[name] = frame
            if name in result.specs:
                out_specs[name] = result.specs[name]
            style_as[name] = name
            continue
        frame = frame.sort_values("code", kind="stable")
        out_layers[rename.target] = _admin_frame(rename, frame, next_bsm)
        out_specs[rename.target] = _admin_spec(rename)
        style_as[rename.target] = name
        next_bsm += len(frame)
    widths = {r.target: dict(FIELD_WIDTHS) for r in PLANNING_DB_LAYERS if r.target in out_layers}
    return ProfileResult(out_layers, out_specs, style_as, widths)


PROFILES: dict[str, Callable[[Mapping[str, pd.DataFrame]], ProfileResult]] = {
    "default": _default,
    "planning-db": _planning_db,
}


def apply_profile(layers: Mapping[str, pd.DataFrame], profile: str = "default") -> ProfileResult:
    """Rename layers and fields for an export profile (see the module docstring).

    Parameters
    ----------
    layers : Mapping of str to pandas.DataFrame
        Layers by name (registered names, EPSG:4490).
    profile : str
        Export profile (see :mod:`jmgis.io.profiles`).

    Returns
    -------
    ProfileResult
        The renamed layers, their specs and the jmgis layer each is styled like.
    """
    if profile not in PROFILES:
        raise DataError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    return PROFILES[profile](layers)
