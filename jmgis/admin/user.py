"""Replace the schematic township polygons by official boundaries a user has.

:func:`load_user_townships` reads any OGR format, keyed by code or name, and checks it
hard: a missing or wrong CRS, swapped latitude/longitude, GCJ-02 coordinates declared as
WGS84, unknown or duplicate codes, ambiguous names, invalid geometry and missing townships
all raise :class:`~jmgis.errors.DataError` naming the file, the feature and the field.
Invalid geometry that ``make_valid`` repairs without changing its area by more than 0.1 %
is repaired with a warning instead.  Nothing is dropped silently.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import CRS

from jmgis.admin import plausibility, tables
from jmgis.admin.resolver import normalise_code, resolver
from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError, ResolveError
from jmgis.readers import read_vector

log = logging.getLogger(__name__)

CODE_FIELDS = ("code", "township_code", "XZQDM", "xzqdm", "adcode", "ADCODE", "乡镇代码")
NAME_FIELDS = ("name", "XZQMC", "xzqmc", "NAME", "乡镇名称", "名称")
COUNTY_FIELDS = ("county", "county_name", "county_code", "县", "县级")
# Jiangmen's extent with a margin, degrees.
JIANGMEN_BBOX = (111.5, 21.2, 113.7, 23.1)


def _pick(frame: gpd.GeoDataFrame, wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    if wanted:
        if wanted not in frame.columns:
            raise DataError(f"no such field; fields are {list(frame.columns)}", field=wanted)
        return wanted
    return next((c for c in candidates if c in frame.columns), None)


def _check_coordinates(frame: gpd.GeoDataFrame, path: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise DataError(
            "the layer has no CRS; declare it (e.g. a .prj beside a Shapefile, or "
            "gdf.set_crs('EPSG:4490'))",
            file=path,
            field="crs",
        )
    minx, miny, maxx, maxy = frame.to_crs(STORAGE_CRS).total_bounds
    west, south, east, north = JIANGMEN_BBOX
    if south <= minx <= north and west <= miny <= east:
        raise DataError(
            "latitude and longitude look swapped (x holds ~22°, y ~112°): swap the axes "
            "(e.g. shapely.transform(geoms, lambda c: c[:, ::-1]))",
            file=path,
            field="geometry",
        )
    if not (west <= minx and maxx <= east and south <= miny and maxy <= north):
        raise DataError(
            f"coordinates ({minx:.4g}, {miny:.4g}, {maxx:.4g}, {maxy:.4g}) in the declared CRS "
            f"{CRS.from_user_input(frame.crs).to_string()} do not lie in Jiangmen: is the CRS "
            "right? (projected data labelled as degrees, or the wrong Gauss-Krüger zone)",
            file=path,
            field="crs",
        )
    return frame.to_crs(STORAGE_CRS)


def _codes(
    frame: gpd.GeoDataFrame,
    path: str,
    code_field: str | None,
    name_field: str | None,
    county_field: str | None,
) -> list[str]:
    known = set(tables.townships()["code"])
    codes: list[str] = []
    for position, row in enumerate(frame.itertuples(index=False), start=1):
        feature = f"#{position}"
        if code_field:
            value = normalise_code(getattr(row, code_field))
            if value not in known:
                raise DataError(
                    f"unknown township code {value!r}", file=path, feature=feature, field=code_field
                )
            codes.append(value)
        else:
            # The caller names a name field whenever it names no code field.
            name = str(getattr(row, name_field))  # type: ignore[arg-type]
            county = str(getattr(row, county_field)) if county_field else None
            try:
                codes.append(resolver().township(name, county=county).code)
            except ResolveError as exc:
                raise DataError(
                    str(exc), file=path, feature=f"{feature} {name}", field=name_field
                ) from exc
    seen: dict[str, int] = {}
    for position, code in enumerate(codes, start=1):
        if code in seen:
            raise DataError(
                f"township {code} appears twice (features #{seen[code]} and #{position}); "
                "dissolve parts into one feature per township",
                file=path,
                feature=f"#{position}",
                field=code_field or name_field,
            )
        seen[code] = position
    return codes


def _repair(frame: gpd.GeoDataFrame, path: str, key: str | None) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values.copy()
    for i, geom in enumerate(geoms):
        feature = f"#{i + 1} {frame.iloc[i]['code']}"
        if geom is None or geom.is_empty:
            raise DataError("empty geometry", file=path, feature=feature, field="geometry")
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise DataError(
                f"{geom.geom_type} is not a polygon", file=path, feature=feature, field="geometry"
            )
        if geom.is_valid:
            continue
        fixed = shapely.make_valid(geom)
        polys = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else None
        change = (
            abs(fixed.area - geom.buffer(0).area) / max(geom.buffer(0).area, 1e-12)
            if fixed
            else 1.0
        )
        reason = shapely.is_valid_reason(geom)
        if fixed is None or change > 1e-3:
            raise DataError(
                f"invalid geometry that cannot be repaired safely ({reason})",
                file=path,
                feature=feature,
                field="geometry",
            )
        warnings.warn(
            f"{path}, feature {feature}, field 'geometry': repaired invalid geometry ({reason})",
            stacklevel=3,
        )
        geoms[i] = fixed
    frame = frame.copy()
    frame.geometry.values[:] = geoms
    return frame


def load_user_townships(
    path: str | Path,
    *,
    layer: str | int | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    county_field: str | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read official township boundaries and check them.

    Parameters
    ----------
    path
        Any OGR-readable file (GeoPackage, Shapefile, GeoJSON …).
    layer
        Layer name or index for multi-layer files.
    code_field, name_field, county_field
        Fields holding the 9-digit (or 12-digit) code, or the name and optionally the
        county; detected from common names (``code``, ``XZQDM``, ``name``, ``XZQMC`` …)
        when not given.  Codes win over names.
    encoding
        Attribute encoding for files without one declared (e.g. ``"cp936"``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``geometry_quality`` (``official``), ``source`` (the file), geometry in
        EPSG:4490 — ready for :func:`jmgis.admin.load_townships`.
    """
    path = str(path)
    key = _cache_key(path, layer, code_field, name_field, county_field, encoding)
    if key in _loaded:
        return _loaded[key].copy()
    frame = read_vector(path, layer=layer, encoding=encoding)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise DataError("the layer has no geometry", file=path, field="geometry")
    code_field = _pick(frame, code_field, CODE_FIELDS)
    name_field = None if code_field else _pick(frame, name_field, NAME_FIELDS)
    if not code_field and not name_field:
        raise DataError(
            f"no code or name field found; fields are {list(frame.columns)} "
            "(pass code_field= or name_field=)",
            file=path,
        )
    county_field = _pick(frame, county_field, COUNTY_FIELDS) if name_field else None
    frame = _check_coordinates(frame, path)
    frame["code"] = _codes(frame, path, code_field, name_field, county_field)
    frame = _repair(frame, path, code_field or name_field)
    missing = sorted(set(tables.townships()["code"]) - set(frame["code"]))
    if missing:
        raise DataError(
            f"{len(missing)} townships missing: {', '.join(missing)}",
            file=path,
            field=code_field or name_field,
        )
    plausibility.check_townships(frame, path)
    out = gpd.GeoDataFrame(
        {
            "code": frame["code"],
            "geometry_quality": "official",
            "source": f"user boundaries: {Path(path).name}",
        },
        geometry=[
            shapely.MultiPolygon(shapely.get_parts(g)) if g.geom_type == "Polygon" else g
            for g in frame.geometry
        ],
        crs=STORAGE_CRS,
    )
    log.info("loaded %d official township boundaries from %s", len(out), path)
    _loaded.clear()  # keep one file: a build loads the same one several times
    _loaded[key] = out
    return out.copy()


# The last file loaded, keyed by its path, size and mtime and the options: a build reads it
# in the CLI (to fail fast) and in each step that needs townships.
_loaded: dict[tuple, gpd.GeoDataFrame] = {}


def _cache_key(path: str, *options: object) -> tuple:
    p = Path(path)
    try:
        stat = p.stat()
    except OSError:
        return (path, None, *options)
    return (str(p.resolve()), stat.st_size, stat.st_mtime_ns, *options)
