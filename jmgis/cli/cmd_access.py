"""``jmgis access``: the accessibility profile of a scenario year as CSV files."""

from __future__ import annotations

import argparse
import logging

from jmgis.cli.network_options import add_network_options, network_settings

log = logging.getLogger("jmgis")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis access`` to the command parser."""
    p = subparsers.add_parser(
        "access",
        help="minutes from every township to the city centre, stations, ports and gateways",
        description="Write the accessibility profile of a scenario year as CSV: minutes from "
        "each of the 73 township seats to the city government, the nearest rail/HSR station, "
        "cargo port and expressway interchange and each external gateway; population-weighted "
        "summaries by 三区 zone, county and city; with --compare, the change per township "
        "and zone and the projects that cause it. inf = unreachable.",
    )
    p.add_argument("--year", type=int, required=True, help="scenario year, e.g. 2025")
    p.add_argument("--compare", type=int, metavar="YEAR", help="compare with this year, e.g. 2020")
    p.add_argument("--out", metavar="DIR", default="out/access", help="output directory")
    p.add_argument(
        "--population",
        metavar="FILE",
        help="weight the summaries with your own township population: a CSV with columns "
        "code (or township name) and population, or a population-count GeoTIFF (summed per "
        "township); default the bundled 2020 table",
    )
    p.add_argument(
        "--encoding",
        metavar="ENC",
        default=None,
        help="encoding of the --population CSV, e.g. GBK (default: UTF-8, else GB18030)",
    )
    p.add_argument(
        "--raster",
        metavar="TARGET",
        choices=("rail_station", "hsr_station", "port", "interchange"),
        help="also write a GeoTIFF of minutes to the nearest TARGET (250 m cells)",
    )
    p.add_argument(
        "--facilities",
        metavar="FILE",
        default=None,
        help="your facilities: a CSV (name, category, optional capacity, and lon/lat or "
        "place) or a point layer; writes facility_access.csv (minutes to the nearest of "
        "each category, counts within 15/30/60 min, 2SFCA/E2SFCA per 10 000 people) and, "
        "per category, minutes_to_facility_<category>_<year>.tif (minutes per 250 m cell)",
    )
    p.add_argument(
        "--max-snap",
        metavar="METRES",
        type=float,
        default=None,
        help="a facility farther than this from a road is an error (default 2000)",
    )
    add_network_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``jmgis access``; returns the exit status."""
    from jmgis import transport
    from jmgis.jiangmen.outputs import write_csvs

    for year in (args.year, args.compare):
        if year is not None:
            transport.check_year(year)
    from jmgis.cli import progress
    from jmgis.settings import use

    settings = network_settings(args, args.settings)
    if args.facilities:
        settings = settings.replace(facilities=args.facilities)
    population = _population(args.population, args.encoding) if args.population else None
    parts = [
        "tables",
        *(["raster"] if args.raster else []),
        *(["facilities"] if settings.facilities else []),
    ]
    with use(settings):
        facilities = None
        if settings.facilities is not None:
            from jmgis.jiangmen.facilities import load_facilities

            facilities = load_facilities(settings.facilities)  # fail fast
        bar = progress(parts, desc="jmgis access", total=len(parts))
        try:
            written = write_csvs(args.out, args.year, args.compare, population=population)
            bar.update(1)
            if args.raster:
                written.append(_raster(args))
                bar.update(1)
            if facilities is not None:
                written.append(_facilities(args, facilities, population))
                bar.update(1)
        finally:
            bar.close()
    for path in written:
        print(path)
    return 0


def _population(path: str, encoding: str | None = None):
    from jmgis.jiangmen.population import population_from_raster, population_from_table

    if path.lower().endswith((".tif", ".tiff")):
        return population_from_raster(path)
    return population_from_table(path, encoding=encoding)


def _raster(args: argparse.Namespace):
    from pathlib import Path

    from jmgis.jiangmen.outputs import write_rasters

    return write_rasters(Path(args.out), [args.year], args.raster)[0]


def _facilities(args: argparse.Namespace, facilities, population):
    from pathlib import Path

    from jmgis.jiangmen.facilities import DEFAULT_MAX_SNAP_M, facility_access
    from jmgis.jiangmen.population import population as settings_population
    from jmgis.jiangmen.township_access import jiangmen_graph
    from jmgis.tabular import safe_csv

    table = facility_access(
        jiangmen_graph(args.year),
        facilities,
        population if population is not None else settings_population(),
        max_snap_m=args.max_snap if args.max_snap is not None else DEFAULT_MAX_SNAP_M,
    )
    table.insert(2, "year", int(args.year))
    path = Path(args.out) / "facility_access.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_csv(table, path)
    # and per raster cell: minutes to the nearest facility of each category
    from jmgis.jiangmen.facilities import facility_rasters

    for tif in facility_rasters(
        jiangmen_graph(args.year),
        facilities,
        Path(args.out),
        int(args.year),
        max_snap_m=args.max_snap if args.max_snap is not None else DEFAULT_MAX_SNAP_M,
    ):
        print(tif)
    return path
