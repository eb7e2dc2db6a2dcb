"""The persistent cache of derived results (issue 16.1): keys, invalidation, concurrency."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

from jmgis import cache
from jmgis.cli import main
from jmgis.settings import Settings, use


def test_fingerprint_follows_file_contents_and_settings(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.yaml").write_text("x: 1\n", encoding="utf-8")
    first = cache.fingerprint([data], {"year": 2025})
    assert cache.fingerprint([data], {"year": 2025}) == first
    assert cache.fingerprint([data], {"year": 2030}) != first
    (data / "a.yaml").write_text("x: 2\n", encoding="utf-8")
    edited = cache.fingerprint([data], {"year": 2025})
    assert edited != first
    (data / "b.csv").write_text("id\n", encoding="utf-8")
    assert cache.fingerprint([data], {"year": 2025}) != edited
    missing = tmp_path / "speeds.yaml"
    absent = cache.fingerprint([missing])
    missing.write_text("road: {}\n", encoding="utf-8")
    assert cache.fingerprint([missing]) != absent


def test_get_or_build_stores_and_reuses(tmp_path):
    store = cache.Cache(tmp_path)
    calls = []

    def build():
        calls.append(1)
        return {"value": [1, 2, 3]}

    assert store.get_or_build("thing", "k1", build) == {"value": [1, 2, 3]}
    # a new Cache object stands for a new process: it reads the file
    assert cache.Cache(tmp_path).get_or_build("thing", "k1", build) == {"value": [1, 2, 3]}
    assert len(calls) == 1
    assert store.info().namespaces["thing"][0] == 1
    assert not list(tmp_path.rglob(".*tmp*")), "no temporary file is left behind"


def test_damaged_entry_is_rebuilt(tmp_path):
    store = cache.Cache(tmp_path)
    store.put("thing", "k", 41)
    store.path("thing", "k").write_bytes(b"\x80\x05 not a pickle")
    assert store.get_or_build("thing", "k", lambda: 42) == 42
    assert cache.Cache(tmp_path).get("thing", "k") == 42


def test_disabled_cache_never_writes(tmp_path):
    store = cache.for_settings(Settings(cache_dir=tmp_path, use_cache=False))
    assert store.get_or_build("thing", "k", lambda: 1) == 1
    assert not (tmp_path / cache.DERIVED).exists()


def test_clear_keeps_the_map_assets(tmp_path):
    settings = Settings(cache_dir=tmp_path)
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "leaflet.tgz").write_bytes(b"x")
    store = cache.for_settings(settings)
    store.put("graph", "a", 1)
    store.put("other", "b", 2)
    assert store.clear("graph") == 1
    assert store.info().namespaces == {"other": (1, store.path("other", "b").stat().st_size)}
    assert store.clear() == 1
    assert store.info().entries == 0
    assert (tmp_path / "assets" / "leaflet.tgz").exists()


_WORKER = textwrap.dedent(
    """
    import sys, time
    from jmgis.cache import Cache

    root, log = sys.argv[1], sys.argv[2]

    def build():
        with open(log, "a") as f:
            f.write("built\\n")
        time.sleep(0.5)  # a slow build: the other processes arrive meanwhile
        return list(range(100_000))

    value = Cache(root).get_or_build("graph", "samekey", build)
    print(len(value), sum(value))
    """
)


def test_concurrent_processes_build_once_and_read_whole_entries(tmp_path):
    log = tmp_path / "builds.log"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(tmp_path / "c"), str(log)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    expected = f"{100_000} {sum(range(100_000))}"
    assert outs == [expected] * 4
    assert log.read_text().count("built") == 1


def test_cache_cli_info_and_clear(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("JMGIS_CACHE_DIR", str(tmp_path))
    cache.Cache(tmp_path / cache.DERIVED).put("graph", "k", [1])
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert "1 entries" in out and "graph" in out
    assert main(["cache", "clear"]) == 0
    assert "removed 1" in capsys.readouterr().out
    assert cache.Cache(tmp_path / cache.DERIVED).info().entries == 0


def _as_new_process() -> None:
    """Forget what this process holds in memory (the graph and the parsed layers)."""
    import importlib

    from jmgis.network import build as netbuild

    netbuild._cached_graph.cache_clear()
    importlib.import_module("jmgis.transport.load").clear_cache()


@pytest.mark.slow
def test_shared_graph_is_rebuilt_after_a_data_file_changes(tmp_path, monkeypatch):
    from jmgis.network import build as netbuild
    from jmgis.settings import REPO_ROOT

    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    settings = Settings(data_dir=data, cache_dir=tmp_path / "cache")
    builds = []
    real = netbuild.build_graph

    def counting(*args, **kwargs):
        builds.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(netbuild, "build_graph", counting)
    with use(settings):
        _as_new_process()
        first = netbuild.shared_graph(2025)
        _as_new_process()
        again = netbuild.shared_graph(2025)
        assert len(builds) == 1
        assert sorted(again.nodes) == sorted(first.nodes)
        # edit a data file: 佛开高速 opens only in 2030 → rebuilt, without it in 2025
        fid = "g15_fokai"
        assert any(d.get("feature_id") == fid for *_, d in first.edges(data=True))
        roads = data / "transport" / "roads.yaml"
        text = roads.read_text(encoding="utf-8")
        opened = "  status: existing\n  open_year: 1996\n"
        assert text.count(opened) == 1
        roads.write_text(text.replace(opened, "  status: planned\n  open_year: 2030\n"), "utf-8")
        _as_new_process()
        edited = netbuild.shared_graph(2025)
        assert len(builds) == 2
        assert not any(d.get("feature_id") == fid for *_, d in edited.edges(data=True))
    _as_new_process()
    assert cache.for_settings(settings).info().namespaces["graph"][0] == 2


def test_access_layers_are_cached_by_their_inputs(tmp_path, monkeypatch):
    """The access step's layers come from the cache while its inputs (here the population
    frame) are unchanged, and are recomputed when they change."""
    import pandas as pd

    from jmgis.jiangmen import outputs

    calls = []

    def fake(years, isochrones, population):
        calls.append(years)
        return {
            "access_township": pd.DataFrame({"year": years, "n": [len(population)] * len(years)})
        }

    monkeypatch.setattr(outputs, "_access_layers", fake)
    population = pd.DataFrame({"code": ["440703001", "440703002"], "population": [10, 20]})
    with use(Settings(cache_dir=tmp_path)):
        first = outputs.access_layers([2025, 2020], population=population)
        again = outputs.access_layers([2020, 2025], population=population)
        assert len(calls) == 1
        pd.testing.assert_frame_equal(first["access_township"], again["access_township"])
        changed = population.assign(population=[10, 21])
        outputs.access_layers([2020, 2025], population=changed)
        assert len(calls) == 2
        outputs.access_layers([2020], population=population)
        assert len(calls) == 3
    with use(Settings(cache_dir=tmp_path, use_cache=False)):
        outputs.access_layers([2020, 2025], population=population)
        assert len(calls) == 4


@pytest.mark.slow
def test_route_to_a_park_from_a_cached_graph_in_a_new_process(tmp_path):
    """A graph read from the cache does not import the catalog; the route command must
    still resolve park names (they register with the resolver on import)."""
    import os

    env = {**os.environ, "JMGIS_CACHE_DIR": str(tmp_path)}
    args = [sys.executable, "-m", "jmgis", "route", "广海湾经济开发区", "江门站", "--year", "2035"]
    first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert cache.Cache(tmp_path / cache.DERIVED).info().namespaces["graph"][0] == 1
    second = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def _counting_step(calls):
    """A build step that adds a layer (from the input layer, if any) and writes a file."""
    import pandas as pd

    def step(ctx):
        calls.append(1)
        base = ctx.layers.get("township")
        n = 0 if base is None else len(base)
        ctx.layers["made"] = pd.DataFrame({"year": list(ctx.years), "n": n})
        path = ctx.out_dir / f"side_{len(calls)}.tif"
        path.write_bytes(b"raster bytes %d" % len(calls))
        ctx.written.append(path)

    return step


def test_build_steps_are_cached_by_data_settings_and_input_layers(tmp_path):
    """A cached build step (admin, catalog, network, access) replays its layers and the
    bytes of its side files, and runs again when a data file, a setting that matters, the
    townships' shapefile side files or an input layer change — never for an output folder."""
    import pandas as pd

    from jmgis.pipeline import BuildContext, cached_step

    data = tmp_path / "data"
    data.mkdir()
    (data / "roads.yaml").write_text("a: 1\n", encoding="utf-8")
    shp = tmp_path / "towns.shp"
    shp.write_bytes(b"shp")
    (tmp_path / "towns.dbf").write_bytes(b"dbf 1")
    calls: list[int] = []
    step = cached_step("demo", _counting_step(calls))

    def run(**changes):
        out = tmp_path / f"out{len(list(tmp_path.glob('out*')))}"
        out.mkdir()
        values = {"data_dir": data, "cache_dir": tmp_path / "c", "townships": shp, **changes}
        layers = values.pop("layers", {})
        ctx = BuildContext(settings=Settings(**values), out_dir=out)
        ctx.layers.update(layers)
        step(ctx)
        return ctx

    first = run()
    again = run(out_dir=tmp_path / "elsewhere")  # where outputs go is not in the key
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again.layers["made"], first.layers["made"])
    assert [p.name for p in again.written] == ["side_1.tif"]
    assert again.written[0].read_bytes() == first.written[0].read_bytes() == b"raster bytes 1"
    assert again.written[0].parent == again.out_dir
    run(years=(2020, 2035))
    assert len(calls) == 2
    (data / "roads.yaml").write_text("a: 2\n", encoding="utf-8")
    run()
    assert len(calls) == 3
    (tmp_path / "towns.dbf").write_bytes(b"dbf 2")  # the attributes of the shapefile
    run()
    assert len(calls) == 4
    towns = pd.DataFrame({"code": ["1", "2"]})
    run(layers={"township": towns})
    assert len(calls) == 5
    assert run(layers={"township": towns.copy()}).layers["made"]["n"].tolist() == [2, 2, 2]
    assert len(calls) == 5
    run(layers={"township": towns.iloc[:1]})
    assert len(calls) == 6
    run(use_cache=False)
    run(use_cache=False)
    assert len(calls) == 8


def test_map_pages_are_cached_by_their_layers_and_options(settings, monkeypatch):
    """A map page comes from the cache (byte-identical to a fresh save) while its layers
    and options are unchanged, and is made again when a layer's content or an option
    changes, or with the cache off."""
    from jmgis import maps
    from tests.maps_fixtures import fixture_layers

    layers = fixture_layers()
    made = []
    real = maps.make_map

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(maps, "make_map", counting)

    tmp_path = settings.out_dir
    tmp_path.mkdir()

    def save(name, layers, use_cache=True, **options):
        with use(settings.replace(use_cache=use_cache)):
            path = maps.save_cached(
                lambda: maps.make_map("zones", layers, **options),
                tmp_path / f"{name}.html",
                "make_map",
                {"kind": "zones", "layers": layers, **options},
            )
        return path.read_bytes()

    first = save("a", layers)
    assert save("b", {k: v.copy() for k, v in layers.items()}) == first  # same content
    assert len(made) == 1
    with use(settings):
        fresh = maps.to_html(real("zones", layers))
    assert fresh.encode() == first
    renamed = dict(layers)
    town = layers["township"].copy()
    town.loc[town.index[0], "name"] = "改名镇"
    renamed["township"] = town
    assert save("c", renamed) != first
    assert len(made) == 2
    save("d", layers, review_no="GS(2026)1号")
    assert len(made) == 3
    save("e", layers, use_cache=False)
    assert len(made) == 4


def test_report_charts_and_inputs_are_cached_by_their_inputs(settings, monkeypatch):
    """The report's charts are drawn again only when a table changes, its inputs loaded
    again only when a layer they come from changes; the page is the same either way."""
    from jmgis.report import build as report_build
    from tests.report_fixtures import fixture_inputs

    drawn, loaded = [], []
    real_charts = report_build.build_charts
    monkeypatch.setattr(
        report_build, "build_charts", lambda *a: drawn.append(1) or real_charts(*a)
    )
    monkeypatch.setattr(
        report_build, "load_inputs", lambda *a, **k: loaded.append(1) or fixture_inputs()
    )
    out = settings.out_dir
    with use(settings.replace(source_date_epoch=1767225600)):
        first = report_build.build_report(out / "a", inputs=fixture_inputs(), map_files=[])
        again = report_build.build_report(out / "b", inputs=fixture_inputs(), map_files=[])
        assert len(drawn) == 1
        assert again.html.read_bytes() == first.html.read_bytes()
        renamed = fixture_inputs(rename={"440703001": "改名镇"}, unreachable=5)
        report_build.build_report(out / "c", inputs=renamed, map_files=[])
        assert len(drawn) == 2
        layers = {"access_township": fixture_inputs().profiles[2025].assign(year=2025)}
        report_build.cached_inputs(2025, 2020, layers)
        report_build.cached_inputs(2025, 2020, {k: v.copy() for k, v in layers.items()})
        assert len(loaded) == 1
        changed = layers["access_township"].copy()
        changed.loc[0, "t_city_gov_min"] += 1
        report_build.cached_inputs(2025, 2020, {"access_township": changed})
        assert len(loaded) == 2
        report_build.cached_inputs(2030, 2020, layers)
        assert len(loaded) == 3


def test_park_places_are_cached_until_the_catalog_changes(tmp_path, monkeypatch):
    """Resolving a park name reads the parks from the cache; an edited catalog file gives
    a new key, so the parks are loaded again."""
    import jmgis.catalog as catalog
    from jmgis.settings import REPO_ROOT

    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    loads = []
    real = catalog.load_catalog
    monkeypatch.setattr(catalog, "load_catalog", lambda: loads.append(1) or real())
    with use(Settings(data_dir=data, cache_dir=tmp_path / "cache")):
        first = catalog.park_places()
        again = catalog.park_places()
        assert len(loads) == 1
        assert again.equals(first) and len(first) > 0
        park = data / "projects" / "park.yaml"
        park.write_text(park.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        catalog.park_places()
        assert len(loads) == 2


def test_each_namespace_keeps_its_most_recently_used_entries(tmp_path):
    """Writing past MAX_ENTRIES removes the least recently used entries of that namespace
    only; an entry read since it was written counts as recently used."""
    import os

    store = cache.Cache(tmp_path)
    for i in range(5):
        store.put("thing", f"k{i}", i)
        os.utime(store.path("thing", f"k{i}"), ns=(10**18 + i, 10**18 + i))
    store.put("other", "x", "kept")
    assert store.get("thing", "k0") == 0  # read: now the most recently used
    assert store.prune("thing", keep=3) == 2
    left = {p.stem for p in (tmp_path / "thing").glob("*.pickle")}
    assert left == {"k0", "k3", "k4"}
    assert store.get("other", "x") == "kept"
    for i in range(cache.MAX_ENTRIES + 2):
        store.put("many", f"m{i}", i)
    assert store.info().namespaces["many"][0] == cache.MAX_ENTRIES


def test_a_cached_step_says_again_what_it_logged_and_warned(tmp_path, caplog):
    """A hit shows the step's log lines and warnings as the run that made it did (a user
    network's import report must not vanish on the second build); a miss shows them once."""
    import logging
    import warnings

    from jmgis.pipeline import BuildContext, cached_step

    runs = []

    def step(ctx):
        runs.append(1)
        logging.getLogger("jmgis.demo").info("read %d roads", 42)
        warnings.warn("3 roads dropped", UserWarning, stacklevel=1)
        ctx.layers["made"] = ctx.settings.years

    cached = cached_step("talk", step)
    (tmp_path / "data").mkdir()
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "c")
    for expected_runs in (1, 1):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="jmgis"), pytest.warns(UserWarning) as w:
            cached(BuildContext(settings=settings, out_dir=tmp_path))
        assert len(runs) == expected_runs
        assert [r.getMessage() for r in caplog.records if r.name == "jmgis.demo"] == [
            "read 42 roads"
        ]
        assert [str(x.message) for x in w] == ["3 roads dropped"]


def test_memo_keeps_what_making_said_and_says_it_on_every_hit(tmp_path):
    import warnings

    made = []

    def make():
        made.append(1)
        warnings.warn("assets left external", UserWarning, stacklevel=1)
        return "page", True

    (tmp_path / "data").mkdir()
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "c")
    for _ in range(2):
        with pytest.warns(UserWarning, match="assets left external"):
            assert cache.memo(settings, "thing", "demo", {"year": 2025}, make) == "page"
    assert len(made) == 1
    with pytest.warns(UserWarning):
        cache.memo(settings, "thing", "demo", {"year": 2030}, make)
    assert len(made) == 2
