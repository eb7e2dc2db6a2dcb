"""The ``jmgis`` Processing provider in real QGIS 3.22: installed by ``jmgis qgis
install-plugin`` into a temporary profile, listed by ``qgis_process list``, and every
algorithm run through ``qgis_process run`` gives the Python API's result."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from jmgis.io.qgis import algorithms as algs
from tests.clients import qgis_process_env, require_qgis_process

pytestmark = pytest.mark.qgis

YEAR = 2035
ALGORITHMS = ("route", "isochrones", "odmatrix", "facilityaccess", "townshipprofile")


@pytest.fixture(scope="module")
def qgis(tmp_path_factory):
    binary = require_qgis_process()
    root = tmp_path_factory.mktemp("qgis-config")
    profile = root / "profiles" / "default"
    done = subprocess.run(
        [sys.executable, "-m", "jmgis", "qgis", "install-plugin", "--profile-dir", str(profile)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    work = tmp_path_factory.mktemp("qgis-work")
    work.chmod(0o700)
    env = qgis_process_env(root, work)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [binary, *args], capture_output=True, text=True, env=env, timeout=600, cwd=work
        )

    return {"run": run, "profile": profile, "work": work}


@pytest.fixture(scope="module")
def points(tmp_path_factory):
    from jmgis import admin

    folder = tmp_path_factory.mktemp("points")
    seats = admin.load_seats()
    frames = {
        "starts": seats.iloc[[20, 5]],
        "ends": seats.iloc[[0, 60]],
        "supply": seats.iloc[[0, 40, 60]].assign(cap=[100.0, 50.0, 20.0]),
        "demand": seats.iloc[::9].assign(pop=np.arange(1, len(seats.iloc[::9]) + 1) * 1000.0),
    }
    paths = {}
    for name, frame in frames.items():
        paths[name] = folder / f"{name}.geojson"
        frame.to_file(paths[name], driver="GeoJSON")
    return {"frames": frames, "paths": paths}


def _run(qgis, algorithm: str, out, **params) -> gpd.GeoDataFrame:
    args = [f"{k}={v}" for k, v in params.items()]
    done = qgis["run"]("run", f"jmgis:{algorithm}", "--", *args, f"OUTPUT={out}")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return pyogrio.read_dataframe(out)


def test_install_plugin_enables_it_in_the_profile(qgis):
    plugin = qgis["profile"] / "python" / "plugins" / "jmgis"
    assert (plugin / "metadata.txt").read_text(encoding="utf-8").count("hasProcessingProvider=yes")
    config = json.loads((plugin / "jmgis_python.json").read_text(encoding="utf-8"))
    assert config["python"] == sys.executable
    ini = (qgis["profile"] / "QGIS" / "QGIS3.ini").read_text(encoding="utf-8")
    assert "[PythonPlugins]" in ini and "jmgis=true" in ini


def test_qgis_process_lists_the_jmgis_provider_and_its_algorithms(qgis):
    done = qgis["run"]("list")
    assert done.returncode == 0, done.stderr
    listed = {
        line.split()[0] for line in done.stdout.splitlines() if line.strip().startswith("jmgis:")
    }
    assert listed == {f"jmgis:{name}" for name in ALGORITHMS}


@pytest.mark.slow
def test_route_matches_the_python_api(qgis, points, tmp_path):
    p = points["paths"]
    got = _run(
        qgis,
        "route",
        tmp_path / "r.geojson",
        STARTS=p["starts"],
        ENDS=p["ends"],
        START_ID="code",
        END_ID="code",
        YEAR=YEAR,
        MODES="0,1",
    )
    f = points["frames"]
    want = algs.route(
        f["starts"], f["ends"], YEAR, ["road", "rail"], start_id="code", end_id="code"
    )
    assert got["start_id"].tolist() == want["start_id"].tolist()
    np.testing.assert_allclose(got["minutes"], want["minutes"], rtol=1e-9)
    np.testing.assert_allclose(got["km"], want["km"], rtol=1e-9)
    assert (got["minutes"] > 0).all() and got.crs.to_epsg() == 4490
    road_only = _run(
        qgis,
        "route",
        tmp_path / "road.geojson",
        STARTS=p["starts"],
        ENDS=p["ends"],
        YEAR=YEAR,
        MODES="0",
    )
    assert not road_only["modes"].str.contains("rail").any()


@pytest.mark.slow
def test_isochrones_match_the_python_api(qgis, points, tmp_path):
    p, f = points["paths"], points["frames"]
    got = _run(
        qgis,
        "isochrones",
        tmp_path / "i.geojson",
        POINTS=p["ends"],
        ID_FIELD="code",
        MINUTES="15,30",
        YEAR=YEAR,
        MODES="0,1,2",
    )
    want = algs.isochrones(f["ends"], [15, 30], YEAR, id_field="code")
    key = ["origin_id", "band_min"]
    got, want = got.sort_values(key).reset_index(drop=True), want.sort_values(key)
    assert got[key].astype(str).values.tolist() == want[key].astype(str).values.tolist()
    np.testing.assert_allclose(got["area_km2"], want["area_km2"], rtol=1e-6)


@pytest.mark.slow
def test_od_matrix_matches_the_python_api(qgis, points, tmp_path):
    p, f = points["paths"], points["frames"]
    got = _run(
        qgis,
        "odmatrix",
        tmp_path / "od.geojson",
        ORIGINS=p["starts"],
        DESTINATIONS=p["supply"],
        YEAR=2020,
        MODES="0,1,2",
    )
    want = algs.od_matrix(f["starts"], f["supply"], 2020)
    assert len(got) == len(f["starts"]) * len(f["supply"])
    np.testing.assert_allclose(got["minutes"], want["minutes"], rtol=1e-9)


@pytest.mark.slow
def test_nearest_facility_and_2sfca_match_the_python_api(qgis, points, tmp_path):
    p, f = points["paths"], points["frames"]
    got = _run(
        qgis,
        "facilityaccess",
        tmp_path / "fca.geojson",
        DEMAND=p["demand"],
        POPULATION="pop",
        SUPPLY=p["supply"],
        CAPACITY="cap",
        CATCHMENT=45,
        YEAR=YEAR,
        MODES="0,1,2",
    )
    want = algs.facility_access(
        f["demand"],
        f["supply"],
        YEAR,
        capacity_field="cap",
        population_field="pop",
        catchment_min=45,
    )
    np.testing.assert_allclose(got["nearest_min"], want["nearest_min"], rtol=1e-9)
    np.testing.assert_allclose(got["fca_ratio"], want["fca_ratio"], rtol=1e-9)
    assert (got["fca_ratio"] > 0).any()


@pytest.mark.slow
def test_township_profile_matches_the_python_api(qgis, tmp_path):
    got = _run(qgis, "townshipprofile", tmp_path / "t.geojson", YEAR=YEAR, MODES="0,1,2")
    want = algs.township_profile(YEAR)
    assert len(got) == 73
    got = got.set_index("code").loc[want["code"]]
    for column in [c for c in want.columns if c.startswith("t_") and c.endswith("_min")]:
        expected = want[column].where(np.isfinite(want[column]))
        pd.testing.assert_series_equal(
            got[column].reset_index(drop=True),
            expected.reset_index(drop=True),
            check_names=False,
            rtol=1e-9,
        )


@pytest.mark.slow
def test_a_bad_field_is_a_clear_processing_error(qgis, points, tmp_path):
    p = points["paths"]
    done = qgis["run"](
        "run",
        "jmgis:facilityaccess",
        "--",
        f"DEMAND={p['demand']}",
        f"SUPPLY={p['demand']}",
        "CAPACITY=source",
        "YEAR=2030",
        f"OUTPUT={tmp_path / 'x.geojson'}",
    )
    assert done.returncode != 0
    assert "source" in done.stdout + done.stderr  # the field QGIS refused is named


@pytest.fixture(scope="module")
def own_network(tmp_path_factory):
    from tests.owndata_fixtures import grid_layer

    folder = tmp_path_factory.mktemp("own-network")
    grid_layer(folder / "grid.gpkg")
    (folder / "classes.yaml").write_text(
        "省道: provincial\n县道: county\n乡道: township\n", encoding="utf-8"
    )
    return folder


@pytest.mark.slow
def test_algorithms_run_on_the_users_network(qgis, points, own_network, tmp_path):
    from jmgis.settings import Settings

    help_text = qgis["run"]("help", "jmgis:route").stdout
    for parameter in ("NETWORK", "CLASS_FIELD", "CLASS_MAP", "SPEED_FIELD", "ONEWAY_FIELD"):
        assert parameter in help_text
    p, f = points["paths"], points["frames"]
    network = {
        "NETWORK": own_network / "grid.gpkg",
        "CLASS_FIELD": "DLDJ",
        "CLASS_MAP": own_network / "classes.yaml",
        "SPEED_FIELD": "SJSD",
    }
    got = _run(
        qgis,
        "route",
        tmp_path / "own.geojson",
        STARTS=p["starts"],
        ENDS=p["ends"],
        START_ID="code",
        END_ID="code",
        YEAR=YEAR,
        MODES="0",
        **network,
    )
    settings = Settings.load().replace(
        network=own_network / "grid.gpkg",
        network_class_field="DLDJ",
        network_class_map=own_network / "classes.yaml",
        network_speed_field="SJSD",
    )
    want = algs.route(
        f["starts"], f["ends"], YEAR, ["road"], start_id="code", end_id="code", settings=settings
    )
    bundled = algs.route(f["starts"], f["ends"], YEAR, ["road"], start_id="code", end_id="code")
    np.testing.assert_allclose(got["minutes"], want["minutes"], rtol=1e-9)
    np.testing.assert_allclose(got["km"], want["km"], rtol=1e-9)
    # the grid is not the bundled network: the same trips take other times
    assert not np.allclose(want["minutes"], bundled["minutes"], rtol=1e-3)
    od = _run(
        qgis,
        "odmatrix",
        tmp_path / "own-od.geojson",
        ORIGINS=p["starts"],
        DESTINATIONS=p["ends"],
        YEAR=YEAR,
        MODES="0",
        **network,
    )
    want_od = algs.od_matrix(f["starts"], f["ends"], YEAR, ["road"], settings=settings)
    np.testing.assert_allclose(od["minutes"], want_od["minutes"], rtol=1e-9)
