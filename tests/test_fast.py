"""Issue 16: light imports for ``--help``, the tiled water index."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import shapely

from jmgis import vocab

HEAVY = ("geopandas", "pandas", "shapely", "networkx", "scipy", "folium", "pyproj", "numpy")


def test_help_imports_no_heavy_library():
    """``jmgis --help`` (and every subcommand's parser) loads none of the heavy libraries:
    their options come from :mod:`jmgis.vocab`."""
    code = (
        "import sys, json, contextlib, io\n"
        "from jmgis.cli import build_parser\n"
        "build_parser()\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_export_profiles_vocabulary_matches_the_profiles():
    from jmgis.io.profiles import PROFILES

    assert tuple(PROFILES) == vocab.EXPORT_PROFILES


def _water():
    rng = np.random.default_rng(7)
    # a ragged polygon with many vertices and a hole, like a coastline
    angles = np.sort(rng.uniform(0, 2 * np.pi, 3000))
    radius = 50_000 + rng.uniform(-3000, 3000, len(angles))
    ring = np.c_[radius * np.cos(angles), radius * np.sin(angles)]
    return shapely.Polygon(ring, [[(0, 0), (10_000, 0), (10_000, 10_000), (0, 10_000)]])


def test_water_index_equals_whole_polygon_intersection():
    from jmgis.network.connectors import WaterIndex, water_m

    water = _water()
    index = WaterIndex(water)
    assert len(index.tiles) > 1
    rng = np.random.default_rng(3)
    a = rng.uniform(-60_000, 60_000, (500, 2))
    b = a + rng.normal(0, 8000, (500, 2))
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    expected = shapely.length(shapely.intersection(lines, water))
    assert np.allclose(index.length_in(lines), expected, atol=1e-6)
    assert np.allclose(water_m(lines, water), expected, atol=1e-6)
    assert not water_m(lines, None).any()


@pytest.mark.parametrize("n", [0, 1])
def test_water_m_small_inputs(n):
    from jmgis.network.connectors import water_m

    lines = shapely.linestrings(np.tile([[0.0, 0.0], [1000.0, 0.0]], (n, 1, 1)))
    assert water_m(lines, _water()).shape == (n,)


def test_command_line_runs_openblas_single_threaded_unless_the_user_says():
    """A ``jmgis`` process sets ``OPENBLAS_NUM_THREADS=1`` before numpy loads (its idle
    threads cost every short command CPU time), and keeps a value the user set."""
    code = (
        "import os, sys\n"
        "from jmgis.cli import main\n"
        "main(['cache', 'info'])\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout
    assert out.split()[-1] == "1"
    env["OPENBLAS_NUM_THREADS"] = "2"
    out = subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout
    assert out.split()[-1] == "2"
    from jmgis.settings import command_line_threads

    assert command_line_threads({}) == {}  # numpy is loaded here: nothing to do


def test_stable_ids_in_one_pass_replace_what_an_alternation_of_the_ids_would():
    """The linear renumbering of element ids gives the bytes of the straightforward
    regex alternation, also for ids glued to other hex digits or repeated back to back."""
    import re

    from jmgis import maps
    from jmgis.maps import _HEX_ID, _element_ids, finalise, render_verbatim
    from tests.maps_fixtures import fixture_layers

    m = maps.make_map("zones", fixture_layers())
    finalise(m)
    root = m.get_root()
    text = render_verbatim(m)
    ids = sorted(i for i in set(_element_ids(root)) if i in text)
    assert len(ids) > 3
    text += " ab" + ids[0] + "cd " + ids[1] * 2 + " f" + ids[2] + "0" + ids[3][:31]

    def alternation(text):
        order = {}
        for found in _HEX_ID.finditer(text):
            if found.group(0) in set(ids) and found.group(0) not in order:
                order[found.group(0)] = f"{len(order) + 1:032x}"
        pattern = re.compile("|".join(map(re.escape, order)))
        return pattern.sub(lambda hit: order[hit.group(0)], text)

    got = maps.stable_ids(root, text)
    assert got == alternation(text)
    assert not any(i in got for i in ids[:3])
