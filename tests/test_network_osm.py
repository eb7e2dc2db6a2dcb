"""from_osm on small OSM files written by the tests."""

from __future__ import annotations

import networkx as nx
import pytest

from jmgis.errors import DataError
from jmgis.network.osm import from_osm, parse_maxspeed
from jmgis.speeds import SpeedTable

# nodes on a ~1 km grid near 江门 (lon 113.08, lat 22.58)
NODES = {
    1: (113.080, 22.580),
    2: (113.090, 22.580),
    3: (113.100, 22.580),
    4: (113.090, 22.590),
    5: (113.090, 22.570),
    6: (113.100, 22.590),
    7: (113.110, 22.580),
}
WAYS = [
    (10, [1, 2, 3], {"highway": "primary", "name": "东华路", "maxspeed": "30"}),
    (11, [5, 2, 4], {"highway": "residential", "name": "北街"}),
    (12, [4, 6], {"highway": "motorway", "oneway": "yes", "ref": "G15"}),
    (13, [3, 7], {"highway": "tertiary", "oneway": "-1"}),
    (14, [6, 3], {"highway": "footway"}),
]


def osm_xml(nodes=NODES, ways=WAYS) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in nodes.items():
        out.append(f'  <node id="{nid}" lat="{lat}" lon="{lon}"/>')
    for wid, refs, tags in ways:
        out.append(f'  <way id="{wid}">')
        out += [f'    <nd ref="{r}"/>' for r in refs]
        out += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        out.append("  </way>")
    out.append("</osm>")
    return "\n".join(out)


@pytest.fixture
def osm_file(tmp_path):
    path = tmp_path / "small.osm"
    path.write_text(osm_xml(), encoding="utf-8")
    return path


def edge(G, feature):
    return [(u, v, d) for u, v, d in G.edges(data=True) if d["feature_id"] == feature]


def test_ways_split_at_shared_nodes_and_classified(osm_file):
    G = from_osm(osm_file)
    assert G.graph["crs"] == "EPSG:4547"
    # way 10 shares node 2 with way 11: two pieces, each two-way
    assert len(edge(G, "way/10")) == 4
    assert "osm:2" in G and "osm:1" in G
    assert {d["road_class"] for _, _, d in edge(G, "way/12")} == {"expressway"}
    assert not any(d["feature_id"] == "way/14" for _, _, d in G.edges(data=True))  # footway
    x1, x2 = G.nodes["osm:1"]["x"], G.nodes["osm:2"]["x"]
    assert 1000 < x2 - x1 < 1050  # 0.01° of longitude at 22.58°N ≈ 1.03 km


def test_maxspeed_caps_class_speed(osm_file):
    G = from_osm(osm_file)
    assert {d["speed_kph"] for _, _, d in edge(G, "way/10")} == {30}
    assert {d["speed_kph"] for _, _, d in edge(G, "way/11")} == {SpeedTable().road_speed("local")}


def test_oneway_and_reverse_oneway(osm_file):
    G = from_osm(osm_file)
    assert [(u, v) for u, v, _ in edge(G, "way/12")] == [("osm:4", "osm:6")]
    assert [(u, v) for u, v, _ in edge(G, "way/13")] == [("osm:7", "osm:3")]
    assert nx.has_path(G, "osm:7", "osm:1") and not nx.has_path(G, "osm:1", "osm:7")


def test_names_and_refs(osm_file):
    G = from_osm(osm_file)
    assert {d["name"] for _, _, d in edge(G, "way/12")} == {"G15"}
    assert {d["name"] for _, _, d in edge(G, "way/10")} == {"东华路"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty file"),
        ("<osm><node id='1' lat='22' lon='113'/>", "broken OSM XML"),
        ("hello", "empty or not XML"),
        ("<gpx></gpx>", "not an OSM XML"),
        ("<osm><node id='1' lat='x' lon='113'/></osm>", "lat/lon"),
    ],
)
def test_bad_files(tmp_path, text, message):
    path = tmp_path / "bad.osm"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message) as err:
        from_osm(path)
    assert str(path) in str(err.value)


def test_no_roads(tmp_path):
    path = tmp_path / "paths.osm"
    path.write_text(osm_xml(ways=[WAYS[-1]]), encoding="utf-8")
    with pytest.raises(DataError, match="no driveable ways"):
        from_osm(path)
    with pytest.raises(DataError, match="not found"):
        from_osm(tmp_path / "missing.osm")


def test_clipped_extract_keeps_what_it_can(tmp_path, caplog):
    nodes = {k: v for k, v in NODES.items() if k != 7}
    path = tmp_path / "clipped.osm"
    path.write_text(osm_xml(nodes=nodes), encoding="utf-8")
    G = from_osm(path)
    assert G.graph["osm_missing_nodes"] == 1
    assert not edge(G, "way/13")
    assert "way/13" in caplog.text


def test_parse_maxspeed():
    assert parse_maxspeed("60") == 60
    assert parse_maxspeed("50 km/h") == 50
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("signals") is None


def test_pbf_gives_the_same_graph(osm_file, tmp_path):
    osmium = pytest.importorskip("osmium", reason="PBF support is the optional 'osmium' extra")
    pbf = tmp_path / "small.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for nid, (lon, lat) in NODES.items():
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat)))
        for wid, refs, tags in WAYS:
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))
    a, b = from_osm(osm_file), from_osm(pbf)
    assert sorted(a.edges) == sorted(b.edges)
    assert {n: round(d["x"], 3) for n, d in a.nodes(data=True)} == {
        n: round(d["x"], 3) for n, d in b.nodes(data=True)
    }


def test_points_are_connected_to_the_nearest_node(osm_file):
    import geopandas as gpd
    from shapely.geometry import Point

    schools = gpd.GeoDataFrame(
        {"id": ["s1"], "name": ["第一小学"]}, geometry=[Point(113.0902, 22.5702)], crs="EPSG:4326"
    )
    G = from_osm(osm_file, points={"poi": schools})
    (u, v, d) = next(iter(G.out_edges("poi:s1", data=True)))
    assert v == "osm:5" and d["mode"] == "connector"
    assert 15 < d["snap_m"] < 35  # 0.0002° of latitude and longitude ≈ 30 m
    assert nx.has_path(G, "poi:s1", "osm:1")
