"""City, county, township, seat and zone layers (EPSG:4490), in the GeoPackage contract."""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd
import pyogrio

from jmgis.admin import tables
from jmgis.admin.zoning import ZONES, assignment
from jmgis.crs import STORAGE_CRS, geodesic_area_km2
from jmgis.errors import DataError
from jmgis.layers import columns
from jmgis.paths import boundaries_dir

TOWNSHIP_COLUMNS = columns("township")


@cache
def _read(name: str) -> gpd.GeoDataFrame:
    path = boundaries_dir() / f"{name}.geojson"
    frame = pyogrio.read_dataframe(path)
    frame = frame.set_crs(STORAGE_CRS, allow_override=True)
    if "code" in frame:
        frame["code"] = frame["code"].astype(str)
    return frame


def load_city() -> gpd.GeoDataFrame:
    """江门市 (440700): code, name, area_km2 (geodesic), source."""
    city = _read("city").copy()
    city["area_km2"] = geodesic_area_km2(city)
    return city[[*columns("city"), "geometry"]]


def load_counties() -> gpd.GeoDataFrame:
    """The 7 county units: code, name, name_en, area_km2 (geodesic), source."""
    county = _read("county").copy()
    county["area_km2"] = geodesic_area_km2(county)
    return county[[*columns("county"), "geometry"]]


def load_region() -> gpd.GeoDataFrame:
    """The neighbouring prefectures around Jiangmen: code, name, source.

    Background land for maps, simplified to ~200 m.
    """
    return _read("region")[[*columns("region"), "geometry"]].copy()


def load_seats() -> gpd.GeoDataFrame:
    """The 73 township seats (镇/街道 government points): code, name, source."""
    table = tables.townships()
    return gpd.GeoDataFrame(
        {"code": table["code"], "name": table["name"], "source": table["seat_source"]},
        geometry=gpd.points_from_xy(table["seat_lon"], table["seat_lat"]),
        crs=STORAGE_CRS,
    )


def schematic_township_geometry() -> gpd.GeoDataFrame:
    """The bundled schematic township polygons: code, geometry_quality, source, geometry."""
    return _read("township").copy()


def load_townships(boundaries: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The 73 townships with zones, seats and geodesic areas.

    Parameters
    ----------
    boundaries
        Township geometry to use instead of the bundled schematic polygons: a frame with
        columns ``code``, ``geometry_quality``, ``source`` and geometry, as returned by
        :func:`jmgis.admin.user.load_user_townships`.  Without it, the bundled polygons
        (:func:`jmgis.admin.townships` uses the boundaries the settings name).
    """
    geometry = boundaries if boundaries is not None else schematic_township_geometry()
    table = tables.townships()
    county_names = dict(zip(tables.counties()["code"], tables.counties()["name"], strict=True))
    zones = assignment()
    frame = table.merge(
        geometry[["code", "geometry_quality", "source", "geometry"]].rename(
            columns={"source": "geometry_source"}
        ),
        on="code",
        how="left",
        validate="one_to_one",
    )
    if frame["geometry"].isna().any():
        missing = frame.loc[frame["geometry"].isna(), "code"].tolist()
        raise DataError(f"no geometry for townships {missing}", field="geometry")
    frame["county_name"] = frame["county_code"].map(county_names)
    frame["zone_code"] = frame["code"].map(zones["zone_code"])
    frame["zone_name"] = frame["code"].map(zones["zone_name"])
    frame["policy_zone_codes"] = frame["code"].map(zones["policy_zone_codes"])
    frame["source"] = (
        "codes: "
        + tables.CODES_SOURCE
        + "; geometry: "
        + frame["geometry_source"]
        + "; zone: "
        + frame["code"].map(zones["zone_source"])
    )
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)
    gdf["area_km2"] = geodesic_area_km2(gdf)
    return gdf[[*TOWNSHIP_COLUMNS, "geometry"]]


def load_zones(townships: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The 3 zones as the dissolve of their townships: code, name, township_count, area_km2."""
    townships = townships if townships is not None else load_townships()
    dissolved = townships.dissolve(by="zone_code", aggfunc={"code": "count"})
    dissolved = dissolved.rename(columns={"code": "township_count"}).reset_index()
    dissolved = dissolved.rename(columns={"zone_code": "code"})
    dissolved["name"] = dissolved["code"].map(ZONES)
    dissolved["township_count"] = dissolved["township_count"].astype("int64")
    dissolved["area_km2"] = geodesic_area_km2(dissolved)
    order = pd.Categorical(dissolved["code"], categories=list(ZONES), ordered=True)
    dissolved = dissolved.iloc[order.argsort()].reset_index(drop=True)
    return gpd.GeoDataFrame(
        dissolved[[*columns("zone"), "geometry"]], crs=STORAGE_CRS
    )
