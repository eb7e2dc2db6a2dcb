"""``jmgis report``: the accessibility report (HTML, CSV, XLSX) for a scenario year."""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

log = logging.getLogger("jmgis")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis report`` to the command parser."""
    p = subparsers.add_parser(
        "report",
        help="write the accessibility report: report.html, tables/*.csv, report.xlsx",
        description="Write a self-contained Chinese HTML report (opens offline), one CSV per "
        "table (UTF-8 with BOM for Excel) and a workbook with one sheet per table: the "
        "three zones, each zone's townships with minutes to the main targets and the share "
        "of population within 30/60 minutes, the worst-served townships, and the scenario "
        "comparison with the projects behind each change.",
    )
    p.add_argument("--year", type=int, default=2025, help="scenario year (default 2025)")
    p.add_argument(
        "--compare", type=int, default=2020, metavar="YEAR", help="year to compare with (2020)"
    )
    p.add_argument("--no-compare", action="store_true", help="leave out the scenario comparison")
    p.add_argument(
        "--zones",
        default="core,bay,eco",
        help="comma-separated zone codes or names (default core,bay,eco)",
    )
    p.add_argument(
        "--out", metavar="DIR", type=Path, default=Path("out/report"), help="output directory"
    )
    p.add_argument(
        "--no-maps",
        action="store_true",
        help="do not build the layers of the build chain, nor write and link the maps",
    )
    p.add_argument(
        "--single-file",
        action="store_true",
        help="embed the maps in report.html, so the one file is the whole report",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``jmgis report``; returns the exit status."""
    from jmgis.cli import progress
    from jmgis.report import build_report
    from jmgis.report.tables import check_zones
    from jmgis.transport import check_year

    year = check_year(args.year)
    compare = None if args.no_compare else check_year(args.compare)
    zones = check_zones(args.zones)
    layers = None if args.no_maps else build_layers(args.settings)
    result = build_report(
        args.out,
        year=year,
        compare=compare,
        zones=zones,
        layers=layers,
        progress=lambda steps, desc: progress(steps, desc=desc),
        single_file=args.single_file,
    )
    for path in result.written:
        log.info("wrote %s", path)
    return 0


def build_layers(settings) -> dict:
    """The layers of ``jmgis build``.

    Every step before ``gpkg`` (those that make layers), run in a scratch directory whose files are
    discarded.
    """
    from jmgis.cli import progress
    from jmgis.pipeline import STEPS, build

    names = [name for name, _step in STEPS]
    layer_steps = STEPS[: names.index("gpkg")]
    with tempfile.TemporaryDirectory(prefix="jmgis-report-") as tmp:
        bar = progress(layer_steps, desc="layers", total=len(layer_steps))
        try:
            ctx = build(
                settings.replace(out_dir=Path(tmp), maps_dir=Path(tmp) / "maps"),
                steps=layer_steps,
                progress=lambda name, seconds: bar.update(1),
            )
        finally:
            bar.close()
    return ctx.layers
