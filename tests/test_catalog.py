"""The plan catalog as users load and query it (data/projects/*.yaml)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from jmgis import admin, catalog
from jmgis.catalog import query
from jmgis.catalog.loader import UnknownIdError
from jmgis.io.gpkg import read_layer, write_gpkg


@pytest.fixture(scope="module")
def cat() -> catalog.Catalog:
    return catalog.load_catalog()


def test_loaders_return_frames_in_storage_crs(cat):
    parks = catalog.load_parks()
    structure = catalog.load_structure()
    assert isinstance(parks, gpd.GeoDataFrame) and parks.crs.to_epsg() == 4490
    assert isinstance(structure, gpd.GeoDataFrame) and structure.crs.to_epsg() == 4490
    for frame in (catalog.load_schemes(), catalog.load_projects(), catalog.load_indicators()):
        assert len(frame) > 0
    assert list(parks["id"]) == list(cat.parks["id"])


def test_ids_are_unique_across_the_whole_catalog(cat):
    ids = [i for frame in cat.frames().values() for i in frame["id"]]
    assert len(ids) == len(set(ids))


def test_one_plus_six_and_five_wanmu_parks_are_all_present(cat):
    parks = cat.parks
    one_plus_six = parks[parks["groups"].map(lambda g: "1+6" in g)]
    assert len(one_plus_six) == 7
    in_group = parks[parks["groups"].map(lambda g: "五大万亩园区" in g)]
    # sub-parks (深江产业园's 大泽/司前) belong to the group through their parent
    wanmu = in_group[~in_group["parent"].isin(in_group["id"])]
    assert len(wanmu) == 5
    assert {"深江产业园", "粤澳（江门）产业合作示范区", "珠西新材料集聚区"} <= set(wanmu["name"])


def test_every_row_cites_expanded_file_line_references(cat):
    for frame in cat.frames().values():
        for refs in frame["sources"]:
            assert refs, "every row cites at least one line"
            for ref in refs:
                assert catalog.expand_ref(ref) == ref  # stored in the full form


def test_zone_code_is_derived_from_the_townships(cat):
    towns = admin.load_townships().set_index("code")
    checked = 0
    for _, park in cat.parks.iterrows():
        expected = sorted({towns.loc[c, "zone_code"] for c in park["township_codes"]})
        assert sorted(park["zone_codes"]) == expected
        checked += bool(expected)
    assert checked >= 10


def test_park_points_lie_in_their_county(cat):
    counties = admin.load_counties().set_index("code")
    placed = cat.parks[~cat.parks.geometry.is_empty & cat.parks.geometry.notna()]
    placed = placed[placed["county_code"] != ""]
    assert len(placed) >= 30
    for _, park in placed.iterrows():
        county = counties.loc[park["county_code"], "geometry"]
        # seats sit on the polygon edge at worst: allow 50 m (≈0.0005°)
        assert shapely.distance(county, park.geometry) < 5e-4, park["id"]


def test_parks_without_a_place_have_no_point(cat):
    unplaced = cat.parks[cat.parks["placed_by"] == ""]
    assert unplaced.geometry.isna().all() | unplaced.geometry.is_empty.all()
    assert "airport_economic_zone" in set(unplaced["id"])


def test_structure_areas_and_lines(cat):
    s = cat.structure
    areas = s[s["method"].isin(["townships", "counties", "zones"])]
    lines = s[s["method"] == "through"]
    assert len(areas) and len(lines)
    assert set(areas.geometry.geom_type) <= {"MultiPolygon"}
    assert set(lines.geometry.geom_type) == {"LineString"}
    patterns = set(s.loc[s["kind"] == "pattern", "id"])
    assert set(s.loc[s["kind"] != "pattern", "pattern"]) <= patterns


def test_main_core_is_the_dissolve_of_its_townships(cat):
    row = cat.structure.set_index("id").loc["main_core"]
    towns = admin.load_townships()
    parts = towns[towns["code"].isin(row["township_codes"])]
    assert row.geometry.equals_exact(shapely.union_all(parts.geometry.to_numpy()), 1e-9) or (
        shapely.symmetric_difference(row.geometry, shapely.union_all(parts.geometry)).area < 1e-9
    )
    assert row["zone_codes"] == ["core"]


def test_query_by_zone_county_township(cat):
    bay = query.by_zone("bay", catalog=cat)
    assert len(bay) and all("bay" in z for z in bay["zone_codes"])
    assert "agricultural_cold_chain_park" in set(bay["id"])  # 斗山镇、广海镇 (002:47)
    assert set(query.by_zone("大广海湾区", catalog=cat)["id"]) == set(bay["id"])
    heshan = query.by_county("鹤山市", catalog=cat)
    assert "zhuxi_logistics_centre" in set(heshan["id"])
    assert all("440784" in c for c in heshan["county_codes"])
    tangxia = query.by_township("棠下镇", catalog=cat)
    assert {"binjiang_new_district", "xinchang_science_park"} <= set(tangxia["id"])
    assert all("440703101" in codes for codes in tangxia["township_codes"])
    baisha = query.by_township("白沙", county="台山市", catalog=cat)  # not 蓬江's 白沙街道
    assert baisha.empty
    with pytest.raises(ValueError, match="unknown zone"):
        query.by_zone("mountains", catalog=cat)


def test_query_by_status_and_year(cat):
    done = query.by_status("completed", catalog=cat)
    assert len(done) and set(done["status"]) == {"completed"}
    by_2025 = query.by_year(2025, catalog=cat)
    years = by_2025["target_year"].dropna()
    assert (years <= 2025).all()
    assert set(by_2025["id"]) >= set(done.loc[done["target_year"].isna(), "id"])
    with pytest.raises(ValueError, match="unknown project status"):
        query.by_status("finished", catalog=cat)


def test_schemes_list_their_members_in_order(cat):
    six = query.by_scheme("六纵六横两联一展望", catalog=cat)
    assert len(six) == 15
    assert list(six["label"][:3]) == ["纵1", "纵2", "纵3"]
    assert six.iloc[0]["roads"] == ["沈海高速"]
    # one name, two versions: the name means the current (000) one
    seven = query.by_scheme("七纵八横", catalog=cat)
    assert len(seven) == 15 and seven.iloc[0]["scheme_id"] == "scheme_qizong_baheng"
    unlisted = cat.schemes[~cat.schemes["members_listed"]]
    assert len(unlisted) and (unlisted["member_count"] == 0).all()


def test_find_and_unknown_ids_suggest_close_ones(cat):
    kind, rec = cat.find("jiangmen_talent_island")
    assert kind == "park" and rec["name"] == "江门人才岛"
    with pytest.raises(UnknownIdError, match="did you mean jiangmen_talent_island"):
        cat.find("jiangmen_talent_islnd")


def test_layers_round_trip_through_the_geopackage(cat, tmp_path):
    layers = catalog.layers(cat)
    assert {"park", "structure", "project", "indicator"} <= set(layers)
    assert layers["park"].crs.to_epsg() == 4490
    path = write_gpkg(layers, tmp_path / "catalog.gpkg")
    for name, frame in layers.items():
        back = read_layer(path, name)
        assert list(back["id" if "id" in back else "member_id"]) == list(
            frame["id" if "id" in frame else "member_id"]
        )
    park = read_layer(path, "park").set_index("id")
    assert park.loc["jiangmen_talent_island", "township_names"] == "潮连街道"
    assert park.loc["shenjiang_dazhe_park", "zone_code"] == "core"


def test_seat_placed_parks_sit_on_one_of_their_townships(cat):
    seats = admin.load_townships().set_index("code")[["seat_lon", "seat_lat"]]
    placed = cat.parks[
        (cat.parks["placement"] == "seat_of") & cat.parks["township_codes"].map(bool)
    ]
    assert len(placed) >= 10
    for _, park in placed.iterrows():
        candidates = [tuple(seats.loc[c]) for c in park["township_codes"]]
        assert (park.geometry.x, park.geometry.y) in candidates, park["id"]
    county_only = cat.parks[cat.parks["placement"] == "in_county"]
    assert (county_only["township_codes"].map(len) == 0).all()


def test_park_places_are_only_parks_with_a_real_place():
    places = catalog.park_places()
    assert set(places["placement"]) <= {"seat_of", "coordinate"}
    assert places.geometry.notna().all() and not places.geometry.is_empty.any()
    assert "jiangmen_talent_island" in set(places["id"])
    assert "zhuxi_new_materials_cluster" not in set(places["id"])  # known only by county
    assert "airport_economic_zone" not in set(places["id"])  # no place at all


def test_cli_validate_reports_counts_and_names_the_bad_file(capsys, monkeypatch, tmp_path):
    from jmgis.catalog import loader
    from jmgis.cli import main

    assert main(["catalog", "validate"]) == 0
    out = capsys.readouterr().out
    assert "catalog OK" in out and "park" in out
    bad = "- {id: x, name: 园区, kind: moon_base, sources: ['000:2366']}\n"
    (tmp_path / "park.yaml").write_text(bad, "utf-8")
    monkeypatch.setattr(loader, "projects_dir", lambda: tmp_path)
    assert main(["catalog", "validate"]) == 2
    err = capsys.readouterr().err
    assert "park.yaml" in err and "feature x" in err and "'kind'" in err


def test_queries_refuse_what_a_kind_cannot_answer(cat):
    with pytest.raises(ValueError, match="county_codes"):
        query.by_zone("core", "project", catalog=cat)
    with pytest.raises(ValueError):
        query.by_township("棠下镇", "indicator", catalog=cat)
    zone_indicators = query.by_zone("eco", "indicator", catalog=cat)
    assert list(zone_indicators["id"]) == ["ind_002_task30_eco"]
    assert len(query.by_county("台山市", "project", catalog=cat)) > 0


def test_explain_without_the_plan_documents_still_shows_the_row(cat, monkeypatch, tmp_path):
    monkeypatch.setenv("JMGIS_SEEDS_DIR", str(tmp_path / "absent"))
    text = catalog.explain("jiangmen_talent_island", cat)
    assert "江门人才岛" in text and "000_6d1849548a3b7443.txt:5049" in text
    assert "plan documents are not available" in text


def test_projects_link_the_transport_features_that_carry_them_out():
    from jmgis import transport

    projects = catalog.load_projects().set_index("id")
    road = transport.load("road").set_index("road_id")
    assert "huangmaohai" in projects.loc["prj_huangmaohai_crossing", "feature_ids"]
    for road_id, ids in road["project_ids"].items():
        for pid in filter(None, ids.split(",")):
            assert road_id in projects.loc[pid, "feature_ids"]
