"""jm.profile and jm.zone_summary are GeoDataFrames; the old jmgis.access names still work."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest

import jmgis as jm
from jmgis.jiangmen import township_access
from jmgis.jiangmen.geo import round_minutes


@pytest.fixture(scope="module")
def prof():
    return jm.profile(2025)


def test_profile_is_a_geodataframe_of_the_townships_with_the_same_times(prof):
    plain = township_access.profile(2025)
    assert isinstance(prof, gpd.GeoDataFrame) and prof.crs.equals("EPSG:4490")
    assert list(prof["code"]) == list(plain["code"].astype(str))
    towns = jm.load_townships().set_index("code")
    expected = towns.loc[prof["code"], "geometry"].reset_index(drop=True)
    assert prof.geometry.geom_equals(expected).all()
    col = "t_city_gov_min"
    assert np.allclose(prof[col], plain[col], atol=0.05, equal_nan=True)
    assert (prof[col] == prof[col].round(1)).all()
    assert set(prof["zone_name"]) <= {"都市核心区", "大广海湾区", "生态发展区"}


def test_zone_summary_has_each_zone_polygon(prof):
    zones = jm.zone_summary(prof)
    assert isinstance(zones, gpd.GeoDataFrame)
    assert zones.geometry.notna().all()
    shapes = jm.load_zones()
    shapes = shapes.reset_index() if "code" not in shapes.columns else shapes
    one = zones[zones["target"] == "city_gov"].set_index("group_code")
    for code, geom in zip(shapes["code"].astype(str), shapes.geometry, strict=True):
        assert one.loc[code, "geometry"].equals(geom)


def test_round_minutes_removes_float_noise_and_keeps_unreachable():
    import pandas as pd

    frame = pd.DataFrame({"t_x_min": [3.1e-13, 12.345, np.inf], "name": ["a", "b", "c"]})
    out = round_minutes(frame)
    assert list(out["t_x_min"]) == [0.0, 12.3, np.inf]
    assert str(out["t_x_min"].iloc[0]) == "0.0"


def test_the_deprecated_access_profile_still_works_and_warns():
    import jmgis.access as access

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = access.profile
    assert old is jm.profile
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)


@pytest.mark.slow
def test_access_csvs_carry_minutes_to_a_tenth(tmp_path):
    import csv

    from jmgis.jiangmen.outputs import write_csvs

    written = write_csvs(tmp_path, 2025)
    with open(tmp_path / "access_township.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    values = [r[c] for r in rows for c in r if c.endswith("_min") and r[c] not in ("", "inf")]
    assert values and all(len(v.split(".")[-1]) <= 1 for v in values if "." in v)
    assert not any("e-" in v for v in values)
    assert any(p.name == "access_zone.csv" for p in written)
