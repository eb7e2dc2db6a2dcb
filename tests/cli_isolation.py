"""What an in-process ``jmgis.cli.main()`` changes, and putting it back (a helper module
used by ``tests/conftest.py``; not a test module)."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from collections.abc import Iterator

#: The environment variables that change where jmgis reads its data from.
DATA_VARIABLES = ("JMGIS_DATA_DIR", "JMGIS_SEEDS_DIR")


def clear_data_caches() -> None:
    """Empty the in-process caches of jmgis that are keyed by file name (not by the data
    folder), so the next test reads the files of its own data folder."""
    # import_module: some package attributes (``jmgis.transport.load``) are functions
    # that shadow the module of the same name.
    module = importlib.import_module
    boundaries = module("jmgis.admin.boundaries")
    network_build = module("jmgis.network.build")
    transport_load = module("jmgis.transport.load")
    catalog_loader = module("jmgis.catalog.loader")
    tables, zoning, resolver, admin_link, township_access, transport_sources = (
        module(name).__dict__
        for name in (
            "jmgis.admin.tables",
            "jmgis.admin.zoning",
            "jmgis.admin.resolver",
            "jmgis.catalog.admin_link",
            "jmgis.jiangmen.township_access",
            "jmgis.transport.sources",
        )
    )

    cached = [
        boundaries._read,
        tables,
        zoning,
        resolver,
        admin_link,
        township_access,
        transport_sources,
        network_build._local_roads_cached,
    ]
    for item in cached:
        functions = item.values() if isinstance(item, dict) else [item]
        for function in functions:
            if callable(getattr(function, "cache_clear", None)):
                function.cache_clear()
    transport_load.clear_cache()
    catalog_loader._CACHE.clear()


@contextlib.contextmanager
def restored_cli_state() -> Iterator[None]:
    """Undo, on leaving, what ``jmgis.cli.main`` leaves behind.

    ``main()`` sets ``_state["quiet"]`` and the levels of the root, ``jmgis`` and third-party
    loggers, and ``logging.basicConfig`` may add a root handler bound to the stream of that
    test's capture.  When the data variables differ on leaving from what they were on
    entering, the caches keyed by file name are emptied (:func:`clear_data_caches`).
    """
    from jmgis import cli

    names = ("", "jmgis", *cli.THIRD_PARTY_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}
    root_handlers = list(logging.getLogger().handlers)
    state = dict(cli._state)
    data_env = {name: os.environ.get(name) for name in DATA_VARIABLES}
    try:
        yield
    finally:
        cli._state.clear()
        cli._state.update(state)
        root = logging.getLogger()
        for handler in root.handlers[:]:
            if handler not in root_handlers:
                root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        if any(os.environ.get(name) != value for name, value in data_env.items()):
            clear_data_caches()
