"""The administrative layers: boundaries, townships, seats, zones, resolver."""

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from jmgis import admin
from jmgis.admin import tables
from jmgis.admin.partition import check_tiling, partition_county
from jmgis.crs import STORAGE_CRS, analysis_crs
from jmgis.errors import AmbiguousNameError, ResolveError
from jmgis.paths import seeds_dir

OFFICIAL_CITY_AREA_KM2 = 9505  # 江门市 land area as usually quoted (notes §4.1)
COUNTY_CODES = {"440703", "440704", "440705", "440781", "440783", "440784", "440785"}


@pytest.fixture(scope="module")
def layers():
    return admin.layers()


def test_contract_columns_and_crs(layers):
    expected = {
        "city": ["code", "name", "area_km2", "source"],
        "county": ["code", "name", "name_en", "area_km2", "source"],
        "township": [
            "code",
            "name",
            "kind",
            "county_code",
            "county_name",
            "zone_code",
            "zone_name",
            "policy_zone_codes",
            "seat_lon",
            "seat_lat",
            "area_km2",
            "geometry_quality",
            "source",
        ],
        "township_seat": ["code", "name", "source"],
        "zone": ["code", "name", "township_count", "area_km2"],
    }
    for name, columns in expected.items():
        assert [c for c in layers[name].columns if c != "geometry"] == columns
        assert layers[name].crs.to_epsg() == 4490


def test_city_area_within_a_few_percent_of_official(layers):
    area = layers["city"]["area_km2"].iloc[0]
    assert abs(area - OFFICIAL_CITY_AREA_KM2) / OFFICIAL_CITY_AREA_KM2 < 0.03


def test_counties_tile_the_city(layers):
    county = layers["county"]
    assert set(county["code"]) == COUNTY_CODES
    city = layers["city"].geometry.iloc[0]
    gaps = check_tiling(city, list(county.geometry))
    assert gaps["gap"] < 1e-9 and gaps["outside"] < 1e-9 and gaps["overlap"] < 1e-9
    assert county["area_km2"].sum() == pytest.approx(layers["city"]["area_km2"].iloc[0], rel=1e-6)


def test_townships_tile_each_county_and_contain_their_seat(layers):
    township = layers["township"]
    assert len(township) == 73 and township["code"].is_unique
    assert (township["geometry_quality"] == "schematic").all()
    seats = layers["township_seat"].set_index("code").geometry
    metric = analysis_crs()
    township_m = township.to_crs(metric)
    for county in layers["county"].to_crs(metric).itertuples():
        mine = township_m[township_m["county_code"] == county.code]
        gaps = check_tiling(county.geometry, list(mine.geometry))
        # What is left (1 to 700 m² per county) comes from storing coordinates to 1 cm.
        tolerance = 1e-6 * county.geometry.area
        assert gaps["gap"] < tolerance, county.name
        assert gaps["outside"] < tolerance, county.name
        assert gaps["overlap"] < tolerance, county.name
    for row in township.itertuples():
        assert row.geometry.covers(seats[row.code]), row.name


def test_twelve_jiedao_and_sixty_one_zhen(layers):
    kinds = layers["township"]["kind"].value_counts().to_dict()
    assert kinds == {"镇": 61, "街道": 12}
    assert (layers["township"]["code"].str.len() == 9).all()


def test_chuandao_owns_both_chuan_islands(layers):
    township = layers["township"].set_index("code")
    chuandao = township.loc["440781115", "geometry"]
    shangchuan = shapely.Point(112.77129, 21.72621)  # GeoNames 上川
    xiachuan = shapely.Point(112.58129, 21.65086)  # GeoNames 下川
    assert chuandao.covers(shangchuan) and chuandao.covers(xiachuan)
    others = township.drop(index="440781115")
    assert not others.geometry.covers(xiachuan).any()


def test_seats_lie_in_their_county(layers):
    seats = layers["township_seat"].merge(layers["township"][["code", "county_code"]], on="code")
    county = layers["county"].set_index("code").geometry
    inside = [
        county[c].covers(p) for c, p in zip(seats["county_code"], seats.geometry, strict=True)
    ]
    assert all(inside)
    assert seats["source"].str.len().gt(10).all()


def _zoning_table_from_seed():
    """Parse 附件1 of seed 002 directly: (zone, county) → township names."""
    from jmgis.seeds import seed_lines

    lines = [line.strip() for line in seed_lines("002")[:68]]
    zone = county = None
    table = {}
    for line in lines:
        if line in ("都市核心区", "大广海湾区", "生态发展区"):
            zone = line
        elif re.fullmatch(r"\S{2}[市区]", line) and zone:
            county = line
        elif line and county and (zone, county) not in table:
            table[(zone, county)] = line.split("、")  # the row's first cell after the county
    return table


@pytest.mark.skipif(seeds_dir() is None, reason="plan documents (shared/seeds) not present")
def test_zone_counts_match_the_seed_table(layers):
    table = _zoning_table_from_seed()
    township = layers["township"]
    for (zone, county), names in table.items():
        ours = township[(township["zone_name"] == zone) & (township["county_name"] == county)]
        assert len(ours) == len(names), (zone, county)
    per_zone = township.groupby("zone_name").size().to_dict()
    assert per_zone == {z: sum(len(n) for (zz, _), n in table.items() if zz == z) for z in per_zone}


def test_zone_totals_and_policy_extension(layers):
    zone = layers["zone"].set_index("code")
    assert zone["township_count"].to_dict() == {"core": 36, "bay": 16, "eco": 21}
    assert zone["area_km2"].sum() == pytest.approx(layers["city"]["area_km2"].iloc[0], rel=1e-6)
    township = layers["township"].set_index("name")
    extended = township[township["policy_zone_codes"] != ""]
    assert set(extended.index) == {"恩城街道", "东成镇", "大槐镇"}
    assert (extended["policy_zone_codes"] == "core").all()
    assert (extended["zone_code"] == "eco").all()


def test_zoning_rejects_a_township_assigned_twice(tmp_path, monkeypatch):
    import shutil

    from jmgis.admin import zoning
    from jmgis.errors import DataError

    for f in ("counties.csv", "townships.csv", "aliases.csv", "zoning.yaml"):
        shutil.copy(tables.boundaries_dir() / f, tmp_path / f)
    text = (tmp_path / "zoning.yaml").read_text(encoding="utf-8")
    (tmp_path / "zoning.yaml").write_text(
        text.replace("[横陂镇]", "[横陂镇, 大槐镇]"), encoding="utf-8"
    )
    monkeypatch.setenv("JMGIS_DATA_DIR", str(tmp_path.parent))
    monkeypatch.setattr("jmgis.paths.boundaries_dir", lambda: tmp_path)
    monkeypatch.setattr("jmgis.admin.zoning.boundaries_dir", lambda: tmp_path)
    zoning.assignment.cache_clear()
    try:
        with pytest.raises(DataError, match="assigned twice") as err:
            zoning.assignment()
        assert "zoning.yaml" in str(err.value) and "大槐镇" in str(err.value)
    finally:
        zoning.assignment.cache_clear()


@pytest.mark.parametrize(
    ("query", "county", "code"),
    [
        ("440703006", None, "440703006"),
        ("环市街道", None, "440703006"),
        ("环市", None, "440703006"),
        ("台山白沙", None, "440781103"),
        ("台山市白沙镇", None, "440781103"),
        ("白沙", "台山市", "440781103"),
        ("白沙", "蓬江", "440703002"),
        ("东城镇", None, "440785109"),
        ("东成镇", "440785", "440785109"),
        (" 沙坪 街道", None, "440784001"),
    ],
)
def test_resolver_accepts_codes_names_and_aliases(query, county, code):
    assert admin.resolve_township(query, county=county) == code


def test_resolver_fails_clearly():
    with pytest.raises(AmbiguousNameError) as err:
        admin.resolve_township("白沙")
    assert "台山市白沙镇" in str(err.value) and "蓬江区白沙街道" in str(err.value)
    with pytest.raises(ResolveError, match="did you mean"):
        admin.resolve_township("环市街")
    with pytest.raises(ResolveError, match="not 台山市"):
        admin.resolve_township("440703006", county="台山市")
    with pytest.raises(ResolveError, match="unknown county"):
        admin.resolve_township("白沙", county="广州")
    assert admin.resolve_county("台山") == "440781"


def test_partition_of_a_toy_county_tiles_it_and_sends_islands_by_rule():
    metric = analysis_crs()
    mainland = shapely.box(113.0, 22.0, 113.2, 22.2)
    island = shapely.box(113.05, 21.80, 113.08, 21.83)
    far_island = shapely.box(113.25, 22.05, 113.27, 22.07)
    county = shapely.MultiPolygon([mainland, island, far_island])
    seats = gpd.GeoDataFrame(
        {"code": ["a", "b", "c"]},
        geometry=[
            shapely.Point(113.05, 22.05),
            shapely.Point(113.15, 22.15),
            shapely.Point(113.15, 22.05),
        ],
        crs=STORAGE_CRS,
    )
    rules = gpd.GeoDataFrame(
        {"code": ["b"]}, geometry=[shapely.Point(113.06, 21.81)], crs=STORAGE_CRS
    )
    parts = partition_county(county, seats, rules, metric)
    gaps = check_tiling(county, list(parts.values()))
    assert max(gaps.values()) < 1e-12
    assert parts["b"].covers(shapely.Point(113.06, 21.81))  # island by rule, though nearer a/c
    assert parts["c"].covers(shapely.Point(113.26, 22.06))  # nearest territory
    for code, seat in zip(seats["code"], seats.geometry, strict=True):
        assert parts[code].covers(seat)
    assert np.isclose(sum(p.area for p in parts.values()), county.area)


def test_region_is_the_land_around_the_city(layers):
    region = layers["region"]
    assert set(region["name"]) == {
        "广州市",
        "珠海市",
        "佛山市",
        "肇庆市",
        "阳江市",
        "中山市",
        "云浮市",
    }
    city = layers["city"].geometry.iloc[0]
    metric = analysis_crs()
    region_m = region.to_crs(metric)
    city_m = layers["city"].to_crs(metric).geometry.iloc[0]
    # simplified to ~200 m for display, so it may nibble the city's edge, never more
    assert region_m.intersection(city_m).area.sum() < 0.002 * city_m.area
    # the five that border Jiangmen touch it within the simplification tolerance
    bordering = region[region["name"].isin(["珠海市", "佛山市", "阳江市", "中山市", "云浮市"])]
    assert (bordering.distance(city) < 0.01).all()
    assert (region.geom_type == "MultiPolygon").all()
