"""``jmgis build``: the main job."""

from __future__ import annotations

import argparse
import logging
import time

from jmgis.cli.network_options import add_network_options, network_settings

log = logging.getLogger("jmgis")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis build`` to the command parser."""
    p = subparsers.add_parser(
        "build",
        help="build the GeoPackage, maps and report (bundled data or your own --network)",
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
    p.add_argument(
        "--years",
        metavar="Y,Y",
        default=None,
        help="scenario years, comma-separated, each 2020–2035 (default 2020,2025,2035)",
    )
    p.add_argument(
        "--population",
        metavar="FILE",
        default=None,
        help="township population: a CSV (code or name, population) or a population raster",
    )
    p.add_argument(
        "--townships",
        metavar="FILE",
        default=None,
        help="official township boundaries (any OGR format, keyed by code or name) to use "
        "instead of the bundled schematic polygons",
    )
    p.add_argument(
        "--layer",
        metavar="NAME",
        default=None,
        help="layer of the --townships file when it holds several (GeoPackage)",
    )
    p.add_argument(
        "--encoding",
        metavar="ENC",
        default=None,
        help="attribute encoding of the --townships file when it declares none, e.g. GBK "
        "(default: UTF-8, else GB18030)",
    )
    p.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=0,
        help="if another build is writing the same folder, wait up to SECONDS for it "
        "(default: stop at once with exit status 2)",
    )
    add_network_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``jmgis build``; returns the exit status."""
    from jmgis.atomic import check_writable
    from jmgis.cli import progress
    from jmgis.pipeline import STEPS, build
    from jmgis.vocab import parse_years

    settings = args.settings.replace(
        out_dir=args.out,
        years=parse_years(args.years) if args.years else None,
        townships=args.townships,
        townships_layer=args.layer,
        townships_encoding=args.encoding,
        population=args.population,
    )
    settings = network_settings(args, settings)
    # Before anything else: a read-only or full output folder fails in milliseconds.
    check_writable(settings.out_dir)
    if settings.townships is not None:
        from jmgis.admin.user import load_user_townships

        # fail fast, before any step runs
        load_user_townships(
            settings.townships,
            layer=settings.townships_layer,
            encoding=settings.townships_encoding,
        )

    if settings.network is not None:
        from jmgis.network.base_network import user_graph
        from jmgis.settings import use

        # fail fast: unknown classes, no roads, a network that misses the seats
        with use(settings):
            G = user_graph(settings.years[0], settings)
        log.info("%s", G.graph["base_report"].summary())

    bar = progress(STEPS, desc="jmgis build", total=len(STEPS))

    def step_done(name: str, seconds: float) -> None:
        bar.update(1)
        log.info("  %-10s %6.2f s", name, seconds)

    start = time.perf_counter()
    try:
        ctx = build(settings, progress=step_done, wait=args.wait)
    finally:
        bar.close()
    log.info("  %-10s %6.2f s", "publish", ctx.timings.get("publish", 0.0))
    for path in ctx.written:
        log.info("wrote %s", path)
    log.info("wrote %s (what the set holds, with SHA-256)", ctx.out_dir / "manifest.json")
    log.info("build finished in %.1f s", time.perf_counter() - start)
    return 0
