"""``jmgis build``: the main job."""

from __future__ import annotations

import argparse
import logging
import time

log = logging.getLogger("jmgis")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "build",
        help="build the GeoPackage, maps and report from the bundled Jiangmen data",
        description="Run the whole chain: layers, accessibility for the scenario years, "
        "GeoPackage with styles and project, maps, report. Prints what it wrote and how "
        "long each step took.",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="write everything under DIR (default: out/jiangmen.gpkg and maps/)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jmgis.pipeline import build

    start = time.perf_counter()
    ctx = build(args.out, progress=lambda name, s: log.info("  %-10s %6.2f s", name, s))
    for path in ctx.written:
        log.info("wrote %s", path)
    log.info("build finished in %.1f s", time.perf_counter() - start)
    return 0
