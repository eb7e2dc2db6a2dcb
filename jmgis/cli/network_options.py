"""The ``--network`` options: the user's own road network and how to read it.

They are shared by ``jmgis build``, ``route`` and the analysis commands.
"""

from __future__ import annotations

import argparse

from jmgis.settings import Settings


def add_network_options(p: argparse.ArgumentParser) -> None:
    """Add the ``--network`` option group to a subcommand's parser.

    The options are ``--network``, ``--class-field``, ``--class-map``, ``--speed-field``,
    ``--oneway-field`` and ``--network-buffer``.
    """
    g = p.add_argument_group("your own road network")
    g.add_argument(
        "--network",
        metavar="PATH",
        action="append",
        default=None,
        help="your road network instead of the bundled one: an OpenStreetMap extract "
        "(.osm, .osm.pbf) or line layers (GPKG, Shapefile, GeoJSON; repeat the option or "
        "separate paths with commas to join several); rail and ferries come from an OSM "
        "extract that has them (railway=rail, route=ferry), else from the bundled data",
    )
    g.add_argument(
        "--class-field",
        metavar="FIELD",
        default=None,
        help="field of the line layer holding the road class (default road_class)",
    )
    g.add_argument(
        "--class-map",
        metavar="FILE",
        default=None,
        help="YAML mapping your class values to jmgis road classes, e.g. '省道: provincial'",
    )
    g.add_argument(
        "--speed-field",
        metavar="FIELD",
        default=None,
        help="field with a per-feature speed in km/h (blank: the class speed)",
    )
    g.add_argument(
        "--oneway-field",
        metavar="FIELD",
        default=None,
        help="field flagging one-way links (yes/1 forward, -1 backward)",
    )
    g.add_argument(
        "--network-buffer",
        metavar="METRES",
        type=float,
        default=None,
        help="keep the network within the city plus this many metres (default 10000)",
    )


def network_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """``settings`` with the ``--network`` options of ``args`` applied (unset ones kept).

    Parameters
    ----------
    args
        The parsed command line (see :func:`add_network_options`).
    settings
        The settings to start from.

    Returns
    -------
    Settings
        ``settings`` with the options that were given replaced.
    """
    paths = [p.strip() for item in args.network or () for p in str(item).split(",") if p.strip()]
    changes = {
        "network": paths[0] if paths else None,
        "network_more": tuple(paths[1:]) if paths else None,
        "network_class_field": args.class_field,
        "network_class_map": args.class_map,
        "network_speed_field": args.speed_field,
        "network_oneway_field": args.oneway_field,
        "network_buffer_m": args.network_buffer,
    }
    return settings.replace(**{k: v for k, v in changes.items() if v is not None})
