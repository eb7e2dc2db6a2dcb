"""``jmgis map KIND``: one self-contained HTML map from the bundled data."""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from jmgis.vocab import BASEMAPS, MAP_KINDS

log = logging.getLogger("jmgis")

KINDS = MAP_KINDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis map`` to the command parser."""
    p = subparsers.add_parser(
        "map",
        help=f"write one map ({', '.join(MAP_KINDS)}) as a self-contained HTML",
        description="Build one folium map from the bundled data and save it as a single HTML "
        "file that opens with no network (Leaflet and plugins inlined). Basemap 'none' draws an "
        "offline vector base; 'tianditu' needs JMGIS_TIANDITU_KEY; 'gaode' shifts the data to "
        "GCJ-02 so it sits on the Gaode tiles.",
    )
    p.add_argument("kind", choices=KINDS, help="which map")
    p.add_argument(
        "--year", type=int, default=None, help="scenario year shown (transport, access, scenario)"
    )
    p.add_argument("--basemap", choices=BASEMAPS, default="none", help="basemap (default none)")
    p.add_argument("--review-no", default=None, help="审图号 to print in the footer, if issued")
    p.add_argument("--out", metavar="FILE", required=True, help="HTML file to write")
    p.set_defaults(func=run)


# build steps that only write files: never needed to make one map
OUTPUT_STEPS = frozenset({"gpkg", "qgis", "maps", "report", "export"})


def _context(kind: str, tmp: Path, settings):
    """Run the build steps in order until the layers ``kind`` needs are present."""
    from jmgis import maps, pipeline
    from jmgis.cli import progress
    from jmgis.errors import JmgisError

    ctx = pipeline.BuildContext(settings=settings.replace(out_dir=tmp, maps_dir=tmp / "maps"))
    steps = [(n, s) for n, s in pipeline.STEPS if n not in OUTPUT_STEPS]
    bar = progress(steps, desc=f"jmgis map {kind}", total=len(steps))
    try:
        for _name, step in steps:
            if not maps.missing_layers(kind, ctx.layers):
                break
            step(ctx)
            bar.update(1)
    finally:
        bar.close()
    missing = maps.missing_layers(kind, ctx.layers)
    if missing:
        raise JmgisError(
            f"the {kind} map needs the layer(s) {', '.join(missing).replace('|', ' or ')}, "
            "which no build step produces yet"
        )
    return ctx


def run(args: argparse.Namespace) -> int:
    """Run ``jmgis map``; returns the exit status."""
    from jmgis import maps

    # steps may write side files (rasters, tables): keep them out of the user's directory
    with tempfile.TemporaryDirectory(prefix="jmgis-map-") as tmp:
        ctx = _context(args.kind, Path(tmp), args.settings)
        layers = dict(ctx.layers)
        if args.kind == "access":
            layers.update(maps.raster_from(ctx.written))
        options = {"basemap": args.basemap, "year": args.year, "review_no": args.review_no}

        def make():
            return maps.make_map(args.kind, layers, **options)

        params = {"kind": args.kind, "layers": layers, "years": args.settings.years, **options}
        path = maps.save_cached(make, args.out, "make_map", params)
    log.info("wrote %s (%.0f kB)", path, path.stat().st_size / 1024)
    return 0
