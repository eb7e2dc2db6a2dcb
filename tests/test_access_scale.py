"""Chunked/distributed runs, isochrones and rasters on a small generated network."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from jmgis.access import isochrones, travel_time_matrix, travel_time_raster
from jmgis.access.distributed import iter_chunks, run_chunked
from jmgis.errors import DataError
from tests.synthetic import road_network


@pytest.fixture(scope="module")
def G():  # noqa: N802
    return road_network(30, seed=7)  # 900 junctions (+ expressway nodes) ≈ 7 km × 7 km


@pytest.fixture(scope="module")
def origins(G):
    nodes = list(G.nodes)
    rng = np.random.default_rng(3)
    return [nodes[i] for i in rng.choice(900, 25, replace=False)]


def test_generated_network_is_reproducible_and_hierarchical():
    a = road_network(30, seed=7, as_arrays=True)
    b = road_network(30, seed=7, as_arrays=True)
    np.testing.assert_array_equal(a["travel_time_s"], b["travel_time_s"])
    assert {"local", "secondary", "primary"} <= set(a["road_class"])
    assert {"expressway", "ramp"} <= set(road_network(100, seed=7, as_arrays=True)["road_class"])


def test_chunked_equals_in_process(G, origins):
    dests = list(G.nodes)[::7]
    expected = travel_time_matrix(G, origins, dests, cutoff_s=900)
    got = run_chunked(G, origins, dests, cutoff_s=900, chunk_size=4)
    np.testing.assert_array_equal(got, expected)
    streamed = np.vstack(
        [blk for _, blk in iter_chunks(G, origins, dests, cutoff_s=900, chunk_size=6)]
    )
    np.testing.assert_array_equal(streamed, expected)
    nearest = run_chunked(G, origins, dests, reduce="nearest", chunk_size=3)
    full = travel_time_matrix(G, origins, dests)
    np.testing.assert_array_equal(nearest[:, 0], full.min(axis=1))
    counts = run_chunked(G, origins, dests, reduce="count:600", chunk_size=5)
    np.testing.assert_array_equal(counts[:, 0], (full <= 600).sum(axis=1))
    with pytest.raises(DataError, match="unknown reducer"):
        run_chunked(G, origins, reduce="mean")


@pytest.mark.parametrize(
    "processes",
    [False, pytest.param(True, marks=pytest.mark.slow)],  # worker processes: slow
)
def test_dask_local_cluster_gives_the_same_results(G, origins, processes):
    distributed = pytest.importorskip("distributed")
    dests = list(G.nodes)[::5]
    expected = travel_time_matrix(G, origins, dests, cutoff_s=1200)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = run_chunked(G, origins, dests, cutoff_s=1200, chunk_size=4, client=client)
        nearest = run_chunked(G, origins, dests, reduce="nearest", chunk_size=7, client=client)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(nearest[:, 0], travel_time_matrix(G, origins, dests).min(axis=1))


def test_isochrones_are_nested_clipped_and_grow_with_time(G, origins):
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    # "land" = the western half of the network's extent
    land = shapely.box(min(xs), min(ys), (min(xs) + max(xs)) / 2, max(ys))
    iso = isochrones(G, origins[:3], (5, 10, 20), land=land, cell_m=100, to_storage=False)
    assert len(iso) == 9 and list(iso.columns) == [
        "origin",
        "origin_name",
        "band_min",
        "area_km2",
        "geometry",
    ]
    for _, rows in iso.groupby("origin"):
        geoms = rows.sort_values("band_min").geometry.to_numpy()
        areas = [g.area for g in geoms]
        assert areas == sorted(areas)
        for small, big in itertools.pairwise(geoms):
            assert big.buffer(1e-6).contains(small)
        assert all(land.buffer(1e-6).contains(g) for g in geoms)
    # a cell inside the 5-min polygon: its nearest node really is reachable within 5 min + leg
    combined = isochrones(G, origins, (10,), land=False, combine=True, cell_m=100, to_storage=False)
    assert len(combined) == 1 and combined.origin.iloc[0] == "*"
    single = isochrones(G, origins[:1], (10,), land=False, cell_m=100, to_storage=False)
    assert single.geometry.iloc[0].area <= combined.geometry.iloc[0].area


def test_isochrone_matches_network_times(G, origins):
    """Nodes far from the origin in time are outside the polygon; near ones inside."""
    o = origins[0]
    iso = isochrones(G, [o], (10,), land=False, cell_m=50, max_offnet_m=60, to_storage=False)
    poly = iso.geometry.iloc[0]
    times = travel_time_matrix(G, [o])[0] / 60
    nodes = list(G.nodes)
    pts = shapely.points([[G.nodes[n]["x"], G.nodes[n]["y"]] for n in nodes])
    inside = shapely.contains(poly.buffer(30), pts)
    assert inside[times <= 8].mean() > 0.95
    assert not inside[times > 12].any()


def test_isochrone_bad_input(G):
    with pytest.raises(DataError, match="no origin"):
        isochrones(G, [], land=False)
    with pytest.raises(DataError, match="bands must be > 0"):
        isochrones(G, list(G.nodes)[:1], (0, 15), land=False)


def test_travel_time_raster_geotiff(G, origins, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    land = shapely.box(min(xs), min(ys), max(xs), (min(ys) + max(ys)) / 2)
    image, grid = travel_time_raster(
        G, origins[:4], tmp_path / "tt.tif", cell_m=200, land=land, offnet_speed_kph=6
    )
    with rasterio.open(tmp_path / "tt.tif") as src:
        data = src.read(1)
        assert src.crs.to_epsg() == 4547
        assert src.nodata == -9999
        assert src.res == (200.0, 200.0)
    np.testing.assert_array_equal(data, image)
    assert (data[~grid.mask] == -9999).all()
    on_land = data[grid.mask]
    assert np.isfinite(on_land).all() and (on_land >= 0).all()
    # the cell holding a facility node costs only its off-network leg
    fx, fy = G.nodes[origins[0]]["x"], G.nodes[origins[0]]["y"]
    if land.contains(shapely.Point(fx, fy)):
        row, col = rasterio.transform.rowcol(grid.transform, fx, fy)
        leg_max_min = (200 * 0.71) / (6 / 3.6) / 60
        assert data[row, col] <= leg_max_min + 1e-6


@pytest.mark.parametrize(("road_class", "covered"), [("primary", True), ("expressway", False)])
def test_isochrones_follow_long_edges_but_not_expressways(road_class, covered):
    import networkx as nx

    G = nx.MultiDiGraph(crs="EPSG:4547")
    G.add_node("a", x=400_000.0, y=2_500_000.0, kind="junction")
    G.add_node("b", x=410_000.0, y=2_500_000.0, kind="junction")
    for u, v in (("a", "b"), ("b", "a")):
        G.add_edge(u, v, travel_time_s=600.0, mode="road", road_class=road_class)
    iso = isochrones(
        G, ["a"], (5,), land=False, cell_m=100, max_offnet_m=300, to_storage=False
    ).geometry.iloc[0]
    assert iso.contains(shapely.Point(404_000, 2_500_000)) == covered  # 4 min along the road
    assert not iso.contains(shapely.Point(406_000, 2_500_000))  # 6 min along the road
    assert iso.contains(shapely.Point(400_050, 2_500_000))  # next to the origin


def test_isochrone_areas_are_ellipsoidal(G, origins):
    from jmgis.crs import geodesic_area_km2

    iso = isochrones(G, origins[:4], (5, 15), land=False, cell_m=100, to_storage=False)
    exact = geodesic_area_km2(iso.to_crs("EPSG:4490"))
    assert (exact > 0).all()
    np.testing.assert_allclose(iso.area_km2.to_numpy(), exact, rtol=2e-5)


def test_ring_isochrones_partition_the_nested_ones(G, origins):
    nested = isochrones(G, origins[:3], (5, 10, 20), land=False, cell_m=100, to_storage=False)
    rings = isochrones(
        G, origins[:3], (5, 10, 20), land=False, cell_m=100, to_storage=False, nested=False
    )
    assert list(rings.band_from_min[:3]) == [0, 5, 10]
    for origin in origins[:3]:
        n = nested[nested.origin == origin].sort_values("band_min").geometry.to_numpy()
        r = rings[rings.origin == origin].sort_values("band_min").geometry.to_numpy()
        for k in range(3):
            union = shapely.union_all(r[: k + 1])
            assert union.symmetric_difference(n[k]).area < 1e-3
        assert r[0].intersection(r[1]).area < 1e-3
