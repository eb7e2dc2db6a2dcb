"""The bundled transport layers: contract, scenario years, sources and locations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

from jmgis import admin, transport
from jmgis.errors import ScenarioYearError
from jmgis.layers import registry
from jmgis.paths import projects_dir

GATEWAY_IDS = {
    "guangzhou",
    "shenzhen",
    "zhuhai",
    "zhongshan",
    "foshan",
    "macau",
    "yangjiang",
    "prd_hub_airport",
}


@pytest.fixture(scope="module")
def layers(transport_layers):
    return transport_layers


@pytest.fixture(scope="module")
def townships(admin_layers):
    return admin_layers["townships"].set_index("code")


@pytest.mark.parametrize("name", transport.LAYER_NAMES)
def test_every_layer_has_the_registry_columns_in_epsg_4490(layers, name):
    frame = layers[name]
    assert frame.crs.to_epsg() == 4490
    assert [c for c in frame.columns if c != "geometry"] == registry()[name].field_names


def test_layers_are_not_empty_where_the_plan_names_features(layers):
    for name in ("road", "rail", "station", "gateway", "control_point"):
        assert len(layers[name]) > 0, name


def test_gateways_have_the_stable_ids_and_lie_outside_the_city(layers):
    gateways = layers["gateway"]
    assert set(gateways["gateway_id"]) == GATEWAY_IDS
    city = admin.load_city().union_all()
    assert not shapely.intersects(gateways.geometry.values, city).any()


@pytest.mark.parametrize("year", transport.SCENARIO_YEARS)
def test_every_gateway_is_the_end_or_a_vertex_of_a_road_that_exists(layers, year):
    roads = layers["road"][transport.exists_in(layers["road"], year)]
    on_roads = {p for via in roads["via"] for p in via.split(",")}
    for point in layers["gateway"]["point_id"]:
        assert point in on_roads, (year, point)


@pytest.mark.parametrize("layer", ["road", "rail"])
def test_each_line_runs_through_its_control_points_in_order(layers, layer):
    points = layers["control_point"].set_index("point_id")
    frame = layers[layer]
    for via, geom, quality in zip(
        frame["via"], frame.geometry, frame["geometry_quality"], strict=True
    ):
        expected = points.loc[via.split(","), ["lon", "lat"]].to_numpy()
        coords = shapely.get_coordinates(geom)
        if len(coords) == len(expected):  # straight between its control points
            np.testing.assert_allclose(coords, expected)
            continue
        # routed along the OSM skeleton: every control point is a vertex, in order
        assert quality in ("osm_skeleton", "schematic")
        at = [int(np.abs(coords - xy).max(axis=1).argmin()) for xy in expected]
        assert at == sorted(at) and at[0] == 0 and at[-1] == len(coords) - 1
        np.testing.assert_allclose(coords[at], expected, atol=1e-5)


@pytest.mark.parametrize(
    ("scheme_name", "plan"), [("六纵六横两联一展望", "000"), ("七纵八横", "000")]
)
def test_all_fifteen_members_of_a_scheme_have_a_road(layers, scheme_name, plan):
    schemes = yaml.safe_load((projects_dir() / "scheme.yaml").read_text(encoding="utf-8"))
    scheme = next(s for s in schemes if s["name"] == scheme_name and s["plan"] == plan)
    tagged = {
        item.strip() for value in layers["road"]["schemes"].dropna() for item in value.split(",")
    }
    assert len(scheme["members"]) == 15
    for member in scheme["members"]:
        assert f"{scheme_name}:{member['label']}" in tagged, member["label"]


def test_speed_is_the_class_default_unless_a_road_states_its_own(layers):
    from jmgis.speeds import DEFAULT_SPEEDS_KPH

    roads = layers["road"]
    defaults = roads["road_class"].map(DEFAULT_SPEEDS_KPH)
    assert (roads["speed_kph"] == defaults).all()


def test_every_control_point_and_feature_has_a_source(layers):
    for name, frame in layers.items():
        if len(frame):
            assert frame["source"].str.strip().str.len().gt(0).all(), name


def test_short_plan_references_are_expanded_to_seed_file_names(layers):
    road = layers["road"].set_index("road_id").loc["huangmaohai"]
    assert "000_6d1849548a3b7443.txt:1390" in road["source"]


def test_seat_control_points_are_the_admin_seats(layers):
    seats = admin.load_seats().set_index("code")
    points = layers["control_point"]
    points = points[points["kind"] == "seat"].set_index("township_code")
    assert set(points.index) == set(seats.index)
    d = shapely.distance(points.geometry.values, seats.loc[points.index].geometry.values)
    assert d.max() < 1e-6


def test_points_inside_the_city_lie_in_the_township_they_claim(layers, townships):
    points = layers["control_point"]
    inside = points[points["township_code"] != "outside"]
    polys = townships.loc[inside["township_code"]].geometry.values
    # the township partition is schematic; allow 1.5 km across its boundaries
    gap = shapely.distance(inside.geometry.values, polys) * 111_000
    bad = inside.loc[gap > 1500, ["point_id", "township_code"]]
    assert bad.empty, bad.to_dict("records")


def test_stations_lie_in_their_claimed_township(layers, townships):
    st = layers["station"]
    st = st[st["township_code"] != "outside"]
    polys = townships.loc[st["township_code"]].geometry.values
    gap = shapely.distance(st.geometry.values, polys) * 111_000
    assert (gap < 1500).all(), st.loc[gap >= 1500, "station_id"].tolist()


def test_the_huangmaohai_link_crosses_the_water_to_chixi_doushan(layers, townships):
    road = layers["road"].set_index("road_id").loc["huangmaohai"]
    city = admin.load_city().union_all()
    line = road.geometry
    # starts in 珠海 (outside the city), ends on the 台山 side in 斗山镇
    start, end = shapely.get_point(line, 0), shapely.get_point(line, -1)
    assert not city.contains(start)
    assert townships.loc["440781106"].geometry.buffer(0.01).contains(end)
    # and most of its first segment is not on 江门 land (the 黄茅海)
    first = shapely.LineString(shapely.get_coordinates(line)[:2])
    assert first.difference(city).length > 0.5 * first.length


def test_rail_stations_are_on_their_lines_and_lines_listed_at_stations(layers):
    rail = layers["rail"].set_index("line_id")
    stations = layers["station"].set_index("station_id")
    for line_id, row in rail.iterrows():
        for sid in filter(None, row["stations"].split(",")):
            assert line_id in stations.loc[sid, "lines"].split(",")
            assert row.geometry.distance(stations.loc[sid].geometry) < 1e-9


# ---------------------------------------------------------------- scenario years
def test_scenario_years_add_what_the_plan_completes(layers):
    roads = layers["road"].set_index("road_id")
    by_year = {y: set(roads.index[transport.exists_in(roads, y)]) for y in (2020, 2025, 2035)}
    assert "huangmaohai" not in by_year[2020] and "huangmaohai" in by_year[2025]
    assert by_year[2020] <= by_year[2025] <= by_year[2035]
    conceptual = set(roads.index[roads["status"] == "conceptual"])
    assert conceptual and conceptual <= by_year[2035] - by_year[2025]


def test_exists_in_follows_status_and_open_year():
    frame = pd.DataFrame(
        {
            "status": ["existing", "existing", "under_construction", "planned", "conceptual"],
            "open_year": pd.array([None, 2023, 2025, None, None], dtype="Int64"),
        }
    )
    assert transport.exists_in(frame, 2020).tolist() == [True, False, False, False, False]
    assert transport.exists_in(frame, 2025).tolist() == [True, True, True, False, False]
    assert transport.exists_in(frame, 2030).tolist() == [True, True, True, False, False]
    assert transport.exists_in(frame, "vision").tolist() == [True] * 5


def test_layers_without_status_exist_every_year(layers):
    assert transport.exists_in(layers["gateway"], 2020).all()


@pytest.mark.parametrize("year", [2019, 2036, 1990, "2025.5", "next", None])
def test_a_year_outside_the_range_is_refused_naming_the_range(year):
    with pytest.raises(ScenarioYearError, match=r"2020.*2035"):
        transport.exists_in(pd.DataFrame({"status": ["existing"]}), year)


def test_unknown_layer_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="road"):
        transport.load("roads")


def test_gpkg_round_trip_keeps_the_transport_layers(tmp_path, layers):
    from jmgis.io.gpkg import read_layer, write_gpkg

    path = write_gpkg({n: layers[n] for n in ("road", "station")}, tmp_path / "t.gpkg")
    for name in ("road", "station"):
        back = read_layer(path, name)
        pd.testing.assert_frame_equal(
            pd.DataFrame(back.drop(columns="geometry")),
            pd.DataFrame(layers[name].drop(columns="geometry")),
            check_dtype=False,
        )
        assert shapely.equals_exact(back.geometry.values, layers[name].geometry.values, 1e-9).all()


def test_every_plan_reference_in_the_transport_data_points_at_a_line_with_text():
    import re

    from jmgis.paths import seeds_dir, transport_dir
    from jmgis.seeds import SEED_FILES

    if seeds_dir() is None:
        pytest.skip("the plan documents (../shared/seeds) are not present")
    lines = {
        d: (seeds_dir() / f).read_text(encoding="utf-8").splitlines() for d, f in SEED_FILES.items()
    }
    refs = []
    for path in sorted(transport_dir().glob("*.yaml")):
        for m in re.finditer(r"(?<![\w.])(00[0-4]):(\d+)", path.read_text(encoding="utf-8")):
            refs.append((path.name, m[1], int(m[2])))
    assert refs
    for name, doc, line in refs:
        assert line <= len(lines[doc]) and lines[doc][line - 1].strip(), (name, doc, line)


@pytest.mark.parametrize(
    ("query", "kind", "ident"),
    [
        ("山咀港", "port", "shanzui"),
        ("江门高新港", "port", "hitech_public_wharf"),
        ("珠三角枢纽机场", "gateway", "prd_hub_airport"),
        ("佛山新机场", "gateway", "prd_hub_airport"),
        ("江门站", "station", "stn_jiangmen"),
        ("台山通用机场", "airport", "taishan_ga"),
    ],
)
def test_transport_places_resolve_by_name_and_alias(query, kind, ident):
    from jmgis.admin.places import resolve_place

    place = resolve_place(query)
    assert (place.kind, place.id) == (kind, ident)


def test_interchanges_file_is_in_sync_with_the_expressways():
    from jmgis.paths import transport_dir
    from jmgis.transport import interchanges

    on_file = yaml.safe_load((transport_dir() / "interchanges.yaml").read_text(encoding="utf-8"))
    assert on_file == interchanges.derive(), "run: python -m jmgis.transport.interchanges"


@pytest.mark.parametrize("layer", ["road", "rail"])
def test_status_agrees_with_the_linked_plan_projects(layers, layer):
    """Completed projects exist in 2020; 000's 'to complete by 2025' exist by their year;
    a feature linked only to conceptual projects is conceptual unless it already exists."""
    projects = {
        p["id"]: p
        for p in yaml.safe_load((projects_dir() / "project.yaml").read_text(encoding="utf-8"))
    }
    frame = layers[layer]
    id_col = "road_id" if layer == "road" else "line_id"
    for _, row in frame.iterrows():
        linked = [projects[p] for p in filter(None, row["project_ids"].split(","))]
        one = frame.loc[[_]]
        for p in linked:
            if p["status"] == "completed":
                assert transport.exists_in(one, 2020).iloc[0], (row[id_col], p["id"])
            if p["status"] == "to_complete_by_2025" and p["plan"] == "000":
                assert transport.exists_in(one, p["target_year"]).iloc[0], (row[id_col], p["id"])
        if linked and all(p["status"] == "conceptual" for p in linked):
            assert row["status"] in ("conceptual", "existing"), row[id_col]


def test_project_features_inverts_the_project_links(layers):
    links = transport.project_features()
    assert "huangmaohai" in links["prj_huangmaohai_crossing"]
    assert set(links["prj_g325_zhishan_tangkou"]) == {"g325"}
    road = layers["road"].set_index("road_id")
    for pid, fids in links.items():
        for fid in fids:
            if fid in road.index:
                assert pid in road.loc[fid, "project_ids"].split(",")
