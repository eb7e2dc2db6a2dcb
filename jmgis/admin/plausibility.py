"""Plausibility of what users load, checked against the bundled boundaries.

In the spirit of QGIS's topology checker, each check compares a user's geometry with the
bundled city and county lines (``data/boundaries``, converted from Amap GCJ-02 to CGCS2000
with the ~cm accurate inverse of :mod:`jmgis.crs.gcj02`) and the bundled township seats,
and raises :class:`~jmgis.errors.DataError` naming the file, the feature and the field.

Tolerances (metres and shares are measured in the analysis CRS, EPSG:4547 by default):

- **Datum / constant shift** — the translation that best aligns 400 points along the
  user's outer boundary with the bundled city outline may be at most
  ``SHIFT_TOLERANCE_M`` = 200 m.  Two surveys of the same land boundary differ by tens of
  metres (the bundled lines come from a web map at ~10 m resolution), while GCJ-02 moves
  Jiangmen by ≈ 610 m and BD-09 by ≈ 1.24 km, so 200 m separates "another survey" from
  "another datum".  A longer translation is an error only when it explains the offset
  (it more than halves the median distance to the city outline); the message names
  GCJ-02 or BD-09 when converting from that datum leaves a translation within the
  tolerance.
- **Seat in its own polygon** — each bundled seat (``data/boundaries/townships.csv``) lies
  inside, or within ``SEAT_TOLERANCE_M`` = 300 m of, its township's polygon: seats are
  GeoNames points, a few of which sit on the bank or shore just beyond a boundary line.
  Swapped geometries fail here (the message names the township whose polygon holds the
  seat instead).
- **Polygon inside its county** — at most ``OUTSIDE_SHARE`` = 2 % of a polygon's area may
  lie outside its county buffered by ``COUNTY_BUFFER_M`` = 200 m (the buffer absorbs the
  difference between two surveys of the line, the share reclaimed land and small islands
  drawn differently).
- **Coverage** — per county, the area of the county (shrunk by ``COUNTY_BUFFER_M``) not
  covered by its townships may be at most ``GAP_SHARE`` = 2 % of the county; two townships
  may overlap by at most ``OVERLAP_SHARE`` = 1 % of the smaller one (slivers from
  digitising; a real partition shares its lines).
- **Control points** — a point with a township code lies within ``POINT_TOLERANCE_M`` =
  1000 m of that township's county (ports and piers stand at the water's edge, beyond the
  land line); a point marked ``outside`` (gateways, junctions in neighbouring cities) lies
  at most 1000 m inside the city and at most ``OUTSIDE_MAX_KM`` = 150 km from it (the
  farthest bundled gateway, 深圳, is 85 km away).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from jmgis.crs import STORAGE_CRS, analysis_crs, convert_gdf, wgs84_to_bd09, wgs84_to_gcj02
from jmgis.errors import DataError

SHIFT_TOLERANCE_M = 200.0
SEAT_TOLERANCE_M = 300.0
COUNTY_BUFFER_M = 200.0
OUTSIDE_SHARE = 0.02
GAP_SHARE = 0.02
OVERLAP_SHARE = 0.01
POINT_TOLERANCE_M = 1000.0
OUTSIDE_MAX_KM = 150.0
_SAMPLES = 400
_ALIGN_ITERATIONS = 30

#: How to convert data in each web-map datum, for the messages.
CONVERSION_HINT = {
    "GCJ-02": "jmgis.crs.convert_gdf(gdf, 'gcj02', 'wgs84') (Amap/Tencent coordinates)",
    "BD-09": "jmgis.crs.convert_gdf(gdf, 'bd09', 'wgs84') (Baidu coordinates)",
}


@dataclass(frozen=True)
class Offset:
    """How far a user's outline is from the bundled city outline, in metres."""

    median_m: float  #: median distance to the reference outline
    east_m: float  #: the translation of the user's outline relative to the reference
    north_m: float
    aligned_median_m: float  #: median distance once that translation is undone

    @property
    def shift_m(self) -> float:
        """Length of the translation that best aligns the outline."""
        return float(np.hypot(self.east_m, self.north_m))


def _to_metric(geom: shapely.Geometry, metric: CRS) -> shapely.Geometry:
    return gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(metric).iloc[0]


def _samples(outline: shapely.Geometry) -> np.ndarray:
    distances = np.linspace(0.0, outline.length, _SAMPLES, endpoint=False)
    points = shapely.line_interpolate_point(outline, distances)
    return shapely.get_coordinates(points)


def outline_offset(geoms: gpd.GeoSeries, reference: shapely.Geometry) -> Offset:
    """Offset of the outer boundary of ``geoms`` from ``reference`` (both EPSG:4490).

    The translation is estimated by iterating nearest-point matching (ICP restricted to
    translations): move the sampled outline by the median displacement to the nearest
    reference points, until it stops moving.

    Parameters
    ----------
    geoms
        The user's polygons, EPSG:4490.
    reference
        The bundled polygon to compare with, EPSG:4490.

    Returns
    -------
    Offset
        Median distance before and after alignment and the translation (east, north), m.
    """
    metric = analysis_crs()
    outline = _to_metric(shapely.union_all(geoms.values).boundary, metric)
    ref = _to_metric(reference.boundary, metric)
    if outline.is_empty:
        return Offset(float("inf"), 0.0, 0.0, float("inf"))
    pts = _samples(outline)
    shift = np.zeros(2)

    def distances(offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        moved = shapely.points(pts + offset)
        nearest = shapely.get_coordinates(shapely.shortest_line(moved, ref))[1::2]
        return nearest - (pts + offset), np.hypot(*(nearest - (pts + offset)).T)

    delta, raw = distances(shift)
    for _ in range(_ALIGN_ITERATIONS):
        step = np.median(delta, axis=0)
        shift = shift + step
        delta, _dist = distances(shift)
        if np.hypot(*step) < 1.0:
            break
    _delta, aligned = distances(shift)
    # the user's outline is offset by minus the correction that aligns it
    return Offset(
        float(np.median(raw)), float(-shift[0]), float(-shift[1]), float(np.median(aligned))
    )


def datum_offsets_m(lon: float, lat: float) -> dict[str, float]:
    """Length (m) of the GCJ-02 and BD-09 offsets at a point.

    Computed with :mod:`jmgis.crs.gcj02`.

    Parameters
    ----------
    lon, lat : float
        The point (degrees, CGCS2000).

    Returns
    -------
    dict of str to float
        Offset length (metres) by datum: ``gcj02``, ``bd09``.
    """
    metric = analysis_crs()
    out = {}
    for name, func in (("GCJ-02", wgs84_to_gcj02), ("BD-09", wgs84_to_bd09)):
        x, y = func(lon, lat)
        pts = gpd.GeoSeries(shapely.points([(lon, lat), (float(x), float(y))]), crs=STORAGE_CRS)
        a, b = pts.to_crs(metric)
        out[name] = float(a.distance(b))
    return out


def check_datum(frame: gpd.GeoDataFrame, path: str | Path, *, field: str = "geometry") -> None:
    """Refuse polygons shifted as a whole.

    A web-map datum declared as WGS84/CGCS2000, or a constant offset of more than
    ``SHIFT_TOLERANCE_M``.

    Parameters
    ----------
    frame
        The user's polygons covering the whole city, EPSG:4490.
    path
        The file, for the message.
    field
        The field named in the message.

    Raises
    ------
    DataError
        Naming the likely datum and the conversion, or the offset in metres.
    """
    from jmgis.admin.boundaries import load_city

    city = load_city().geometry.iloc[0]
    offset = outline_offset(frame.geometry, city)
    # a translation must explain the offset: two surveys of the same line differ without one
    if offset.shift_m <= SHIFT_TOLERANCE_M or offset.aligned_median_m > offset.median_m / 2:
        return
    centre = city.centroid
    known = datum_offsets_m(centre.x, centre.y)
    for datum, source in (("GCJ-02", "gcj02"), ("BD-09", "bd09")):
        converted = convert_gdf(frame[["geometry"]], source, "wgs84").set_crs(
            STORAGE_CRS, allow_override=True
        )
        if outline_offset(converted.geometry, city).shift_m <= SHIFT_TOLERANCE_M:
            raise DataError(
                f"the outline is {offset.median_m:.0f} m off the bundled city boundary (offset "
                f"{offset.east_m:+.0f} m east, {offset.north_m:+.0f} m north); it "
                f"looks like {datum} (offset ≈ {known[datum]:.0f} m at Jiangmen) declared as "
                f"WGS84/CGCS2000: convert with {CONVERSION_HINT[datum]}",
                file=path,
                field=field,
            )
    raise DataError(
        f"the outline is shifted by ≈ {offset.shift_m:.0f} m ({offset.east_m:+.0f} m east, "
        f"{offset.north_m:+.0f} m north) from the bundled city boundary (tolerance "
        f"{SHIFT_TOLERANCE_M:.0f} m; GCJ-02 would be ≈ {known['GCJ-02']:.0f} m, BD-09 "
        f"≈ {known['BD-09']:.0f} m): check the CRS or a false easting/northing",
        file=path,
        field=field,
    )


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(analysis_crs())


def check_seats(frame: gpd.GeoDataFrame, path: str | Path, *, field: str = "geometry") -> None:
    """Every bundled seat inside (within ``SEAT_TOLERANCE_M`` of) its own polygon.

    Parameters
    ----------
    frame
        ``code`` and polygon geometry, EPSG:4490, one row per township.
    path, field
        For the message.
    """
    from jmgis.admin.boundaries import load_seats

    polys = _metric(frame).set_index("code").geometry
    seats = _metric(load_seats()).set_index("code")
    tree = shapely.STRtree(polys.values)
    for position, code in enumerate(polys.index, start=1):
        seat = seats.geometry[code]
        distance = polys[code].distance(seat)
        if distance <= SEAT_TOLERANCE_M:
            continue
        holders = [polys.index[i] for i in tree.query(seat, predicate="within")]
        where = (
            f"; it lies in the polygon given for {', '.join(holders)} — geometries swapped "
            "between codes?"
            if holders
            else ""
        )
        raise DataError(
            f"the seat of {code} {seats.name[code]} is {distance:.0f} m outside its polygon "
            f"(tolerance {SEAT_TOLERANCE_M:.0f} m){where}",
            file=path,
            feature=f"#{position} {code}",
            field=field,
        )


def check_counties(frame: gpd.GeoDataFrame, path: str | Path, *, field: str = "geometry") -> None:
    """Every polygon inside its county.

    The townships of each county cover it without gaps or overlaps beyond the tolerances of the
    module docstring.

    Parameters
    ----------
    frame
        ``code`` and polygon geometry, EPSG:4490, one row per township.
    path, field
        For the message.
    """
    from jmgis.admin import tables
    from jmgis.admin.boundaries import load_counties

    polys = _metric(frame).set_index("code").geometry
    county_of = tables.townships().set_index("code")["county_code"]
    counties = _metric(load_counties()).set_index("code")
    grown = counties.geometry.buffer(COUNTY_BUFFER_M)
    for position, code in enumerate(polys.index, start=1):
        county = county_of[code]
        geom = polys[code]
        share = geom.difference(grown[county]).area / geom.area
        if share > OUTSIDE_SHARE:
            raise DataError(
                f"{share:.0%} of township {code}'s polygon lies outside its county {county} "
                f"{counties.name[county]} (tolerance {OUTSIDE_SHARE:.0%} beyond "
                f"{COUNTY_BUFFER_M:.0f} m of the bundled county line)",
                file=path,
                feature=f"#{position} {code}",
                field=field,
            )
    tree = shapely.STRtree(polys.values)
    left, right = tree.query(polys.values, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        a, b = polys.iloc[i], polys.iloc[j]
        share = a.intersection(b).area / min(a.area, b.area)
        if share > OVERLAP_SHARE:
            raise DataError(
                f"townships {polys.index[i]} and {polys.index[j]} overlap by {share:.0%} of "
                f"the smaller one (tolerance {OVERLAP_SHARE:.0%})",
                file=path,
                feature=f"#{i + 1} {polys.index[i]}",
                field=field,
            )
    for county, outline in counties.geometry.items():
        members = polys[[c for c in polys.index if county_of[c] == county]]
        inner = outline.buffer(-COUNTY_BUFFER_M)
        gap = inner.difference(shapely.union_all(members.values)).area / outline.area
        if gap > GAP_SHARE:
            raise DataError(
                f"the townships of {county} {counties.name[county]} leave {gap:.1%} of the "
                f"county uncovered (tolerance {GAP_SHARE:.0%}, {COUNTY_BUFFER_M:.0f} m inside "
                "the bundled county line)",
                file=path,
                feature=f"county {county}",
                field=field,
            )


def check_townships(frame: gpd.GeoDataFrame, path: str | Path, *, field: str = "geometry") -> None:
    """All plausibility checks of user township boundaries, cheapest explanation first.

    A datum or constant shift, then seats, then containment and coverage.

    Parameters
    ----------
    frame
        ``code`` and polygon geometry, EPSG:4490, all 73 townships.
    path
        The user's file, for the messages.
    field
        The geometry field named in the messages.

    Raises
    ------
    DataError
        For the first implausible feature, naming file, feature and field.
    """
    check_datum(frame, path, field=field)
    check_seats(frame, path, field=field)
    check_counties(frame, path, field=field)


def check_points(points: gpd.GeoDataFrame, path: str | Path, *, outside: str) -> None:
    """Control points where their township code says.

    Within ``POINT_TOLERANCE_M`` of the county the code names, or — marked ``outside`` — outside the
    city (by more than ``-POINT_TOLERANCE_M``) and within ``OUTSIDE_MAX_KM`` of it.

    Parameters
    ----------
    points
        ``point_id``, ``township_code`` and point geometry, EPSG:4490, in file order.
    path
        The file, for the messages.
    outside
        The code value of points outside Jiangmen.

    Raises
    ------
    DataError
        Naming file, row (and id) and the field ``lon``/``lat``.
    """
    from jmgis.admin.boundaries import load_city, load_counties

    metric = _metric(points)
    counties = _metric(load_counties()).set_index("code")
    city = _metric(load_city()).geometry.iloc[0]
    for row, (pid, code, geom) in enumerate(
        zip(metric["point_id"], metric["township_code"], metric.geometry, strict=True), start=2
    ):
        where: dict[str, Any] = {"file": path, "feature": f"row {row} ({pid})", "field": "lon/lat"}
        if code == outside:
            depth = city.boundary.distance(geom) if city.contains(geom) else 0.0
            far = city.distance(geom) / 1000
            if depth > POINT_TOLERANCE_M:
                raise DataError(
                    f"marked '{outside}' but lies {depth:.0f} m inside Jiangmen: give its "
                    "township code or fix the coordinates",
                    **where,
                )
            if far > OUTSIDE_MAX_KM:
                raise DataError(
                    f"{far:.0f} km from Jiangmen (at most {OUTSIDE_MAX_KM:.0f} km for a point "
                    "outside the city): are the coordinates right?",
                    **where,
                )
            continue
        county = code[:6]
        if county not in counties.index:
            raise DataError(f"no county {county} for township {code}", **where)
        distance = counties.geometry[county].distance(geom)
        if distance > POINT_TOLERANCE_M:
            raise DataError(
                f"{distance / 1000:.1f} km outside county {county} {counties.name[county]}, "
                f"which its township_code {code} names (tolerance {POINT_TOLERANCE_M:.0f} m)",
                **where,
            )
