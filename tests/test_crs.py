"""GCJ-02 / BD-09 conversions against an independent implementation (prcoords), and the
CRS helpers."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod

from jmgis import crs
from jmgis.crs import gcj02

prcoords = pytest.importorskip("prcoords")

# A 0.02° grid over Jiangmen's extent (111°59′–113°15′E, 21°27′–22°51′N): ~4,600 points.
LON, LAT = np.meshgrid(np.arange(111.95, 113.30, 0.02), np.arange(21.40, 22.90, 0.02))
LON, LAT = LON.ravel(), LAT.ravel()
GEOD = Geod(ellps="WGS84")


def _metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_forward_matches_prcoords_over_jiangmen():
    lon, lat = gcj02.wgs84_to_gcj02(LON, LAT)
    ref = [prcoords.wgs_gcj(prcoords.Coords(la, lo)) for lo, la in zip(LON, LAT)]
    ref_lon = np.array([c.lon for c in ref])
    ref_lat = np.array([c.lat for c in ref])
    assert np.max(_metres(lon, lat, ref_lon, ref_lat)) < 1e-3


def test_gcj_offset_in_jiangmen_is_about_600_m():
    lon, lat = gcj02.wgs84_to_gcj02(LON, LAT)
    offset = _metres(LON, LAT, lon, lat)
    assert offset.min() > 550 and offset.max() < 700


def test_inverse_better_than_one_centimetre_against_prcoords_bored():
    gcj_lon, gcj_lat = gcj02.wgs84_to_gcj02(LON, LAT)
    back_lon, back_lat = gcj02.gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert np.max(_metres(back_lon, back_lat, LON, LAT)) < 0.01
    # and it agrees with prcoords' iterative inverse (its own accuracy is ~mm)
    sample = slice(None, None, 37)
    ref = [
        prcoords.gcj_wgs_bored(prcoords.Coords(la, lo))
        for lo, la in zip(gcj_lon[sample], gcj_lat[sample])
    ]
    ref_lon = np.array([c.lon for c in ref])
    ref_lat = np.array([c.lat for c in ref])
    assert np.max(_metres(back_lon[sample], back_lat[sample], ref_lon, ref_lat)) < 0.01


def test_one_step_inverse_would_not_be_enough():
    """Guards the iteration: a single correction step leaves metres of error here."""
    gcj_lon, gcj_lat = gcj02.wgs84_to_gcj02(LON, LAT)
    one_lon, one_lat = gcj02.gcj02_to_wgs84(gcj_lon, gcj_lat, max_iter=1)
    assert np.max(_metres(one_lon, one_lat, LON, LAT)) > 0.5


def test_bd09_round_trip_and_prcoords():
    gcj_lon, gcj_lat = gcj02.wgs84_to_gcj02(LON, LAT)
    bd_lon, bd_lat = gcj02.gcj02_to_bd09(gcj_lon, gcj_lat)
    ref = [prcoords.gcj_bd(prcoords.Coords(la, lo)) for lo, la in zip(gcj_lon[::41], gcj_lat[::41])]
    assert (
        np.max(_metres(bd_lon[::41], bd_lat[::41], [c.lon for c in ref], [c.lat for c in ref]))
        < 1e-3
    )
    back_lon, back_lat = gcj02.bd09_to_gcj02(bd_lon, bd_lat)
    assert np.max(_metres(back_lon, back_lat, gcj_lon, gcj_lat)) < 0.01
    w_lon, w_lat = gcj02.bd09_to_wgs84(*gcj02.wgs84_to_bd09(LON, LAT))
    assert np.max(_metres(w_lon, w_lat, LON, LAT)) < 0.01


def test_outside_china_passes_through():
    lon, lat = gcj02.wgs84_to_gcj02([2.35, 151.2], [48.85, -33.87])
    np.testing.assert_array_equal(lon, [2.35, 151.2])
    np.testing.assert_array_equal(lat, [48.85, -33.87])


def test_scalars_and_shapes_are_preserved():
    lon, lat = gcj02.wgs84_to_gcj02(113.081, 22.579)
    assert np.ndim(lon) == 0
    grid_lon, grid_lat = gcj02.wgs84_to_gcj02(LON.reshape(-1, 4), LAT.reshape(-1, 4))
    assert grid_lon.shape == (LON.size // 4, 4)


def test_convert_gdf_moves_every_vertex_and_round_trips():
    poly = shapely.Polygon([(113.0, 22.5), (113.1, 22.5), (113.1, 22.6), (113.0, 22.5)])
    frame = gpd.GeoDataFrame(
        {"name": ["江门"]},
        geometry=[
            poly,
        ][:1],
        crs="EPSG:4326",
    )
    shifted = crs.convert_gdf(frame, "wgs84", "gcj02")
    assert shifted["name"].tolist() == ["江门"]
    coords = shapely.get_coordinates(shifted.geometry.values)
    expected = np.column_stack(gcj02.wgs84_to_gcj02(*shapely.get_coordinates(poly).T))
    np.testing.assert_allclose(coords, expected)
    back = crs.convert_gdf(shifted, "gcj02", "wgs84")
    np.testing.assert_allclose(
        shapely.get_coordinates(back.geometry.values), shapely.get_coordinates(poly), atol=1e-9
    )
    with pytest.raises(ValueError, match="unknown conversion"):
        crs.convert_gdf(frame, "wgs84", "utm")
    with pytest.raises(ValueError, match="projected"):
        crs.convert_gdf(frame.to_crs(4547), "wgs84", "gcj02")


def test_analysis_crs_default_and_alternatives(monkeypatch):
    assert crs.analysis_crs() == CRS.from_epsg(4547)
    for code in crs.ALTERNATIVE_ANALYSIS_CRS:
        assert crs.analysis_crs(code).is_projected
    monkeypatch.setenv("JMGIS_ANALYSIS_CRS", "EPSG:4546")
    assert crs.analysis_crs() == CRS.from_epsg(4546)
    with pytest.raises(ValueError, match="projected"):
        crs.analysis_crs("EPSG:4490")


def test_to_analysis_gives_metres_at_the_city_government():
    point = gpd.GeoDataFrame(geometry=[shapely.Point(113.081, 22.579)], crs=crs.STORAGE_CRS)
    projected = crs.to_analysis(point)
    x, y = projected.geometry.iloc[0].x, projected.geometry.iloc[0].y
    assert x == pytest.approx(405489.3, abs=1) and y == pytest.approx(2498206.6, abs=1)
    with pytest.raises(ValueError, match="no CRS"):
        crs.to_analysis(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]))


def test_geodesic_area_of_a_one_degree_cell_at_jiangmen():
    cell = gpd.GeoSeries([shapely.box(112.0, 22.0, 113.0, 23.0)], crs=crs.STORAGE_CRS)
    # closed form on the sphere of authalic radius: R² Δλ (sin φ2 - sin φ1)
    r = 6371007.2
    sphere = r**2 * np.radians(1.0) * (np.sin(np.radians(23.0)) - np.sin(np.radians(22.0))) / 1e6
    area = crs.geodesic_area_km2(cell)[0]
    assert area == pytest.approx(sphere, rel=5e-3)
    assert crs.geodesic_area_km2(cell.to_crs(4547))[0] == pytest.approx(area, rel=1e-9)
