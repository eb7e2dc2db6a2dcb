"""``jmgis network check``: validate the transport network of a scenario year."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "network",
        help="inspect the transport network (check)",
        description="Commands on the multimodal network of a scenario year.",
    )
    sub = p.add_subparsers(dest="network_command", metavar="SUBCOMMAND")
    check = sub.add_parser(
        "check",
        help="validation report: unreachable seats, snapping outliers, dangling lines, "
        "features without source (exit status 1 when problems are found)",
    )
    check.add_argument("--year", default="2025", help="scenario year 2020–2035 (default 2025)")
    check.add_argument(
        "--max-snap-m",
        type=float,
        default=None,
        help="connectors longer than this (metres) are outliers (default 3000)",
    )
    check.add_argument(
        "--max-snap-area-m",
        type=float,
        default=None,
        help="the same for parks and POIs, which stand for areas (default 5000)",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=run_check)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_check(args: argparse.Namespace) -> int:
    from jmgis.network.check import DEFAULT_MAX_SNAP_AREA_M, DEFAULT_MAX_SNAP_M, check_network
    from jmgis.transport import check_year

    year = check_year(args.year)
    limit = DEFAULT_MAX_SNAP_M if args.max_snap_m is None else args.max_snap_m
    area = DEFAULT_MAX_SNAP_AREA_M if args.max_snap_area_m is None else args.max_snap_area_m
    report = check_network(year, max_snap_m=limit, max_snap_area_m=area)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(report.text())
    return 0 if report.ok else 1
