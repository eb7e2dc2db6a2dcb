"""``jmgis export``: the built layers as a styled GeoPackage or as Shapefiles."""

from __future__ import annotations

import argparse
import logging

from jmgis.vocab import EXPORT_PROFILES

log = logging.getLogger("jmgis")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--profile",
        choices=sorted(EXPORT_PROFILES),
        default="default",
        help="layer and field naming: default (jmgis) or planning-db (XZQ, XZQDM, XZQMC, "
        "BSM, YSDM, MJ … of the territorial-planning databases)",
    )
    p.add_argument(
        "--from",
        dest="source",
        metavar="GPKG",
        default=None,
        help="read the layers from this GeoPackage (default out/jiangmen.gpkg; built in "
        "memory when it does not exist)",
    )
    p.add_argument(
        "--layers", metavar="A,B", default=None, help="only these layers (comma-separated)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis export`` to the command parser."""
    p = subparsers.add_parser(
        "export",
        help="export the layers as a styled GeoPackage or as Shapefiles",
        description="Export the jmgis layers. 'gpkg' writes a GeoPackage with QGIS default "
        "styles, Chinese field aliases and the project 'jiangmen' inside; 'shp' writes one "
        "Shapefile set per layer (UTF-8 .cpg, field names ≤10 bytes listed in fields.csv).",
    )
    sub = p.add_subparsers(dest="format", metavar="FORMAT", required=True)
    gpkg = sub.add_parser("gpkg", help="a styled GeoPackage with the QGIS project inside")
    gpkg.add_argument("path", metavar="PATH", help="GeoPackage to write (replaced)")
    gpkg.add_argument("--qgz", action="store_true", help="also write PATH.qgz beside it")
    _common(gpkg)
    shp = sub.add_parser("shp", help="one Shapefile set per layer, plus fields.csv")
    shp.add_argument("path", metavar="DIR", help="folder to write into (created)")
    shp.add_argument(
        "--strict",
        action="store_true",
        help="fail on text over 254 bytes instead of continuing it in extra fields",
    )
    _common(shp)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``jmgis export``; returns the exit status."""
    from jmgis.io.export import export_gpkg, export_shapefiles, load_layers
    from jmgis.pipeline import build_layers

    if not args.verbose:  # pyogrio logs every layer it writes at INFO
        logging.getLogger("pyogrio").setLevel(logging.WARNING)
    only = [n.strip() for n in args.layers.split(",")] if args.layers else None
    layers = load_layers(args.source, only, build=build_layers)
    if args.format == "gpkg":
        written = export_gpkg(layers, args.path, profile=args.profile, qgz=args.qgz)
    else:
        written = export_shapefiles(
            layers,
            args.path,
            profile=args.profile,
            long_text="error" if args.strict else "split",
        )
    for path in written:
        log.info("wrote %s", path)
    return 0
