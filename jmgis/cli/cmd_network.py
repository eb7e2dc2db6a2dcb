"""``jmgis network check``: validate the transport network of a scenario year."""

from __future__ import annotations

import argparse
import json

from jmgis.network.realism import DEFAULT_CROWFLY_BOUND_KPH, DEFAULT_SHORT_TRIP_KM


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis network`` and its subcommands to the command parser."""
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
    check.add_argument(
        "--since",
        default=None,
        metavar="YEAR",
        help="an earlier scenario year: list every seat pair that is slower than then, "
        "with the features responsible; a pair slower without a cause in the data is a "
        "problem",
    )
    check.add_argument(
        "--crowfly-bound",
        metavar="KPH",
        type=float,
        default=DEFAULT_CROWFLY_BOUND_KPH,
        help="crow-fly speed (km/h) that no seat trip shorter than --short-trip-km may "
        f"exceed door to door (default {DEFAULT_CROWFLY_BOUND_KPH:g}; its basis: "
        "docs/network.md)",
    )
    check.add_argument(
        "--short-trip-km",
        metavar="KM",
        type=float,
        default=DEFAULT_SHORT_TRIP_KM,
        help=f"straight-line distance under which a trip is held to --crowfly-bound "
        f"(default {DEFAULT_SHORT_TRIP_KM:g})",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=run_check)
    topo = sub.add_parser(
        "topology",
        help="build a network from your own line layers (GPKG/SHP) or an OSM file and "
        "print its topology report (exit status 1 with undershoots or several parts)",
    )
    topo.add_argument("paths", nargs="+", metavar="PATH", help="GPKG/SHP files, or one .osm")
    topo.add_argument("--class-field", default="road_class", help="field with the road class")
    topo.add_argument(
        "--class-map",
        metavar="FILE",
        help="YAML mapping of your class values to jmgis classes (高速公路: expressway)",
    )
    topo.add_argument("--id-field", default=None, help="feature id field (default: row number)")
    topo.add_argument("--speeds", metavar="FILE", default=None, help="speed table YAML/CSV")
    topo.add_argument(
        "--layer",
        metavar="NAME",
        default=None,
        help="layer to read from each file that holds several (GeoPackage)",
    )
    topo.add_argument(
        "--encoding",
        metavar="ENC",
        default=None,
        help="attribute encoding of files that declare none, e.g. GBK (default: UTF-8, "
        "else GB18030)",
    )
    topo.set_defaults(func=run_topology)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_check(args: argparse.Namespace) -> int:
    """Run ``jmgis network check``; returns the exit status."""
    from jmgis.network.check import DEFAULT_MAX_SNAP_AREA_M, DEFAULT_MAX_SNAP_M, check_network
    from jmgis.transport import check_year

    year = check_year(args.year)
    limit = DEFAULT_MAX_SNAP_M if args.max_snap_m is None else args.max_snap_m
    area = DEFAULT_MAX_SNAP_AREA_M if args.max_snap_area_m is None else args.max_snap_area_m
    since = None if args.since is None else check_year(args.since)
    if since is not None and since >= year:
        from jmgis.errors import DataError

        raise DataError(f"--since {since} must be earlier than --year {year}", field="since")
    for option, value in (("crowfly-bound", args.crowfly_bound),
                          ("short-trip-km", args.short_trip_km)):
        if not value > 0 or value == float("inf"):
            from jmgis.errors import DataError

            raise DataError(f"--{option} must be a positive number, got {value:g}",
                            field=option.replace("-", "_"))
    report = check_network(
        year,
        max_snap_m=limit,
        max_snap_area_m=area,
        since=since,
        crowfly_bound_kph=args.crowfly_bound,
        short_trip_km=args.short_trip_km,
    )
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(report.text())
    return 0 if report.ok else 1


def run_topology(args: argparse.Namespace) -> int:
    """Run ``jmgis network topology``; returns the exit status."""
    from pathlib import Path

    from jmgis.errors import DataError
    from jmgis.network.osm import from_osm
    from jmgis.network.user_layers import from_layers
    from jmgis.readers import read_yaml

    first = Path(args.paths[0])
    if first.name.lower().endswith((".osm", ".osm.xml", ".pbf")):
        G = from_osm(first, speed_table=args.speeds)
        print(f"{first}: {G.number_of_nodes()} nodes, {G.number_of_edges()} directed edges")
        return 0
    class_map = None
    if args.class_map:
        class_map = read_yaml(args.class_map, encoding=args.encoding) or {}
        if not isinstance(class_map, dict):
            raise DataError(
                "expected a mapping of your class values to jmgis classes (高速公路: expressway)",
                file=args.class_map,
            )
        class_map = {str(k): str(v) for k, v in class_map.items()}
    G = from_layers(
        [(path, args.layer) if args.layer else path for path in args.paths],
        encoding=args.encoding,
        class_field=args.class_field,
        speed_table=args.speeds,
        class_map=class_map,
        id_field=args.id_field,
    )
    report = G.graph["topology"]
    print(report.summary())
    return 1 if report.undershoots or report.disconnected else 0
