"""from_layers: a user's own road layers → the network contract, with noding and errors."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString

from jmgis.errors import DataError
from jmgis.network.user_layers import from_layers
from jmgis.speeds import SpeedTable

# a small grid in EPSG:4547 metres near 江门 (x ≈ 400 km, y ≈ 2 500 km)
X0, Y0 = 400_000.0, 2_500_000.0


def roads(rows, crs="EPSG:4547"):
    records = []
    for r in rows:
        geom = r.pop("geom")
        records.append({**r, "geometry": geom})
    return gpd.GeoDataFrame(records, crs=crs)


def crossing_layer():
    return roads(
        [
            dict(
                rid="a", 等级="主干路", name="东西路", geom=LineString([(X0, Y0), (X0 + 2000, Y0)])
            ),
            dict(
                rid="b",
                等级="主干路",
                name="南北路",
                geom=LineString([(X0 + 1000, Y0 - 1000), (X0 + 1000, Y0 + 1000)]),
            ),
            dict(
                rid="c",
                等级="支路",
                name="短路",
                geom=LineString([(X0 + 2000, Y0), (X0 + 2000, Y0 + 995)]),
            ),
        ]
    )


CLASS_MAP = {"主干路": "arterial", "支路": "local"}


def test_crossing_lines_are_noded_and_timed_by_class():
    G = from_layers(crossing_layer(), class_field="等级", class_map=CLASS_MAP, id_field="rid")
    # east-west and north-south roads cross at (X0+1000, Y0): one node shared by both
    centre = [
        n
        for n, d in G.nodes(data=True)
        if abs(d["x"] - (X0 + 1000)) < 1e-6 and abs(d["y"] - Y0) < 1e-6
    ]
    assert len(centre) == 1
    assert {d["feature_id"] for _, _, d in G.edges(centre[0], data=True)} == {"a", "b"}
    t = nx.shortest_path_length(
        G,
        next(n for n, d in G.nodes(data=True) if d["y"] == Y0 - 1000),
        next(n for n, d in G.nodes(data=True) if d["x"] == X0),
        weight="travel_time_s",
    )
    speed = SpeedTable().road_speed("arterial") / 3.6
    assert t == pytest.approx(2000 / speed)
    assert G.graph["crs"] == "EPSG:4547"


def test_topology_report_finds_undershoot_and_parts():
    layer = crossing_layer()
    layer = pd_concat(
        layer,
        roads(
            [
                dict(
                    rid="d",
                    等级="支路",
                    name="孤路",
                    geom=LineString([(X0 + 5000, Y0), (X0 + 6000, Y0)]),
                )
            ]
        ),
    )
    G = from_layers(layer, class_field="等级", class_map=CLASS_MAP, id_field="rid")
    report = G.graph["topology"]
    assert report.disconnected and len(report.components) == 2
    # road c ends in open country: its north end is a dangle, but not an undershoot
    dangle = [d for d in report.dangles if d["feature_id"] == "c"]
    assert dangle and dangle[0]["gap_m"] > report.undershoot_m
    assert "connected part" in report.summary()


def pd_concat(*frames):
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def test_undershoot_is_reported():
    layer = roads(
        [
            dict(rid="a", cls="county", geom=LineString([(X0, Y0), (X0 + 2000, Y0)])),
            dict(
                rid="b", cls="county", geom=LineString([(X0 + 1000, Y0 + 3), (X0 + 1000, Y0 + 900)])
            ),
        ]
    )
    report = from_layers(layer, class_field="cls", id_field="rid").graph["topology"]
    assert [d["feature_id"] for d in report.undershoots] == ["b"]
    assert report.undershoots[0]["gap_m"] == pytest.approx(3)


def test_oneway_field_keeps_direction_after_noding():
    layer = crossing_layer()
    layer["oneway"] = ["yes", "no", "no"]
    G = from_layers(
        layer, class_field="等级", class_map=CLASS_MAP, id_field="rid", oneway_field="oneway"
    )
    a_edges = [
        (G.nodes[u]["x"], G.nodes[v]["x"])
        for u, v, d in G.edges(data=True)
        if d["feature_id"] == "a"
    ]
    assert len(a_edges) == 2 and all(xu < xv for xu, xv in a_edges)


def test_gpkg_and_shapefile_round_trip(tmp_path):
    layer = crossing_layer().to_crs("EPSG:4490")
    layer = layer.rename(columns={"等级": "grade"})
    gpkg, shp = tmp_path / "roads.gpkg", tmp_path / "roads.shp"
    layer.to_file(gpkg, layer="roads")
    layer.to_file(shp, encoding="utf-8")
    g1 = from_layers([(gpkg, "roads")], class_field="grade", class_map=CLASS_MAP, id_field="rid")
    g2 = from_layers(shp, class_field="grade", class_map=CLASS_MAP, id_field="rid")
    assert g1.number_of_edges() == g2.number_of_edges() == 10


@pytest.mark.parametrize(
    "mutate, field, feature, message",
    [
        (
            lambda f: f.assign(等级=["主干路", "快速干道", "支路"]),
            "等级",
            "b",
            "unknown road class",
        ),
        (lambda f: f.assign(等级=["主干路", None, "支路"]), "等级", "b", "missing road class"),
        (lambda f: f.assign(rid=["a", "b", "b"]), "rid", "b", "duplicate feature id"),
        (
            lambda f: f.set_geometry(
                [f.geometry[0], LineString([(X0, Y0), (X0, Y0)]), f.geometry[2]], crs=f.crs
            ),
            "geometry",
            "b",
            "zero-length",
        ),
        (
            lambda f: f.set_geometry(
                [
                    f.geometry[0],
                    LineString([(X0, Y0 + 50), (X0 + 500, Y0 + 50), (X0 + 200, Y0 + 50)]),
                    f.geometry[2],
                ],
                crs=f.crs,
            ),
            "geometry",
            "b",
            "self-overlapping",
        ),
    ],
)
def test_bad_features_name_file_feature_field(mutate, field, feature, message):
    with pytest.raises(DataError, match=message) as err:
        from_layers(
            mutate(crossing_layer()), class_field="等级", class_map=CLASS_MAP, id_field="rid"
        )
    assert err.value.field == field and err.value.feature == feature


def test_missing_speed_with_speed_field():
    layer = crossing_layer().assign(限速=[50, None, 30], 等级=["主干路", "村路", "支路"])
    with pytest.raises(DataError, match="missing speed") as err:
        from_layers(
            layer, class_field="等级", class_map=CLASS_MAP, id_field="rid", speed_field="限速"
        )
    assert err.value.feature == "b"
    # with a speed the unknown class is fine: the feature's own speed is used
    layer["限速"] = [50, 40, 30]
    G = from_layers(
        layer, class_field="等级", class_map=CLASS_MAP, id_field="rid", speed_field="限速"
    )
    assert {d["speed_kph"] for _, _, d in G.edges(data=True) if d["feature_id"] == "b"} == {40}


def test_crs_mismatch_and_missing_crs(tmp_path):
    a = crossing_layer()
    b = crossing_layer().to_crs("EPSG:4490")
    with pytest.raises(DataError, match="CRS mismatch") as err:
        from_layers([a, b], class_field="等级", class_map=CLASS_MAP)
    assert "layer #2" in str(err.value)
    lying = crossing_layer().to_crs("EPSG:4490").set_crs("EPSG:4547", allow_override=True)
    with pytest.raises(DataError, match="look like degrees"):
        from_layers(lying, class_field="等级", class_map=CLASS_MAP)
    bare = crossing_layer().set_crs(None, allow_override=True)
    with pytest.raises(DataError, match="no CRS"):
        from_layers(bare, class_field="等级", class_map=CLASS_MAP)


def test_missing_field_and_file(tmp_path):
    with pytest.raises(DataError) as err:
        from_layers(crossing_layer(), class_field="grade")
    assert err.value.field == "grade"
    with pytest.raises(DataError, match="not found"):
        from_layers(tmp_path / "nope.gpkg")


def test_multilines_are_split_into_parts():
    layer = roads(
        [
            dict(
                rid="m",
                cls="county",
                geom=MultiLineString(
                    [[(X0, Y0), (X0 + 1000, Y0)], [(X0 + 1000, Y0), (X0 + 1000, Y0 + 1000)]]
                ),
            )
        ]
    )
    G = from_layers(layer, class_field="cls", id_field="rid")
    assert nx.is_strongly_connected(G) and G.number_of_nodes() == 3


def test_points_join_user_network():
    from shapely.geometry import Point

    seats = gpd.GeoDataFrame(
        {"code": ["440703006"], "name": ["环市街道"]},
        geometry=[Point(X0 + 1000, Y0 + 1040)],
        crs="EPSG:4547",
    )
    G = from_layers(
        crossing_layer(), class_field="等级", class_map=CLASS_MAP, points={"seat": seats}
    )
    (_, target, d) = next(iter(G.out_edges("seat:440703006", data=True)))
    assert d["snap_m"] == pytest.approx(40)  # north end of 南北路 at Y0 + 1000
    assert G.graph["snaps"][0].snap_m == pytest.approx(40)


def test_topology_command(tmp_path, capsys):
    from jmgis.cli import main

    layer = crossing_layer().rename(columns={"等级": "grade"})
    path = tmp_path / "roads.gpkg"
    layer.to_file(path)
    cmap = tmp_path / "classes.yaml"
    cmap.write_text("主干路: arterial\n支路: local\n", encoding="utf-8")
    args = ["network", "topology", str(path), "--class-field", "grade", "--class-map", str(cmap)]
    assert main(args) == 0
    assert "1 connected part" in capsys.readouterr().out
    assert main(args[:-2]) == 2  # without the map the classes are unknown
    err = capsys.readouterr().err
    assert "unknown road class" in err and "roads.gpkg" in err


def test_noding_matches_brute_force_crossings():
    """Random horizontal and vertical streets: nodes = distinct ends + crossing points."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    coord = st.integers(0, 20).map(float)
    street = st.tuples(st.booleans(), coord, coord, coord).filter(lambda t: t[2] != t[3])

    @settings(max_examples=40, deadline=None)
    @given(st.lists(street, min_size=1, max_size=8))
    def check(streets):
        geoms, points = [], set()
        for horizontal, at, a, b in streets:
            a, b = sorted((a, b))
            ends = [(a, at), (b, at)] if horizontal else [(at, a), (at, b)]
            geoms.append(LineString([(X0 + 100 * x, Y0 + 100 * y) for x, y in ends]))
        # brute force: every end, every crossing/touching point of two streets
        for g in geoms:
            points.update(tuple(np.round(c, 6)) for c in shapely.get_coordinates(g))
        for i, g in enumerate(geoms):
            for h in geoms[i + 1 :]:
                inter = g.intersection(h)
                if inter.geom_type == "Point":
                    points.add(tuple(np.round((inter.x, inter.y), 6)))
                elif not inter.is_empty:  # collinear overlap: its ends are nodes
                    points.update(tuple(np.round(c, 6)) for c in shapely.get_coordinates(inter))
        layer = gpd.GeoDataFrame({"cls": ["county"] * len(geoms)}, geometry=geoms, crs="EPSG:4547")
        G = from_layers(layer, class_field="cls", tolerance_m=0.01)
        nodes = {tuple(np.round((d["x"], d["y"]), 6)) for _, d in G.nodes(data=True)}
        assert nodes == points

    check()
