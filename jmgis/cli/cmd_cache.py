"""``jmgis cache info|clear``: the derived results kept between runs (:mod:`jmgis.cache`)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cache`` command (actions ``info`` and ``clear``) to the CLI."""
    p = subparsers.add_parser(
        "cache",
        help="show or clear the cache of derived results (compiled graphs)",
        description="jmgis keeps derived results (the network graph of each year) in "
        "<cache_dir>/derived, keyed by a hash of the data files, the settings that matter "
        "and the jmgis code; a changed input makes a new entry. 'info' lists them, 'clear' "
        "removes them (the cached Leaflet assets of the maps are kept).",
    )
    sub = p.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    info = sub.add_parser("info", help="the cache folder, entries and sizes")
    info.set_defaults(func=run_info)
    clear = sub.add_parser("clear", help="remove the cached derived results")
    clear.add_argument(
        "--namespace", metavar="NAME", default=None, help="only this kind (e.g. graph)"
    )
    clear.set_defaults(func=run_clear)


def run_info(args: argparse.Namespace) -> int:
    """Print the cache folder and the entries and sizes of each namespace; return 0."""
    from jmgis.cache import for_settings

    cache = for_settings(args.settings)
    info = cache.info()
    state = "" if cache.enabled else " (disabled)"
    print(f"{info.root}{state}: {info.entries} entries, {info.bytes / 1e6:.1f} MB")
    for name, (count, size) in info.namespaces.items():
        print(f"  {name:<12} {count:5d} entries {size / 1e6:8.1f} MB")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    """Remove the cached derived results (of one namespace if given); return 0."""
    from jmgis.cache import for_settings

    cache = for_settings(args.settings)
    removed = cache.clear(args.namespace)
    print(f"removed {removed} entries from {cache.root}")
    return 0
