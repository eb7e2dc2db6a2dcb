"""``jmgis route FROM TO``: travel time, distance and the roads/lines used."""

from __future__ import annotations

import argparse
import json

from jmgis.cli.network_options import add_network_options, network_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis route`` to the command parser."""
    p = subparsers.add_parser(
        "route",
        help="fastest route between two places (minutes, km, roads and lines used)",
        description="Fastest route on the network of a scenario year. FROM and TO are "
        "township codes or names (台城街道, 台山白沙, 440703006), gateway ids (guangzhou, "
        "macau), station, port, airport, interchange or park names (江门站).",
    )
    p.add_argument("origin", metavar="FROM", help="where the trip starts")
    p.add_argument("destination", metavar="TO", help="where it ends")
    p.add_argument("--year", default="2025", help="scenario year, 2020–2035 (default 2025)")
    p.add_argument(
        "--mode",
        choices=("any", "road", "rail"),
        default="any",
        help="any: fastest over all modes; road: roads and ferries; rail: at least one "
        "train, with road access and egress (default any)",
    )
    p.add_argument(
        "--speeds",
        metavar="FILE",
        default=None,
        help="operating-speed table to use instead of the defaults: YAML (road:, rail:, "
        "ferry: … as SpeedTable.to_dict) or CSV (road_class,speed_kph)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--out",
        metavar="FILE",
        default=None,
        help="also write the path as GeoJSON (EPSG:4490), one line per leg with its mode, "
        "name, metres and minutes",
    )
    add_network_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``jmgis route``; returns the exit status."""
    from jmgis.network.build import build_graph, shared_graph
    from jmgis.network.route import route
    from jmgis.transport import check_year

    year = check_year(args.year)
    settings = network_settings(args, args.settings)
    if settings.network is not None:
        from jmgis.network.base_network import user_graph
        from jmgis.settings import use

        with use(settings.replace(speeds=args.speeds)):
            G = user_graph(year)
    elif args.speeds is None:
        G = shared_graph(year)
    else:
        G = build_graph(year, speeds=args.speeds)
    result = route(G, args.origin, args.destination, mode=args.mode)
    if args.out:
        from jmgis.atomic import atomic_write_text
        from jmgis.network.route_geometry import route_features

        text = json.dumps(route_features(G, result), ensure_ascii=False)
        atomic_write_text(args.out, text)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return 0
    print(
        f"{result.origin_name} → {result.destination_name}  ({year}, {args.mode}): "
        f"{result.minutes:.0f} min, {result.distance_km:.1f} km"
    )
    if result.via:
        print("via " + " → ".join(result.via))
    for leg in result.legs:
        if leg.mode == "connector" and leg.seconds < 1:
            continue  # the place sits on the network
        if leg.mode == "transfer":
            label = f"{leg.name} 上下车/换乘" if leg.name else "上下车/换乘"
        elif leg.mode == "connector":
            label = f"接驳 {leg.name}".rstrip()
        else:
            label = leg.name or leg.mode
        print(
            f"  {leg.mode:<9} {label:<34} {leg.length_m / 1000:6.1f} km {leg.seconds / 60:6.1f} min"
        )
    return 0
