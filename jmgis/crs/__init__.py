"""Coordinate reference systems of jmgis.

- Storage and exchange: **CGCS2000 geographic, EPSG:4490** (every layer jmgis writes).
- Analysis (metres): **EPSG:4547**, CGCS2000 / 3-degree Gauss-Krüger CM 114°E, by default.
  Jiangmen (111°59′–113°15′E) straddles the 112.5°E zone boundary; EPSG:4547 keeps the
  scale error under 0.06 % in the far west (Enping), which is fine for travel times and
  buffers.  Alternatives, selectable with ``analysis_crs=`` or ``$JMGIS_ANALYSIS_CRS``:

  =========  =========================================================
  EPSG:4546  CGCS2000 / 3-degree GK CM 111°E (western Jiangmen)
  EPSG:4526  CGCS2000 / 3-degree GK zone 38 (CM 114°E, zone prefix 38)
  EPSG:4525  CGCS2000 / 3-degree GK zone 37 (CM 111°E, zone prefix 37)
  =========  =========================================================

- Areas for statistics are **geodesic** (on the CGCS2000/GRS80 ellipsoid), never planar.
- GCJ-02 / BD-09 data is converted explicitly with :mod:`jmgis.crs.gcj02` and
  :func:`convert_gdf`; it is never mixed with CGCS2000 data.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Geod

from jmgis.crs.gcj02 import (
    CONVERSIONS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from jmgis.errors import DataError
from jmgis.settings import DEFAULT_ANALYSIS_CRS, current

STORAGE_CRS = "EPSG:4490"
ALTERNATIVE_ANALYSIS_CRS = ("EPSG:4546", "EPSG:4526", "EPSG:4525")
GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid is numerically GRS80

__all__ = [
    "ALTERNATIVE_ANALYSIS_CRS",
    "DEFAULT_ANALYSIS_CRS",
    "MAX_SCALE_ERROR",
    "STORAGE_CRS",
    "analysis_crs",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "convert_gdf",
    "convert_geometries",
    "crs_for_data",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geodesic_area_km2",
    "geodesic_length_m",
    "scale_error",
    "to_analysis",
    "to_storage",
    "utm_crs",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]


def analysis_crs(crs: str | int | CRS | None = None) -> CRS:
    """The metric CRS used for analysis.

    ``crs`` if given, else the ``analysis_crs`` of the settings in effect (EPSG:4547 by default).
    Refuses geographic CRSs (metres are required).
    """
    if crs is None:
        crs = current().analysis_crs
    chosen = CRS.from_user_input(crs)
    if not chosen.is_projected:
        raise ValueError(f"analysis CRS must be projected (metres), got {chosen.to_string()}")
    return chosen


def to_analysis(gdf: gpd.GeoDataFrame, crs: str | int | CRS | None = None) -> gpd.GeoDataFrame:
    """Project a GeoDataFrame to the analysis CRS (metres).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features with a CRS.
    crs : str, int, pyproj.CRS or None
        The metric CRS (``None`` = the analysis CRS of the settings, EPSG:4547 by default).

    Returns
    -------
    geopandas.GeoDataFrame
        The features in metres.
    """
    if gdf.crs is None:
        raise DataError(
            "GeoDataFrame has no CRS; set it (e.g. EPSG:4490) before projecting", field="crs"
        )
    return gdf.to_crs(analysis_crs(crs))


def to_storage(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Project a GeoDataFrame to the storage CRS EPSG:4490."""
    if gdf.crs is None:
        raise DataError(
            "GeoDataFrame has no CRS; set it before converting to EPSG:4490", field="crs"
        )
    return gdf.to_crs(STORAGE_CRS)


def geodesic_area_km2(geoms: gpd.GeoSeries | gpd.GeoDataFrame) -> np.ndarray:
    """Geodesic area of each (multi)polygon in km², on the CGCS2000 ellipsoid.

    The geometries are taken to 4490 first if they carry another CRS.
    """
    series = geoms.geometry if isinstance(geoms, gpd.GeoDataFrame) else geoms
    if series.crs is not None and not CRS.from_user_input(series.crs).is_geographic:
        series = series.to_crs(STORAGE_CRS)
    areas = np.array(
        [abs(GEOD.geometry_area_perimeter(g)[0]) if g is not None else np.nan for g in series],
        dtype=float,
    )
    return areas / 1e6


def geodesic_length_m(geoms: gpd.GeoSeries) -> np.ndarray:
    """Geodesic length of each line in metres, on the CGCS2000 ellipsoid."""
    if geoms.crs is not None and not CRS.from_user_input(geoms.crs).is_geographic:
        geoms = geoms.to_crs(STORAGE_CRS)
    return np.array([GEOD.geometry_length(g) if g is not None else np.nan for g in geoms])


def convert_geometries(
    geoms: np.ndarray | gpd.GeoSeries, func: Callable[..., tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """Apply a coordinate conversion ``func(lon, lat) -> (lon, lat)`` to every vertex.

    Every geometry is converted in one vectorised call (shapely 2 ``transform``).

    Parameters
    ----------
    geoms : numpy.ndarray or geopandas.GeoSeries
        Geometries with longitude/latitude coordinates (degrees).
    func : Callable
        ``func(lon, lat) -> (lon, lat)`` on arrays (e.g. :func:`jmgis.crs.gcj02.wgs84_to_gcj02`).

    Returns
    -------
    numpy.ndarray
        The converted geometries, same order.
    """

    def _apply(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms), _apply)


def convert_gdf(gdf: gpd.GeoDataFrame, source: str, target: str) -> gpd.GeoDataFrame:
    """Convert a GeoDataFrame between ``wgs84``, ``gcj02`` and ``bd09`` coordinates.

    The frame's CRS stays geographic (EPSG:4326 for ``wgs84``); GCJ-02 and BD-09 have no
    EPSG code, so a frame holding them is labelled EPSG:4326 *and* must be tracked by the
    caller — jmgis only holds such frames transiently (import and display).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features in geographic coordinates.
    source, target : str
        ``wgs84``, ``gcj02`` or ``bd09``.

    Returns
    -------
    geopandas.GeoDataFrame
        A converted copy.
    """
    key = (source.lower(), target.lower())
    if key not in CONVERSIONS:
        raise ValueError(
            f"unknown conversion {source!r} -> {target!r}; known: {sorted(CONVERSIONS)}"
        )
    if gdf.crs is not None and not CRS.from_user_input(gdf.crs).is_geographic:
        raise DataError(
            "convert_gdf needs longitude/latitude coordinates, not a projected CRS", field="crs"
        )
    converted = convert_geometries(gdf.geometry.values, CONVERSIONS[key])
    return gdf.set_geometry(
        gpd.GeoSeries(converted, index=gdf.index, crs=gdf.crs or "EPSG:4326"),
        crs=gdf.crs or "EPSG:4326",
    )


#: Largest scale error (as a fraction, 0.001 = 0.1 %) accepted at the edge of the data for
#: a projected analysis CRS to "cover" them (:func:`crs_for_data`).  EPSG:4547 reaches
#: 0.06 % at Jiangmen's western edge, so the default keeps covering the whole city.
MAX_SCALE_ERROR = 0.001


def scale_error(crs: str | int | CRS, bounds: tuple[float, float, float, float]) -> float:
    """The largest point scale error of ``crs`` over a lon/lat box (fraction, e.g. 0.001).

    Parameters
    ----------
    crs
        A projected CRS.
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` in degrees (WGS84 / CGCS2000).

    Returns
    -------
    float
        ``max |k − 1|`` over a 5 × 5 grid of the box (``inf`` where the projection fails).
    """
    from pyproj import Proj

    chosen = CRS.from_user_input(crs)
    proj = Proj(chosen)
    lons = np.linspace(bounds[0], bounds[2], 5)
    lats = np.linspace(bounds[1], bounds[3], 5)
    lon, lat = (a.ravel() for a in np.meshgrid(lons, lats))
    try:
        factors = proj.get_factors(lon, lat)
    except Exception:
        return float("inf")
    scale = np.concatenate(
        [np.asarray(factors.meridional_scale), np.asarray(factors.parallel_scale)]
    )
    if not np.all(np.isfinite(scale)):
        return float("inf")
    return float(np.max(np.abs(scale - 1.0)))


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone of a point (EPSG:326xx north, 327xx south).

    Parameters
    ----------
    lon, lat
        The point (degrees).

    Returns
    -------
    pyproj.CRS
        The UTM zone's CRS.
    """
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def crs_for_data(
    bounds: tuple[float, float, float, float],
    requested: str | int | CRS | None = None,
    *,
    what: str = "the data",
    max_scale_error: float = MAX_SCALE_ERROR,
) -> CRS:
    """The analysis CRS for data in a lon/lat box: the CRS rule.

    - ``requested`` given (the user fixed a CRS): it is used when its scale error over the
      box is at most ``max_scale_error``; otherwise :class:`DataError` says so and names
      the local UTM zone to use instead.
    - ``requested`` ``None``: the ``analysis_crs`` of the settings in effect when the user
      changed it (it is then held to the same test); else the default analysis CRS
      (EPSG:4547) when it covers the box, else the local UTM zone of the box's centre,
      logged.

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` in degrees.
    requested
        A CRS the user fixed, or ``None``.
    what
        Names the data in messages (a file name).
    max_scale_error
        Accepted scale error (fraction).

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres.
    """
    import logging

    if not np.all(np.isfinite(bounds)):
        raise DataError(f"{what}: the extent {tuple(bounds)} has no longitude/latitude", file=what)
    lon = (bounds[0] + bounds[2]) / 2.0
    lat = (bounds[1] + bounds[3]) / 2.0
    local = utm_crs(lon, lat)
    if requested is None and current().analysis_crs != DEFAULT_ANALYSIS_CRS:
        requested = current().analysis_crs
    if requested is not None:
        chosen = analysis_crs(requested)
        error = scale_error(chosen, bounds)
        if error > max_scale_error:
            raise DataError(
                f"the analysis CRS {chosen.to_string()} does not cover {what} "
                f"(lon {bounds[0]:.3f}…{bounds[2]:.3f}, lat {bounds[1]:.3f}…{bounds[3]:.3f}: "
                f"scale error {error:.2%} > {max_scale_error:.2%}); use the local UTM zone "
                f"{local.to_string()} or leave the CRS unset",
                file=what,
                field="analysis_crs",
            )
        return chosen
    default = CRS.from_user_input(DEFAULT_ANALYSIS_CRS)
    if scale_error(default, bounds) <= max_scale_error:
        return default
    logging.getLogger("jmgis.crs").warning(
        "%s lie outside %s's area (scale error > %.2f%%): analysing in the local UTM zone %s",
        what,
        DEFAULT_ANALYSIS_CRS,
        max_scale_error * 100,
        local.to_string(),
    )
    return local
