"""GCJ-02 (Amap, Tencent) and BD-09 (Baidu) coordinate conversions, vectorised with numpy.

GCJ-02 is the obfuscated datum every Chinese web map uses; it shifts Jiangmen by about
600 m to the east-south-east.  PROJ does not implement it (OSGeo/PROJ#982), so jmgis does,
from the published formulas (Krasovsky ellipsoid, offsets in metres turned into degrees).

The forward direction (WGS84 → GCJ-02) is closed-form.  The inverse has no closed form and
is solved by fixed-point iteration ``wgs ← wgs - (f(wgs) - gcj)``, which converges
geometrically: in Jiangmen two iterations leave under 1 cm, we iterate until the residual
is below ``tol_deg`` (default 1e-10° ≈ 0.01 mm).

All functions accept scalars or arrays of longitudes and latitudes (degrees) and return
arrays of the same shape.  Points outside mainland China's bounding box pass through
unchanged, as in the reference implementations.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

KRASOVSKY_A = 6378245.0
KRASOVSKY_E2 = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

# The bounding box inside which the obfuscation is applied (the common "in China" test).
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)

FloatArray = NDArray[np.float64]


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_a, lat_a = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lon_a, lat_a


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where a point lies in the box where GCJ-02 applies.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude (degrees).

    Returns
    -------
    numpy.ndarray of bool
        Whether each point is in the box.
    """
    lon_a, lat_a = _as_arrays(lon, lat)
    west, south, east, north = CHINA_BBOX
    return (lon_a >= west) & (lon_a <= east) & (lat_a >= south) & (lat_a <= north)


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 points."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    periodic_x = (20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + periodic_x
        + (20.0 * np.sin(np.pi * y) + 40.0 * np.sin(np.pi * y / 3.0)) * 2.0 / 3.0
        + (160.0 * np.sin(np.pi * y / 12.0) + 320.0 * np.sin(np.pi * y / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + periodic_x
        + (20.0 * np.sin(np.pi * x) + 40.0 * np.sin(np.pi * x / 3.0)) * 2.0 / 3.0
        + (150.0 * np.sin(np.pi * x / 12.0) + 300.0 * np.sin(np.pi * x / 30.0)) * 2.0 / 3.0
    )
    phi = np.radians(lat)
    m = 1.0 - KRASOVSKY_E2 * np.sin(phi) ** 2
    dlat_deg = dlat * 180.0 / (np.pi * KRASOVSKY_A * (1.0 - KRASOVSKY_E2) / m**1.5)
    dlon_deg = dlon * 180.0 / (np.pi * KRASOVSKY_A * np.cos(phi) / np.sqrt(m))
    return dlon_deg, dlat_deg


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS84 (≈ CGCS2000) longitude/latitude in degrees → GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude (degrees).

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude (degrees); unchanged outside China.
    """
    lon_a, lat_a = _as_arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon_a, lat_a)
    inside = in_china(lon_a, lat_a)
    return np.where(inside, lon_a + dlon, lon_a), np.where(inside, lat_a + dlat, lat_a)


def _invert(
    forward,
    target_lon: FloatArray,
    target_lat: FloatArray,
    start_lon: FloatArray,
    start_lat: FloatArray,
    tol_deg: float,
    max_iter: int,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(lon, lat) == target`` by fixed-point iteration from ``start``."""
    lon, lat = start_lon.copy(), start_lat.copy()
    for _ in range(max_iter):
        fwd_lon, fwd_lat = forward(lon, lat)
        res_lon = fwd_lon - target_lon
        res_lat = fwd_lat - target_lat
        lon = lon - res_lon
        lat = lat - res_lat
        if res_lon.size == 0 or max(np.abs(res_lon).max(), np.abs(res_lat).max()) < tol_deg:
            break
    return lon, lat


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10, max_iter: int = 20
) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 longitude/latitude in degrees → WGS84, by fixed-point iteration.

    Parameters
    ----------
    lon, lat
        GCJ-02 coordinates in degrees.
    tol_deg
        Stop when the largest residual of the forward transform is below this (degrees).
    max_iter
        Upper bound on iterations (the residual shrinks ~100× per step; 3–4 suffice).

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 longitude and latitude (degrees).
    """
    gcj_lon, gcj_lat = _as_arrays(lon, lat)
    return _invert(wgs84_to_gcj02, gcj_lon, gcj_lat, gcj_lon, gcj_lat, tol_deg, max_iter)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → BD-09 (Baidu) longitude/latitude in degrees.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude (degrees).

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitude and latitude (degrees).
    """
    x, y = _as_arrays(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10, max_iter: int = 20
) -> tuple[FloatArray, FloatArray]:
    """BD-09 → GCJ-02 in degrees.

    The usual closed-form inverse is only accurate to a few decimetres; it is used as the
    starting point of a fixed-point iteration on :func:`gcj02_to_bd09`.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude (degrees).
    tol_deg : float
        Stop when the largest residual of the forward transform is below this (degrees).
    max_iter : int
        Most iterations.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude (degrees).
    """
    bd_lon, bd_lat = _as_arrays(lon, lat)
    x = bd_lon - 0.0065
    y = bd_lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    start_lon, start_lat = z * np.cos(theta), z * np.sin(theta)
    return _invert(gcj02_to_bd09, bd_lon, bd_lat, start_lon, start_lat, tol_deg, max_iter)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS84 → BD-09 (through GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude (degrees).

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitude and latitude (degrees).
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 → WGS84 (through GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude (degrees).

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 longitude and latitude (degrees).
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


CONVERSIONS = {
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
}
