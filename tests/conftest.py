"""Shared fixtures of the test suite, and the two tiers.

Tiers
    ``python -m pytest`` runs everything (what CI runs).  ``python -m pytest -m "not slow"``
    is the fast tier: the tests that drive real QGIS or Chromium (marked ``qgis`` /
    ``browser``) are marked ``slow`` here as well, so the fast tier never starts a client.

Session fixtures (built once per test process; do not modify what they return — copy first)
    ``admin_layers``      the bundled administrative layers by name (city, counties, townships,
                          zones, seats, region)
    ``transport_layers``  the bundled transport layers by name (``jmgis.transport.layers()``)
    ``jiangmen_graph``    a function ``year -> graph``: one Jiangmen network per scenario year
                          (:func:`jmgis.network.build.shared_graph`)
    ``year_graph``        parametrised over the default scenario years: ``(year, graph)``

Per test
    ``settings``          a :class:`jmgis.settings.Settings` whose output and cache folders are
                          under the test's ``tmp_path`` (the pinned map assets are still found)
    ``cli``               runs ``jmgis.cli.main`` in-process: ``cli("route", "a", "b")`` returns
                          ``(status, stdout, stderr)``

Every test also runs inside :func:`tests.cli_isolation.restored_cli_state`: what an in-process
``main()`` changes (the log levels and handlers, ``jmgis.cli._state``) is put back afterwards,
and the caches that are not keyed by the data folder are emptied when a test pointed jmgis
at another data folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import geopandas as gpd
import networkx as nx
import pytest

from jmgis.vocab import DEFAULT_YEARS
from tests.cli_isolation import restored_cli_state

# --- tiers -----------------------------------------------------------------------------------

#: Markers whose tests start a real client (seconds each): they belong to the slow tier.
CLIENT_MARKERS = ("qgis", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that drives real QGIS or Chromium ``slow`` as well."""
    for item in items:
        client = any(item.get_closest_marker(name) for name in CLIENT_MARKERS)
        if client and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)


# --- isolation of in-process command-line runs --------------------------------------------


@pytest.fixture(autouse=True)
def _isolate_cli_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs inside :func:`tests.cli_isolation.restored_cli_state`.

    Requesting ``monkeypatch`` first means its undo runs after this teardown, so an
    environment the test changed (``JMGIS_DATA_DIR``) is still visible when leaving.
    """
    with restored_cli_state():
        yield


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``jmgis ARGS`` in-process; returns ``(exit status, stdout, stderr)``.

    A parser error (argparse exits) is returned as its status, like the console script.
    """
    from jmgis.cli import main

    def run(*args: object) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return int(status), captured.out, captured.err

    return run


# --- settings ------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path):
    """The settings of the environment with the output and cache folders in ``tmp_path``.

    The asset cache stays where the pinned Leaflet tarballs already are, so maps written
    with these settings are as self-contained as the default ones (nothing is downloaded).
    """
    from jmgis.settings import Settings

    base = Settings.load()
    return Settings.load(
        out_dir=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        asset_cache_dir=base.assets_path,
    )


# --- bundled layers and graphs, built once -------------------------------------------------


@pytest.fixture(scope="session")
def admin_layers() -> dict[str, gpd.GeoDataFrame]:
    """The bundled administrative layers by name."""
    from jmgis import admin

    townships = admin.load_townships()
    return {
        "city": admin.load_city(),
        "counties": admin.load_counties(),
        "townships": townships,
        "zones": admin.load_zones(townships),
        "seats": admin.load_seats(),
        "region": admin.load_region(),
    }


@pytest.fixture(scope="session")
def transport_layers() -> dict[str, gpd.GeoDataFrame]:
    """The bundled transport layers by name."""
    from jmgis import transport

    return transport.layers()


@pytest.fixture(scope="session")
def jiangmen_graph() -> Callable[[int], nx.MultiDiGraph]:
    """``year -> graph`` of the bundled data; each year is built once per process."""
    from jmgis.jiangmen.township_access import jiangmen_graph as graph_of

    return graph_of


@pytest.fixture(scope="session", params=DEFAULT_YEARS, ids=str)
def year_graph(request, jiangmen_graph) -> tuple[int, nx.MultiDiGraph]:
    """``(year, graph)`` for each default scenario year."""
    return request.param, jiangmen_graph(request.param)
