"""A generated OSM file of a whole city's network runs the whole chain (issue 13 item 6).

:func:`tests.owndata_fixtures.city_osm` at 900 m spacing: ≈ 59,000 nodes in the file,
≈ 18,000 after cleaning — the chain of ``bench/bench_jiangmen_osm.py`` (≈ 150,000 nodes)
at an eighth of its size, for one scenario year (2035, the year with the most plan roads
added: ≈ 25 s of CPU; two years take ≈ 80 s, the year comparison in the report), so that
it runs in the slow tier.  Nothing in the file is a real road.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.owndata_fixtures import city_osm

REPO = Path(__file__).resolve().parents[1]
YEARS = (2035,)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("city")
    counts = city_osm(folder / "city.osm", spacing_m=900.0)
    out = folder / "out"
    run = subprocess.run(
        [sys.executable, "-m", "jmgis", "--no-cache", "build", "--network",
         str(folder / "city.osm"), "--years", ",".join(map(str, YEARS)), "--out", str(out)],
        capture_output=True, text=True, cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return counts, run, out


@pytest.mark.slow
def test_the_generated_city_file_has_the_classes_and_refs_that_engage_the_chain(built):
    counts, _, _ = built
    for highway in ("motorway", "motorway_link", "trunk", "primary", "secondary",
                    "tertiary", "residential"):
        assert counts.get(f"ways_{highway}", 0) > 0, highway
    assert 50_000 < counts["nodes"] < 70_000


@pytest.mark.slow
def test_a_city_sized_osm_file_runs_the_whole_chain(built):
    import geopandas as gpd
    import pyogrio

    from jmgis import admin

    _, run, out = built
    assert run.returncode == 0, run.stderr[-3000:]
    # every output of the build, and every file of the manifest as it says
    expected = [
        "jiangmen.gpkg",
        "jiangmen.qgz",
        "manifest.json",
        # (the scenario map compares two years)
        *(f"maps/{m}.html" for m in ("zones", "plan", "transport", "access")),
        "report/report.html",
        "report/report.xlsx",
        *(f"minutes_to_hsr_station_{y}.tif" for y in YEARS),
    ]
    for name in expected:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        assert (out / entry["path"]).stat().st_size == entry["size"], entry["path"]
    assert manifest["settings"]["network"].endswith("city.osm")

    # the base network is the file's, cleaned, at the stated size
    kept = re.search(r"kept (\d+) nodes, (\d+) edges", run.stderr)
    assert kept, run.stderr[-2000:]
    gpkg = out / "jiangmen.gpkg"
    nodes = pyogrio.read_info(gpkg, layer="base_network_node")["features"]
    assert nodes == int(kept[1]) and 15_000 < nodes < 25_000

    # the access layers hold every township in every year
    codes = set(admin.load_seats()["code"].astype(str))
    assert len(codes) == 73
    for layer in ("access_township", "access_township_map"):
        frame = gpd.read_file(gpkg, layer=layer)
        for year in YEARS:
            rows = frame[frame["year"] == year]
            assert set(rows["code"].astype(str)) == codes, (layer, year)
            assert len(rows) == 73, (layer, year)
            assert rows["t_city_gov_min"].notna().all(), (layer, year)

    # the plan matching engaged on the file's refs and names
    match = gpd.read_file(gpkg, layer="network_match").set_index(["year", "road_id"])
    for year in YEARS:
        assert match.loc[(year, "g15_fokai"), "status"] == "matched"
        assert match.loc[(year, "u_jiangmen_dadao_n"), "status"] == "matched"


def test_the_generated_file_reads_the_same_as_osm_xml_and_as_pbf(tmp_path):
    pytest.importorskip("osmium")
    from jmgis.network.osm import from_osm

    a = city_osm(tmp_path / "city.osm", spacing_m=4000.0)
    b = city_osm(tmp_path / "city.osm.pbf", spacing_m=4000.0)
    assert a == b  # seeded: the same network whatever the format
    xml, pbf = from_osm(tmp_path / "city.osm"), from_osm(tmp_path / "city.osm.pbf")
    assert xml.number_of_nodes() == pbf.number_of_nodes() > 1000
    assert xml.number_of_edges() == pbf.number_of_edges()
    classes = {d["road_class"] for *_, d in xml.edges(data=True)}
    assert {"expressway", "ramp", "national", "provincial", "county", "local"} <= classes
    assert sorted(d["length_m"] for *_, d in xml.edges(data=True)) == pytest.approx(
        sorted(d["length_m"] for *_, d in pbf.edges(data=True))
    )
