"""Official township boundaries from a user's file: accepted when right, refused clearly
when wrong (each error names the file, the feature and the field)."""

import geopandas as gpd
import pytest
import shapely

from jmgis import admin
from jmgis.admin.user import load_user_townships
from jmgis.crs import convert_gdf
from jmgis.errors import DataError


@pytest.fixture(scope="module")
def official():
    """Stand-in for an official layer: our polygons with code and name only."""
    return admin.load_townships()[["code", "name", "county_name", "geometry"]]


def _write(frame, tmp_path, name="townships.gpkg"):
    path = tmp_path / name
    frame.to_file(path)
    return path


def test_good_file_by_code_replaces_the_schematic_geometry(official, tmp_path):
    user = load_user_townships(_write(official, tmp_path))
    assert len(user) == 73 and (user["geometry_quality"] == "official").all()
    townships = admin.load_townships(user)
    assert (townships["geometry_quality"] == "official").all()
    assert townships["source"].str.contains("townships.gpkg").all()


def test_good_file_by_name_with_county(official, tmp_path):
    frame = official[["name", "county_name", "geometry"]].copy()
    user = load_user_townships(
        _write(frame, tmp_path), name_field="name", county_field="county_name"
    )
    assert sorted(user["code"]) == sorted(official["code"])


def test_twelve_digit_codes_are_accepted(official, tmp_path):
    frame = official.assign(XZQDM=official["code"] + "000")[["XZQDM", "geometry"]]
    assert len(load_user_townships(_write(frame, tmp_path))) == 73


def test_missing_crs(official, tmp_path):
    path = _write(official, tmp_path, "nocrs.geojson")
    frame = gpd.read_file(path)[["code", "geometry"]].set_crs(None, allow_override=True)
    frame.to_file(tmp_path / "nocrs.shp", crs=None)
    with pytest.raises(DataError, match="no CRS") as err:
        load_user_townships(tmp_path / "nocrs.shp")
    assert "nocrs.shp" in str(err.value) and "'crs'" in str(err.value)


def test_projected_coordinates_declared_as_degrees(official, tmp_path):
    wrong = official.to_crs(4547).set_crs(4326, allow_override=True)
    with pytest.raises(DataError, match="do not lie in Jiangmen"):
        load_user_townships(_write(wrong, tmp_path))


def test_latitude_longitude_swapped(official, tmp_path):
    swapped = official.copy()
    swapped.geometry = shapely.transform(official.geometry.values, lambda c: c[:, ::-1])
    with pytest.raises(DataError, match="swapped"):
        load_user_townships(_write(swapped, tmp_path))


def test_gcj02_declared_as_wgs84(official, tmp_path):
    gcj = convert_gdf(official.set_crs(4326, allow_override=True), "wgs84", "gcj02")
    with pytest.raises(DataError, match="GCJ-02") as err:
        load_user_townships(_write(gcj, tmp_path))
    assert "convert_gdf" in str(err.value)


def test_unknown_and_duplicate_codes_name_the_feature(official, tmp_path):
    bad = official.copy()
    bad.loc[5, "code"] = "440799999"
    with pytest.raises(DataError, match="unknown township code '440799999'") as err:
        load_user_townships(_write(bad, tmp_path, "unknown.gpkg"))
    assert "#6" in str(err.value) and "'code'" in str(err.value)
    dup = official.copy()
    dup.loc[7, "code"] = dup.loc[6, "code"]
    with pytest.raises(DataError, match="appears twice"):
        load_user_townships(_write(dup, tmp_path, "dup.gpkg"))


def test_ambiguous_name_without_county(official, tmp_path):
    frame = official[["name", "geometry"]].copy()
    frame.loc[frame["name"] == "白沙镇", "name"] = "白沙"
    with pytest.raises(DataError, match="ambiguous") as err:
        load_user_townships(_write(frame, tmp_path), name_field="name")
    assert "白沙" in str(err.value)


def test_missing_township_is_listed(official, tmp_path):
    with pytest.raises(DataError, match="1 townships missing: 440703006"):
        load_user_townships(_write(official[official["code"] != "440703006"], tmp_path))


def test_repairable_invalid_geometry_warns_and_unrepairable_fails(official, tmp_path):
    frame = official.copy()
    poly = frame.geometry.iloc[0].geoms[0]
    ring = list(poly.exterior.coords)
    # a zero-area spike (the ring goes back to a vertex it left): invalid, same area
    spike = shapely.Polygon([*ring[:3], ring[1], *ring[3:]])
    assert not spike.is_valid
    frame.loc[0, "geometry"] = spike
    with pytest.warns(UserWarning, match="repaired invalid geometry"):
        user = load_user_townships(_write(frame, tmp_path, "repair.gpkg"))
    assert user.geometry.is_valid.all() and len(user) == 73
    bowtie = shapely.Polygon([(113.0, 22.5), (113.1, 22.6), (113.1, 22.5), (113.0, 22.6)])
    frame.loc[0, "geometry"] = bowtie
    with pytest.raises(DataError, match="cannot be repaired safely"):
        load_user_townships(_write(frame, tmp_path, "bowtie.gpkg"))


def test_not_a_polygon_and_missing_file(official, tmp_path):
    frame = official.copy()
    frame.loc[3, "geometry"] = frame.geometry.iloc[3].centroid
    with pytest.raises(DataError, match="not a polygon"):
        load_user_townships(_write(frame, tmp_path, "points.gpkg"))
    with pytest.raises(DataError, match="file not found"):
        load_user_townships(tmp_path / "nope.gpkg")
